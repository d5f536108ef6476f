package io.duplex.protocol.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExtensionHeaderTest {
    @Test
    @DisplayName("RFC 6455 9.1: lists across fields, params, quoted values unquoted, order kept")
    void parses() {
        List<ExtensionOffer> offers = ExtensionHeader.parse(List.of(
                "foo, bar; baz=2",
                "  permessage-deflate ;client_max_window_bits ; server_max_window_bits = \"1\\0\" ,, x"));
        assertThat(offers).containsExactly(
                new ExtensionOffer("foo", List.of()),
                new ExtensionOffer("bar", List.of(new ExtensionParam("baz", "2"))),
                new ExtensionOffer("permessage-deflate", List.of(new ExtensionParam("client_max_window_bits", null),
                        new ExtensionParam("server_max_window_bits", "10"))),
                new ExtensionOffer("x", List.of()));
        assertThat(ExtensionHeader.format(offers))
                .isEqualTo("foo, bar; baz=2, permessage-deflate; client_max_window_bits; server_max_window_bits=10, x");
        assertThat(ExtensionHeader.parse(List.of())).isEmpty();
    }

    @ParameterizedTest
    @DisplayName("RFC 6455 9.1: malformed values are 400")
    @ValueSource(strings = {"", " , ", "foo bar", "foo;", "foo; =1", "foo; a=", "foo; a=\"x", "foo; a=\"x y\"",
            "foo; a=\"\"", "f@o", "foo; a=b c", "foo; a=\"b\\"})
    void malformed(String value) {
        assertThatThrownBy(() -> ExtensionHeader.parse(List.of(value)))
                .isInstanceOfSatisfying(HttpParseException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.reason()).startsWith("malformed Sec-WebSocket-Extensions: ");
                });
    }
}
