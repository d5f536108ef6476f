package io.duplex.net;

import io.duplex.protocol.handshake.HttpHeaders;
import io.duplex.protocol.handshake.HttpRequest;
import java.net.InetSocketAddress;

/**
 * Decides whether a valid upgrade request may become a WebSocket: the place for authentication. Runs on the
 * event loop after the RFC 6455 checks and the Origin check passed; it must not block.
 */
@FunctionalInterface
public interface HandshakeHook {

    Decision onHandshake(HttpRequest request, InetSocketAddress remote);

    /** The hook's verdict. */
    sealed interface Decision {
        /** Accept; {@code attachment} becomes {@link WebSocket#attachment()}, headers go into the 101 response. */
        record Accept(Object attachment, HttpHeaders headers) implements Decision {}

        /** Refuse with this HTTP status, reason (the response body) and headers. */
        record Reject(int status, String reason, HttpHeaders headers) implements Decision {}
    }

    static Decision accept() {
        return new Decision.Accept(null, HttpHeaders.empty());
    }

    static Decision accept(Object attachment) {
        return new Decision.Accept(attachment, HttpHeaders.empty());
    }

    static Decision reject(int status, String reason) {
        return new Decision.Reject(status, reason, HttpHeaders.empty());
    }
}
