package io.duplex.protocol.handshake;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * What the server decided about an opening handshake: {@link Accepted} or {@link Rejected}, each with the
 * complete response to write.
 *
 * <p>Thread-safety: immutable; {@code response()} returns a fresh read-only view on every call.
 */
public sealed interface HandshakeResult {

    /** The bytes to send back, positioned at the start. */
    ByteBuffer response();

    /**
     * The connection is upgraded (RFC 6455 section 4.2.2 item 5): after writing {@code response} the
     * server may send frames.
     *
     * @param subprotocol the selected subprotocol, or null
     * @param extensions the accepted extensions, in the order sent to the client
     */
    record Accepted(HttpRequest request, String subprotocol, List<NegotiatedExtension> extensions,
            ByteBuffer response) implements HandshakeResult {
        public Accepted {
            extensions = List.copyOf(extensions);
            response = response.asReadOnlyBuffer();
        }

        @Override
        public ByteBuffer response() {
            return response.duplicate();
        }
    }

    /**
     * The handshake is refused: write {@code response} and close the connection (it says
     * {@code Connection: close}).
     *
     * @param reason the human-readable reason, also the response body
     */
    record Rejected(int status, String reason, ByteBuffer response) implements HandshakeResult {
        public Rejected {
            response = response.asReadOnlyBuffer();
        }

        @Override
        public ByteBuffer response() {
            return response.duplicate();
        }
    }
}
