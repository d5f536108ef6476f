package io.duplex.protocol.handshake;

import java.util.List;

/**
 * A server response that passed every check of RFC 6455 section 4.1: the connection is open.
 *
 * <p>Thread-safety: immutable.
 *
 * @param subprotocol the subprotocol the server selected, or null
 * @param extensions the extensions in use, with the server's parameters, in the server's order
 * @param response the whole response, e.g. for cookies
 */
public record ClientHandshakeResult(String subprotocol, List<ExtensionOffer> extensions, HttpResponse response) {
    public ClientHandshakeResult {
        extensions = List.copyOf(extensions);
    }
}
