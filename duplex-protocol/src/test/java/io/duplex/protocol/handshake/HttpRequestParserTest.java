package io.duplex.protocol.handshake;

import static io.duplex.protocol.handshake.Bytes.SAMPLE_REQUEST;
import static io.duplex.protocol.handshake.Bytes.buf;
import static io.duplex.protocol.handshake.Bytes.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpRequestParserTest {

    private static void assertRejected(String head, int status, String reason) {
        Bytes.assertParseError(() -> new HttpRequestParser().feed(buf(head)), status, reason);
    }

    @Test
    @DisplayName("RFC 6455 section 1.2: the sample client handshake parses")
    void sampleRequest() {
        HttpRequest r = request(SAMPLE_REQUEST);
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.target()).isEqualTo("/chat");
        assertThat(r.path()).isEqualTo("/chat");
        assertThat(r.query()).isNull();
        assertThat(r.version()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(r.headers().size()).isEqualTo(7);
        assertThat(r.host()).isEqualTo("server.example.com");
        assertThat(r.origin()).isEqualTo("http://example.com");
        assertThat(r.headers().get("sec-websocket-protocol")).isEqualTo("chat, superchat");
    }

    @Test
    @DisplayName("Bytes after the head (a pipelined frame) stay unread in the buffer")
    void pipelinedBytesStay() {
        ByteBuffer in = buf(SAMPLE_REQUEST + "\u0081\u0085rest");
        assertThat(new HttpRequestParser().feed(in)).isNotNull();
        assertThat(in.position()).isEqualTo(SAMPLE_REQUEST.length());
        assertThat(Bytes.text(in)).isEqualTo("\u0081\u0085rest");
    }

    @Test
    @DisplayName("Fed one byte boundary at a time, split at every position, the result is the same")
    void splitAtEveryBoundary() {
        HttpRequest whole = request(SAMPLE_REQUEST);
        byte[] bytes = SAMPLE_REQUEST.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= bytes.length; split++) {
            HttpRequestParser p = new HttpRequestParser();
            ByteBuffer first = ByteBuffer.wrap(bytes, 0, split);
            HttpRequest r = p.feed(first);
            if (split < bytes.length) {
                assertThat(r).as("split %d", split).isNull();
                // The caller reuses its buffer: scribble over the consumed bytes to prove they were copied.
                byte[] reused = bytes.clone();
                java.util.Arrays.fill(reused, 0, split, (byte) 'x');
                r = p.feed(ByteBuffer.wrap(reused, split, bytes.length - split));
            }
            assertThat(r).as("split %d", split).isEqualTo(whole);
        }
    }

    @Test
    @DisplayName("RFC 9112 9.3: after a head the parser reads the next request on the same connection")
    void keepAliveReuse() {
        HttpRequestParser p = new HttpRequestParser();
        ByteBuffer in = buf("GET /a HTTP/1.1\r\nHost: x\r\n\r\n\r\nGET /b?q=1 HTTP/1.1\r\nHost: y\r\n\r\n");
        assertThat(p.feed(in).path()).isEqualTo("/a");
        HttpRequest second = p.feed(in);
        assertThat(second.path()).isEqualTo("/b");
        assertThat(second.query()).isEqualTo("q=1");
        assertThat(second.host()).isEqualTo("y");
        assertThat(second.headers().size()).isEqualTo(1);
    }

    @Test
    @DisplayName("RFC 9112 3.2: target forms, percent-decoded path and raw query")
    void targetForms() {
        HttpRequest r = request("GET /a%20b/%C3%A9?x=%20&y HTTP/1.1\r\n\r\n");
        assertThat(r.path()).isEqualTo("/a b/\u00e9");
        assertThat(r.query()).isEqualTo("x=%20&y");
        assertThat(request("GET http://h:80/p?q HTTP/1.1\r\n\r\n").path()).isEqualTo("/p");
        assertThat(request("GET http://h HTTP/1.1\r\n\r\n").path()).isEqualTo("/");
        assertThat(request("OPTIONS * HTTP/1.1\r\n\r\n").path()).isEqualTo("*");
        assertThat(request("CONNECT h:443 HTTP/1.1\r\n\r\n").path()).isEmpty();
        assertThat(request("GET /? HTTP/1.1\r\n\r\n").query()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("RFC 9112 sections 2-5: syntax errors are 400 with a precise reason")
    @CsvSource(delimiter = '|', value = {
        "GET /  HTTP/1.1|malformed request line",
        "'GET / HTTP/1.1 '|malformed request line",
        "GET|malformed request line",
        "G(T / HTTP/1.1|invalid method",
        "' GET / HTTP/1.1'|malformed request line",
        "GET  HTTP/1.1|missing request target",
        "GET /\u00e9 HTTP/1.1|invalid character in request target",
        "GET /#frag HTTP/1.1|invalid character in request target",
        "GET x HTTP/1.1|invalid request target",
        "GET /%zz HTTP/1.1|invalid percent-encoding in request target",
        "GET /%4 HTTP/1.1|invalid percent-encoding in request target",
        "GET /%C3 HTTP/1.1|request path is not valid UTF-8 after percent-decoding",
        "GET / HTTP/1|malformed HTTP version",
        "GET / http/1.1|malformed HTTP version",
        "GET / HTTP/1.10|malformed HTTP version",
    })
    void requestLineErrors(String line, String reason) {
        assertRejected(line + "\r\nHost: x\r\n\r\n", 400, reason);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("RFC 9112 section 5: header field errors are 400")
    @CsvSource(delimiter = '|', value = {
        "Host : x|whitespace between header name and colon",
        "'Host\t: x'|whitespace between header name and colon",
        "' folded'|obsolete line folding (header line starts with whitespace)",
        "NoColon|header line without colon",
        ": empty-name|invalid header name",
        "B@d: x|invalid header name",
        "X: a\u0001b|invalid character in value of header X",
        "X: a\u007fb|invalid character in value of header X",
    })
    void headerErrors(String field, String reason) {
        assertRejected("GET / HTTP/1.1\r\nHost: x\r\n" + field + "\r\n\r\n", 400, reason);
    }

    @Test
    @DisplayName("RFC 9112 2.2: CRLF is required; bare CR and bare LF are 400")
    void lineEndings() {
        assertRejected("GET / HTTP/1.1\nHost: x\r\n\r\n", 400, "bare LF: lines must end with CRLF");
        assertRejected("GET / HTTP/1.1\r\nHost: x\n\n", 400, "bare LF: lines must end with CRLF");
        assertRejected("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400, "CR not followed by LF");
    }

    @Test
    @DisplayName("RFC 9112 2.3: HTTP/1.0 parses; other versions are 505")
    void versions() {
        assertThat(request("GET / HTTP/1.0\r\n\r\n").version()).isEqualTo(HttpVersion.HTTP_1_0);
        assertRejected("GET / HTTP/2.0\r\n\r\n", 505, "HTTP version not supported: HTTP/2.0");
        assertRejected("GET / HTTP/1.2\r\n\r\n", 505, "HTTP version not supported: HTTP/1.2");
        assertRejected("GET / HTTP/0.9\r\n\r\n", 505, "HTTP version not supported: HTTP/0.9");
    }

    @Test
    @DisplayName("Field values are trimmed of optional whitespace (RFC 9112 5.1); obs-text is kept")
    void fieldValues() {
        HttpRequest r = request("GET / HTTP/1.1\r\nX:\t a b \t\r\nY:\r\nZ: \u00e9\r\n\r\n");
        assertThat(r.headers().get("X")).isEqualTo("a b");
        assertThat(r.headers().get("Y")).isEmpty();
        assertThat(r.headers().get("Z")).isEqualTo("\u00e9");
    }

    private static String headOfSize(int size) {
        String start = "GET / HTTP/1.1\r\nX: ";
        String end = "\r\n\r\n";
        return start + "a".repeat(size - start.length() - end.length()) + end;
    }

    @Test
    @DisplayName("Head limit: 8192 bytes parse, 8193 are 431, detected before the head ends")
    void headLimit() {
        assertThat(headOfSize(8192)).hasSize(8192);
        assertThat(request(headOfSize(8192))).isNotNull();
        assertRejected(headOfSize(8193), 431, "message head larger than 8192 bytes");
        // No end of line in sight: the parser must still stop at the limit rather than buffer forever.
        assertRejected("GET /" + "a".repeat(9000), 431, "message head larger than 8192 bytes");
        assertThatThrownBy(() -> new HttpRequestParser(100, 10).feed(buf(headOfSize(101))))
                .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.status()).isEqualTo(431));
    }

    @Test
    @DisplayName("Header count limit: 100 fields parse, 101 are 431")
    void headerCountLimit() {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\n");
        for (int i = 0; i < 100; i++) {
            sb.append("H").append(i).append(": v\r\n");
        }
        assertThat(request(sb + "\r\n").headers().size()).isEqualTo(100);
        assertRejected(sb + "H: v\r\n\r\n", 431, "more than 100 header fields");
    }

    @Test
    @DisplayName("Bytes that cannot start a method fail at once, without waiting for a line end")
    void nonHttpFailsBeforeAnyLineEnd() {
        HttpRequestParser p = new HttpRequestParser();
        // The first bytes of a TLS ClientHello: no CRLF will ever come.
        Bytes.assertParseError(() -> p.feed(ByteBuffer.wrap(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00})), 400,
                "invalid method");
        assertThatThrownBy(() -> p.feed(buf(SAMPLE_REQUEST))).isInstanceOf(IllegalStateException.class);
        HttpRequestParser split = new HttpRequestParser();
        assertThat(split.feed(buf("\r\nGE"))).isNull();
        Bytes.assertParseError(() -> split.feed(buf("T\u0000")), 400, "invalid method");
    }

    @Test
    @DisplayName("A method longer than the head limit is 431 however it is split, even with a bad byte past the limit")
    void overlongMethodIsTheHeadLimitsWholeOrSplit() {
        String head = "\r\n" + "G".repeat(1100) + "\u0001";
        Bytes.assertParseError(() -> new HttpRequestParser(1024, 20).feed(buf(head)), 431,
                "message head larger than 1024 bytes");
        HttpRequestParser split = new HttpRequestParser(1024, 20);
        assertThat(split.feed(buf(head.substring(0, 600)))).isNull();
        Bytes.assertParseError(() -> split.feed(buf(head.substring(600))), 431, "message head larger than 1024 bytes");
        // Exactly at the limit the early check still sees the bad byte.
        Bytes.assertParseError(() -> new HttpRequestParser(1024, 20).feed(buf("G".repeat(1023) + "\u0001")), 400,
                "invalid method");
    }

    @Test
    @DisplayName("After a failure the parser refuses more input (discard state)")
    void failedParserStaysFailed() {
        HttpRequestParser p = new HttpRequestParser();
        assertThatThrownBy(() -> p.feed(buf("BAD\r\n"))).isInstanceOf(HttpParseException.class);
        assertThatThrownBy(() -> p.feed(buf(SAMPLE_REQUEST))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("RFC 9112 6.3: Content-Length, identical lists, conflicts and Transfer-Encoding")
    void bodyHelpers() {
        assertThat(request("POST / HTTP/1.1\r\n\r\n").contentLength()).isEqualTo(-1);
        assertThat(request("POST / HTTP/1.1\r\nContent-Length: 42\r\n\r\n").contentLength()).isEqualTo(42);
        assertThat(request("POST / HTTP/1.1\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n").contentLength())
                .isEqualTo(7);
        for (String bad : new String[] {"-1", "1 2", "", "0x10", "+5", "99999999999999999999", "5, 6"}) {
            HttpRequest r = request("POST / HTTP/1.1\r\nContent-Length: " + bad + "\r\n\r\n");
            assertThatThrownBy(r::contentLength).as(bad)
                    .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
        HttpRequest twoFields = request("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
        assertThatThrownBy(twoFields::contentLength).hasMessageContaining("conflicting Content-Length");
        assertThat(request("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n").isChunked()).isTrue();
        assertThat(request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n").isChunked()).isFalse();
        assertThat(request("POST / HTTP/1.1\r\n\r\n").isChunked()).isFalse();
    }

    @Test
    @DisplayName("RFC 9112 9.3: keep-alive defaults per version")
    void keepAlive() {
        assertThat(request("GET / HTTP/1.1\r\n\r\n").keepAlive()).isTrue();
        assertThat(request("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").keepAlive()).isFalse();
        assertThat(request("GET / HTTP/1.0\r\n\r\n").keepAlive()).isFalse();
        assertThat(request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive()).isTrue();
        assertThat(request("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keepAlive()).isFalse();
    }
}
