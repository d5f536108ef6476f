package io.duplex.protocol.handshake;

import static io.duplex.protocol.handshake.Bytes.SAMPLE_REQUEST;
import static io.duplex.protocol.handshake.Bytes.request;
import static io.duplex.protocol.handshake.Bytes.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duplex.protocol.WebSocketProtocol;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerHandshakeTest {
    private static final ServerHandshakeOptions CHAT =
            ServerHandshakeOptions.defaults().withSubprotocols(SubprotocolSelector.firstOf(List.of("chat")));

    /** The section 1.2 sample with one line replaced ({@code null} replacement removes it). */
    private static HttpRequest sampleWith(String header, String replacement) {
        StringBuilder sb = new StringBuilder();
        for (String line : SAMPLE_REQUEST.split("\r\n", -1)) {
            if (line.startsWith(header + ":") || (header.equals("request-line") && line.startsWith("GET"))) {
                if (replacement != null) {
                    sb.append(replacement).append("\r\n");
                }
            } else {
                sb.append(line).append("\r\n");
            }
        }
        return request(sb.substring(0, sb.length() - 2));
    }

    private static HandshakeResult.Rejected rejected(HttpRequest req) {
        HandshakeResult r = ServerHandshake.accept(req, CHAT);
        assertThat(r).isInstanceOf(HandshakeResult.Rejected.class);
        return (HandshakeResult.Rejected) r;
    }

    @Test
    @DisplayName("RFC 6455 section 1.2: the sample request gets exactly the sample response")
    void sampleHandshake() {
        HandshakeResult r = ServerHandshake.accept(request(SAMPLE_REQUEST), CHAT);
        assertThat(r).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
            assertThat(a.subprotocol()).isEqualTo("chat");
            assertThat(a.extensions()).isEmpty();
            assertThat(a.request().origin()).isEqualTo("http://example.com");
            assertThat(text(a.response())).isEqualTo(Bytes.SAMPLE_RESPONSE);
        });
    }

    @Test
    @DisplayName("Section 4.2.2: no selector match means no Sec-WebSocket-Protocol; extra headers follow")
    void noSubprotocolAndExtraHeaders() {
        HandshakeResult r = ServerHandshake.accept(request(SAMPLE_REQUEST),
                ServerHandshakeOptions.defaults().withExtraHeaders(new HttpHeaders().add("Set-Cookie", "a=b")));
        assertThat(text(r.response())).isEqualTo("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSet-Cookie: a=b\r\n\r\n");
        // Each call returns an independent view of the bytes.
        r.response().position(10);
        assertThat(r.response().position()).isZero();
    }

    @Test
    @DisplayName("Section 4.2.1 items 3-4: Upgrade and Connection are case-insensitive token lists")
    void tokenListsAccepted() {
        HttpRequest req = request(SAMPLE_REQUEST
                .replace("Upgrade: websocket", "Upgrade: foo, WebSocket")
                .replace("Connection: Upgrade", "Connection: keep-alive\r\nConnection: upgrade"));
        assertThat(ServerHandshake.accept(req, CHAT)).isInstanceOf(HandshakeResult.Accepted.class);
    }

    @ParameterizedTest(name = "{0}: {1} -> {2} {3}")
    @DisplayName("Section 4.2.1: each violated rule gives its status and precise reason")
    @CsvSource(delimiter = '|', nullValues = "NONE", value = {
        "request-line|POST /chat HTTP/1.1|400|WebSocket handshake requires GET, got POST",
        "request-line|GET /chat HTTP/1.0|400|WebSocket handshake requires HTTP/1.1 or later",
        "Host|NONE|400|missing Host header",
        "Host|Host: a/CRLF/Host: b|400|more than one Host header",
        "Upgrade|NONE|400|missing Upgrade header",
        "Upgrade|Upgrade: h2c|400|Upgrade header does not include websocket",
        "Connection|NONE|400|missing Connection header",
        "Connection|Connection: keep-alive|400|Connection header does not include Upgrade",
        "Sec-WebSocket-Version|NONE|426|missing Sec-WebSocket-Version header",
        "Sec-WebSocket-Version|Sec-WebSocket-Version: 8|426|unsupported Sec-WebSocket-Version 8",
        "Sec-WebSocket-Version|Sec-WebSocket-Version: 13, 8|426|unsupported Sec-WebSocket-Version 13, 8",
        "Sec-WebSocket-Key|NONE|400|missing Sec-WebSocket-Key header",
        "Sec-WebSocket-Key|Sec-WebSocket-Key: a/CRLF/Sec-WebSocket-Key: b|400|more than one Sec-WebSocket-Key header",
        "Sec-WebSocket-Key|Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ|400|Sec-WebSocket-Key is not Base64 of 16 bytes",
        "Sec-WebSocket-Key|Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j|400|Sec-WebSocket-Key is not Base64 of 16 bytes",
        "Sec-WebSocket-Key|Sec-WebSocket-Key: dGhlIHNhbXBsZSBub2*jZQ==|400|Sec-WebSocket-Key is not Base64 of 16 bytes",
        "Sec-WebSocket-Protocol|Sec-WebSocket-Protocol: chat, s p|400|malformed Sec-WebSocket-Protocol header",
        "Origin|Sec-WebSocket-Extensions: x; =1|400|malformed Sec-WebSocket-Extensions: missing parameter name at position 3",
    })
    void violations(String header, String replacement, int status, String reason) {
        // CSV rows cannot hold line breaks, so /CRLF/ stands for one.
        String lines = replacement == null ? null : replacement.replace("/CRLF/", "\r\n");
        HandshakeResult.Rejected r = rejected(sampleWith(header, lines));
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.reason()).isEqualTo(reason);
        String response = text(r.response());
        assertThat(response).startsWith("HTTP/1.1 " + status + " ")
                .contains("\r\nContent-Type: text/plain; charset=utf-8\r\n", "\r\nConnection: close\r\n")
                .contains("\r\nContent-Length: " + reason.length() + "\r\n")
                .endsWith("\r\n\r\n" + reason);
        assertThat(response.contains("\r\nSec-WebSocket-Version: 13\r\n")).isEqualTo(status == 426);
    }

    @Test
    @DisplayName("Section 4.4: the 426 response is complete and names version 13")
    void exact426() {
        HandshakeResult.Rejected r = rejected(sampleWith("Sec-WebSocket-Version", "Sec-WebSocket-Version: 7"));
        assertThat(text(r.response())).isEqualTo("HTTP/1.1 426 Upgrade Required\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 35\r\nConnection: close\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\nunsupported Sec-WebSocket-Version 7");
    }

    @Test
    @DisplayName("rejection(): a caller's own status, UTF-8 body length and extra headers")
    void customRejection() {
        HandshakeResult.Rejected r = ServerHandshake.rejection(401, "caf\u00e9",
                new HttpHeaders().add("WWW-Authenticate", "Bearer"));
        assertThat(r.response().remaining()).isEqualTo(text(r.response()).length());
        assertThat(text(r.response())).isEqualTo("HTTP/1.1 401 Unauthorized\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\nConnection: close\r\n"
                + "WWW-Authenticate: Bearer\r\n\r\ncaf\u00c3\u00a9");
        assertThatThrownBy(() -> ServerHandshake.rejection(200, "no", null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ServerHandshake.rejection(new HttpParseException(431, "too big")).status()).isEqualTo(431);
    }

    @Test
    @DisplayName("Section 9.1: the negotiator sees every offer in order and its answer is echoed")
    void extensionNegotiation() {
        HttpRequest req = sampleWith("Origin", "Sec-WebSocket-Extensions: permessage-deflate; "
                + "client_max_window_bits, x-foo\r\nSec-WebSocket-Extensions: permessage-deflate; a=\"1\"");
        List<List<ExtensionOffer>> seen = new java.util.ArrayList<>();
        Object state = new Object();
        ExtensionNegotiator negotiator = offers -> {
            seen.add(offers);
            return List.of(new NegotiatedExtension("permessage-deflate", "server_no_context_takeover",
                    WebSocketProtocol.B0_RSV1, state));
        };
        HandshakeResult r = ServerHandshake.accept(req, CHAT.withExtensions(negotiator));
        assertThat(seen.get(0)).extracting(ExtensionOffer::name)
                .containsExactly("permessage-deflate", "x-foo", "permessage-deflate");
        assertThat(seen.get(0).get(2).param("a").value()).isEqualTo("1");
        assertThat(r).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
            assertThat(a.extensions()).singleElement().satisfies(e -> assertThat(e.state()).isSameAs(state));
            assertThat(text(a.response()))
                    .contains("\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n");
        });
    }

    @Test
    @DisplayName("Section 9.1: without a negotiator, offers are ignored")
    void noNegotiator() {
        HttpRequest req = sampleWith("Origin", "Sec-WebSocket-Extensions: x-foo");
        assertThat(text(ServerHandshake.accept(req, CHAT).response())).doesNotContain("Extensions");
    }

    @Test
    @DisplayName("Contract violations by the server's own hooks are bugs: IllegalStateException")
    void hookContractViolations() {
        HttpRequest req = sampleWith("Origin", "Sec-WebSocket-Extensions: a, b");
        assertThatThrownBy(() -> ServerHandshake.accept(req,
                CHAT.withExtensions(o -> List.of(new NegotiatedExtension("c", null, 0, null)))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unoffered extension c");
        assertThatThrownBy(() -> ServerHandshake.accept(req, CHAT.withExtensions(o -> List.of(
                new NegotiatedExtension("a", null, WebSocketProtocol.B0_RSV1, null),
                new NegotiatedExtension("b", null, WebSocketProtocol.B0_RSV1, null)))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("share an RSV bit");
        assertThatThrownBy(() -> ServerHandshake.accept(req, CHAT.withSubprotocols(o -> "mqtt")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unoffered subprotocol");
        assertThatThrownBy(() -> new NegotiatedExtension("a", null, 0x80, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NegotiatedExtension("a", "x=1\r\nSet-Cookie: y", 0, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
