package io.duplex.protocol.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HttpHeadersTest {
    private final HttpHeaders h = new HttpHeaders()
            .add("Connection", "keep-alive")
            .add("Upgrade", "websocket")
            .add("connection", " Upgrade ");

    @Test
    @DisplayName("RFC 9110 5.1: names match without regard to case; get returns the first value")
    void caseInsensitiveLookup() {
        assertThat(h.get("CONNECTION")).isEqualTo("keep-alive");
        assertThat(h.all("connection")).containsExactly("keep-alive", "Upgrade");
        assertThat(h.get("Missing")).isNull();
        assertThat(h.all("Missing")).isEmpty();
        assertThat(h.size()).isEqualTo(3);
    }

    @Test
    @DisplayName("RFC 9110 5.6.1: containsToken reads comma lists across all fields of the name")
    void containsToken() {
        HttpHeaders list = new HttpHeaders().add("Connection", "keep-alive, ,UPGRADE").add("Connection", "x");
        assertThat(list.containsToken("connection", "upgrade")).isTrue();
        assertThat(list.containsToken("Connection", "x")).isTrue();
        assertThat(list.containsToken("Connection", "keep")).isFalse();
        assertThat(list.containsToken("Upgrade", "websocket")).isFalse();
        // Unicode case folding would map KELVIN SIGN to 'k'; header tokens are ASCII only.
        assertThat(new HttpHeaders().add("Connection", "\u00ffeep").containsToken("Connection", "keep")).isFalse();
    }

    @Test
    @DisplayName("Iteration yields (name, value) in insertion order")
    void iterationOrder() {
        List<String> seen = new ArrayList<>();
        for (Map.Entry<String, String> e : h) {
            seen.add(e.getKey() + "=" + e.getValue());
        }
        assertThat(seen).containsExactly("Connection=keep-alive", "Upgrade=websocket", "connection=Upgrade");
    }

    @Test
    @DisplayName("add rejects names that are not tokens and values with CR/LF (header injection)")
    void addValidates() {
        assertThatThrownBy(() -> new HttpHeaders().add("Bad Name", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpHeaders().add("X", "a\r\nInjected: 1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpHeaders().add("X", "\u0100")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("A read-only copy refuses add and keeps its snapshot")
    void readOnly() {
        HttpHeaders copy = h.readOnlyCopy();
        assertThatThrownBy(() -> copy.add("X", "y")).isInstanceOf(UnsupportedOperationException.class);
        h.add("X", "y");
        assertThat(copy.size()).isEqualTo(3);
        assertThat(copy.readOnlyCopy()).isSameAs(copy);
    }
}
