package io.duplex.protocol.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class HttpRequestParserPropertiesTest {
    private static final byte[] SAMPLE = Bytes.SAMPLE_REQUEST.getBytes(StandardCharsets.ISO_8859_1);

    @Property(tries = 300)
    void anyChunkingOfTheSampleGivesTheSameRequest(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 64) Integer> chunkSizes) {
        HttpRequestParser p = new HttpRequestParser();
        HttpRequest result = null;
        int offset = 0;
        int chunk = 0;
        // One reused buffer, as a network loop would have it.
        ByteBuffer reused = ByteBuffer.allocate(64);
        while (result == null && offset < SAMPLE.length) {
            int n = Math.min(chunkSizes.get(chunk++ % chunkSizes.size()), SAMPLE.length - offset);
            reused.clear();
            reused.put(SAMPLE, offset, n).flip();
            offset += n;
            result = p.feed(reused);
            assertThat(reused.hasRemaining()).isFalse();
        }
        assertThat(offset).isEqualTo(SAMPLE.length);
        assertThat(result).isEqualTo(Bytes.request(Bytes.SAMPLE_REQUEST));
    }

    @Property(tries = 300)
    void anyChunkingOfTheSampleResponseGivesTheSameResponse(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 64) Integer> chunkSizes) {
        byte[] bytes = Bytes.SAMPLE_RESPONSE.getBytes(StandardCharsets.ISO_8859_1);
        HttpResponseParser p = new HttpResponseParser();
        HttpResponse result = null;
        int offset = 0;
        int chunk = 0;
        while (result == null && offset < bytes.length) {
            int n = Math.min(chunkSizes.get(chunk++ % chunkSizes.size()), bytes.length - offset);
            result = p.feed(ByteBuffer.wrap(bytes, offset, n));
            offset += n;
        }
        assertThat(offset).isEqualTo(bytes.length);
        assertThat(result).isEqualTo(Bytes.response(Bytes.SAMPLE_RESPONSE));
    }
}
