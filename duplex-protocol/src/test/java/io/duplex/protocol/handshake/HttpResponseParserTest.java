package io.duplex.protocol.handshake;

import static io.duplex.protocol.handshake.Bytes.buf;
import static io.duplex.protocol.handshake.Bytes.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpResponseParserTest {
    @Test
    @DisplayName("RFC 6455 section 1.2: the sample server handshake parses; a frame behind it stays")
    void sampleResponse() {
        ByteBuffer in = buf(Bytes.SAMPLE_RESPONSE + "\u0081\u0002hi");
        HttpResponse r = new HttpResponseParser().feed(in);
        assertThat(r.version()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(r.status()).isEqualTo(101);
        assertThat(r.reasonPhrase()).isEqualTo("Switching Protocols");
        assertThat(r.headers().get("sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assertThat(in.remaining()).isEqualTo(4);
    }

    @Test
    @DisplayName("RFC 9112 section 4: empty reason phrase, with or without the space")
    void emptyReason() {
        assertThat(response("HTTP/1.1 101 \r\n\r\n").reasonPhrase()).isEmpty();
        assertThat(response("HTTP/1.0 404\r\n\r\n").status()).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("RFC 9112 section 4: malformed status lines are 400, other versions 505")
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 10|400|malformed status line",
        "HTTP/1.1  101 x|400|malformed status line",
        "HTTP/1.1 1O1 x|400|malformed status code",
        "HTTP/1.1 099 x|400|status code below 100",
        "HTTP/1.1 101x|400|malformed status line",
        "HTTP/1.1 101 a\u0000b|400|invalid character in reason phrase",
        "HTTX/1.1 101 x|400|malformed HTTP version",
        "HTTP/2.0 101 x|505|HTTP version not supported: HTTP/2.0",
    })
    void statusLineErrors(String line, int status, String reason) {
        Bytes.assertParseError(() -> new HttpResponseParser().feed(buf(line + "\r\n\r\n")), status, reason);
    }

    @Test
    @DisplayName("Limits apply to responses too: 431")
    void limits() {
        assertThatThrownBy(() -> new HttpResponseParser(64, 2).feed(buf("HTTP/1.1 101 x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")))
                .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.status()).isEqualTo(431));
        assertThatThrownBy(() -> new HttpResponseParser(64, 10).feed(buf("HTTP/1.1 101 " + "x".repeat(60))))
                .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.status()).isEqualTo(431));
    }
}
