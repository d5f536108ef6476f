package io.duplex.protocol.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Test helpers for byte vectors written as text with {@code \r\n}. */
final class Bytes {
    private Bytes() {}

    /** The client handshake of RFC 6455 section 1.2. */
    static final String SAMPLE_REQUEST = "GET /chat HTTP/1.1\r\n"
            + "Host: server.example.com\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Origin: http://example.com\r\n"
            + "Sec-WebSocket-Protocol: chat, superchat\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "\r\n";

    /** The server handshake of RFC 6455 section 1.2. */
    static final String SAMPLE_RESPONSE = "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            + "Sec-WebSocket-Protocol: chat\r\n"
            + "\r\n";

    static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static String text(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    static HttpRequest request(String s) {
        return new HttpRequestParser().feed(buf(s));
    }

    static HttpResponse response(String s) {
        return new HttpResponseParser().feed(buf(s));
    }

    /** Asserts that {@code code} throws an HttpParseException with exactly this status and reason. */
    static void assertParseError(org.assertj.core.api.ThrowableAssert.ThrowingCallable code, int status, String reason) {
        assertThatThrownBy(code).isInstanceOfSatisfying(HttpParseException.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.reason()).isEqualTo(reason);
        });
    }
}
