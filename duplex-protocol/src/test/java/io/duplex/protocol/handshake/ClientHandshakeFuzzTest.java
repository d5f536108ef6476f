package io.duplex.protocol.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Fuzzes HttpResponseParser and ClientHandshake.validate together on arbitrary bytes. Documented
 * outcomes only: a ClientHandshakeResult, a HandshakeException, or an HttpParseException with 400, 431
 * or 505.
 */
class ClientHandshakeFuzzTest {
    private static final ClientHandshake CLIENT = ClientHandshake.create(URI.create("ws://server.example.com/chat"),
            ClientHandshakeOptions.defaults()
                    .withRandom(ClientHandshakeTest.SAMPLE_NONCE)
                    .withSubprotocols("chat", "superchat")
                    .withExtensions(List.of(new ExtensionOffer("permessage-deflate", List.of()))));

    @FuzzTest
    void parseAndValidate(byte[] data) {
        HttpResponse resp;
        try {
            resp = new HttpResponseParser(1024, 20).feed(ByteBuffer.wrap(data));
        } catch (HttpParseException e) {
            assertThat(e.status()).isIn(400, 431, 505);
            return;
        }
        if (resp == null) {
            return;
        }
        try {
            ClientHandshakeResult r = CLIENT.validate(resp);
            assertThat(r.response()).isSameAs(resp);
            if (r.subprotocol() != null) {
                assertThat(r.subprotocol()).isIn("chat", "superchat");
            }
        } catch (HandshakeException e) {
            assertThat(e.reason()).isNotNull();
        }
    }
}
