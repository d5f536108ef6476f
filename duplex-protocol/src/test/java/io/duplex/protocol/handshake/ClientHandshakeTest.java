package io.duplex.protocol.handshake;

import static io.duplex.protocol.handshake.Bytes.response;
import static io.duplex.protocol.handshake.Bytes.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.duplex.protocol.WebSocketProtocol;
import io.duplex.protocol.handshake.HandshakeException.Reason;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ClientHandshakeTest {
    /** Produces the section 1.2 sample nonce, "the sample nonce", so expected bytes are fixed. */
    static final SecureRandom SAMPLE_NONCE = new SecureRandom() {
        private static final long serialVersionUID = 1L;

        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(Base64.getDecoder().decode("dGhlIHNhbXBsZSBub25jZQ=="), 0, bytes, 0, 16);
        }
    };

    private static final ClientHandshakeOptions CHAT = ClientHandshakeOptions.defaults()
            .withRandom(SAMPLE_NONCE)
            .withSubprotocols("chat", "superchat")
            .withOrigin("http://example.com");

    private static ClientHandshake sample() {
        return ClientHandshake.create(URI.create("ws://server.example.com/chat"), CHAT);
    }

    @Test
    @DisplayName("RFC 6455 section 1.2: the sample request, byte for byte (header order is ours)")
    void sampleRequest() {
        ClientHandshake c = sample();
        assertThat(c.key()).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
        assertThat(text(c.request())).isEqualTo("GET /chat HTTP/1.1\r\n"
                + "Host: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n");
    }

    @Test
    @DisplayName("RFC 6455 section 1.2: the sample response validates")
    void sampleResponse() {
        ClientHandshakeResult r = sample().validate(response(Bytes.SAMPLE_RESPONSE));
        assertThat(r.subprotocol()).isEqualTo("chat");
        assertThat(r.extensions()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("Section 4.1 item 4 and section 3: Host carries the port only when not default")
    @CsvSource({
        "ws://h/, h, /",
        "ws://h, h, /",
        "ws://h:80/p?a=1&b, h, /p?a=1&b",
        "wss://h:443, h, /",
        "ws://h:443/x%20y, h:443, /x%20y",
        "wss://h:80, h:80, /",
        "WSS://[::1]:9000/?q, [::1]:9000, /?q",
    })
    void hostAndTarget(String uri, String host, String target) {
        ClientHandshake c = ClientHandshake.create(URI.create(uri), ClientHandshakeOptions.defaults());
        HttpRequest req = new HttpRequestParser().feed(c.request());
        assertThat(req.host()).isEqualTo(host);
        assertThat(req.target()).isEqualTo(target);
    }

    @Test
    @DisplayName("Section 3: only ws/wss with a host and no fragment")
    void badUris() {
        for (String uri : new String[] {"http://h/", "ws:/path", "ws://h/#frag", "mailto:x@y"}) {
            assertThatThrownBy(() -> ClientHandshake.create(URI.create(uri), CHAT)).as(uri)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> CHAT.withSubprotocols("a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CHAT.withSubprotocols("a", "a")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("Section 4.1 item 7: every handshake gets a fresh random 16-byte key")
    void freshKeys() {
        URI uri = URI.create("ws://h/");
        String a = ClientHandshake.create(uri, ClientHandshakeOptions.defaults()).key();
        String b = ClientHandshake.create(uri, ClientHandshakeOptions.defaults()).key();
        assertThat(a).isNotEqualTo(b);
        assertThat(Base64.getDecoder().decode(a)).hasSize(16);
    }

    @Test
    @DisplayName("Round trip: client request -> ServerHandshake -> client validate")
    void roundTrip() {
        ExtensionOffer deflate = new ExtensionOffer("permessage-deflate",
                List.of(new ExtensionParam("client_max_window_bits", null)));
        ClientHandshake c = ClientHandshake.create(URI.create("wss://example.com:8443/live?room=1"),
                ClientHandshakeOptions.defaults().withSubprotocols("v2", "v1").withExtensions(List.of(deflate))
                        .withExtraHeaders(new HttpHeaders().add("Authorization", "Bearer t")));
        HttpRequest req = new HttpRequestParser().feed(c.request());
        assertThat(req.headers().get("Authorization")).isEqualTo("Bearer t");
        HandshakeResult server = ServerHandshake.accept(req, ServerHandshakeOptions.defaults()
                .withSubprotocols(SubprotocolSelector.firstOf(List.of("v1", "v2")))
                .withExtensions(offers -> List.of(new NegotiatedExtension(offers.get(0).name(),
                        "client_max_window_bits=10", WebSocketProtocol.B0_RSV1, null))));
        assertThat(server).isInstanceOf(HandshakeResult.Accepted.class);
        ClientHandshakeResult r = c.validate(new HttpResponseParser().feed(server.response()));
        assertThat(r.subprotocol()).isEqualTo("v2");
        assertThat(r.extensions()).containsExactly(new ExtensionOffer("permessage-deflate",
                List.of(new ExtensionParam("client_max_window_bits", "10"))));
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                arguments(Reason.UNEXPECTED_STATUS, "101 Switching Protocols", "200 OK",
                        "expected 101, got 200 OK"),
                arguments(Reason.MISSING_UPGRADE, "Upgrade: websocket\r\n", "", "no Upgrade header"),
                arguments(Reason.BAD_UPGRADE, "Upgrade: websocket", "Upgrade: h2c", "Upgrade is not websocket: h2c"),
                arguments(Reason.MISSING_CONNECTION, "Connection: Upgrade\r\n", "", "no Connection header"),
                arguments(Reason.BAD_CONNECTION, "Connection: Upgrade", "Connection: close",
                        "Connection does not include Upgrade: close"),
                arguments(Reason.MISSING_ACCEPT, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", "",
                        "no Sec-WebSocket-Accept header"),
                arguments(Reason.ACCEPT_MISMATCH, "xOo=", "xOo", "Sec-WebSocket-Accept s3pPLMBiTxaQ9kYGzzhZRbK+xOo "
                        + "but expected s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                arguments(Reason.UNOFFERED_SUBPROTOCOL, "Protocol: chat", "Protocol: mqtt",
                        "server selected subprotocol mqtt but offered were [chat, superchat]"),
                arguments(Reason.UNOFFERED_EXTENSION, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: x-foo\r\n\r\n",
                        "server accepted extension x-foo which was not offered"),
                arguments(Reason.MALFORMED_EXTENSIONS, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: x-foo bar\r\n\r\n",
                        "malformed Sec-WebSocket-Extensions: expected ',' or ';' at position 6"));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("Section 4.1: each invalid server response fails with its own Reason")
    @MethodSource
    void failures(Reason reason, String from, String to, String message) {
        String resp = Bytes.SAMPLE_RESPONSE.replace(from, to);
        assertThat(resp).isNotEqualTo(Bytes.SAMPLE_RESPONSE);
        assertThatThrownBy(() -> sample().validate(response(resp)))
                .isInstanceOfSatisfying(HandshakeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).isEqualTo(reason + ": " + message);
                    assertThat(e.status()).isEqualTo(reason == Reason.UNEXPECTED_STATUS ? 200 : 0);
                });
    }

    @Test
    @DisplayName("Section 4.1: a subprotocol answer when none was offered, or two answers, fail")
    void subprotocolEdgeCases() {
        ClientHandshake none = ClientHandshake.create(URI.create("ws://server.example.com/chat"),
                CHAT.withSubprotocols());
        assertThatThrownBy(() -> none.validate(response(Bytes.SAMPLE_RESPONSE)))
                .isInstanceOfSatisfying(HandshakeException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNOFFERED_SUBPROTOCOL));
        String two = Bytes.SAMPLE_RESPONSE.replace("Protocol: chat", "Protocol: chat, superchat");
        assertThatThrownBy(() -> sample().validate(response(two)))
                .isInstanceOfSatisfying(HandshakeException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNOFFERED_SUBPROTOCOL));
    }
}
