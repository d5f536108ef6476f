package io.duplex.protocol.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.duplex.protocol.WebSocketProtocol;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes HttpRequestParser and ServerHandshake together on arbitrary bytes. The only documented outcomes
 * are a request (then Accepted or Rejected) or an HttpParseException with 400, 431 or 505; anything else
 * escapes and fails the run. The first input byte picks a chunk size, and the outcomes must not depend
 * on how the bytes were split.
 */
class ServerHandshakeFuzzTest {
    private static final ServerHandshakeOptions OPTIONS = ServerHandshakeOptions.defaults()
            .withSubprotocols(SubprotocolSelector.firstOf(List.of("chat", "v2")))
            .withExtensions(offers -> List.of(
                    new NegotiatedExtension(offers.get(0).name(), "x=1", WebSocketProtocol.B0_RSV1, null)));

    @FuzzTest
    void parseAndAccept(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int chunk = data[0] & 0xff;
        List<String> whole = outcomes(data, Integer.MAX_VALUE);
        assertThat(outcomes(data, chunk == 0 ? 1 : chunk)).isEqualTo(whole);
    }

    /** Parses every request head in {@code data[1..]}, fed {@code chunk} bytes at a time. */
    private static List<String> outcomes(byte[] data, int chunk) {
        List<String> out = new ArrayList<>();
        HttpRequestParser parser = new HttpRequestParser(1024, 20);
        int offset = 1;
        while (offset < data.length) {
            ByteBuffer in = ByteBuffer.wrap(data, offset, Math.min(chunk, data.length - offset));
            HttpRequest req;
            try {
                req = parser.feed(in);
            } catch (HttpParseException e) {
                assertThat(e.status()).isIn(400, 431, 505);
                out.add("error " + e.getMessage());
                return out;
            }
            offset = in.position();
            if (req != null) {
                out.add(describe(req, ServerHandshake.accept(req, OPTIONS)));
            }
        }
        return out;
    }

    private static String describe(HttpRequest req, HandshakeResult result) {
        if (result instanceof HandshakeResult.Accepted a) {
            // The 101 must itself be a response our own client side can parse.
            assertThat(new HttpResponseParser().feed(a.response()).status()).isEqualTo(101);
            return req + " accepted " + Bytes.text(a.response());
        }
        HandshakeResult.Rejected r = (HandshakeResult.Rejected) result;
        assertThat(r.status()).isIn(400, 426);
        return req + " rejected " + r.status() + " " + r.reason();
    }
}
