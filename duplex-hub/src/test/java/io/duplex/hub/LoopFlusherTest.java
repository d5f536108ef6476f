package io.duplex.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batches are built once per loop pass for every session that got the same publications. */
class LoopFlusherTest {
    private static Publication pub(long offset) {
        return new Publication("t", "e", offset, Long.toString(offset), null, null, 0, null);
    }

    @Test
    void theSamePublicationsInTheSameOrderShareOneBatch() {
        LoopFlusher f = new LoopFlusher(null, Duration.ZERO);
        Publication p1 = pub(1);
        Publication p2 = pub(2);
        Batch first = f.batch(List.of(p1, p2), 0, 2);
        assertThat(new String(first.wire(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"type\":\"pub\",\"topic\":\"t\",\"epoch\":\"e\",\"offset\":1,\"data\":1}\n"
                        + "{\"type\":\"pub\",\"topic\":\"t\",\"epoch\":\"e\",\"offset\":2,\"data\":2}");
        List<Object> other = new ArrayList<>(List.of("own message".getBytes(StandardCharsets.UTF_8), p1, p2));
        assertThat(f.batch(other, 1, 3)).isSameAs(first);
        assertThat(first.prepared()).isSameAs(first.prepared());
        // Different publications, or the same ones in another order or number, get their own.
        assertThat(f.batch(List.of(p2, p1), 0, 2)).isNotSameAs(first);
        Batch three = f.batch(List.of(p1, p2, pub(3)), 0, 3);
        assertThat(three.wire()).hasSize(first.wire().length + 1 + pub(3).wire().length);
        assertThat(f.batch(List.of(p1, p2), 0, 2)).isNotSameAs(first);
    }
}
