package io.duplex.protocol.handshake;

import java.util.Objects;

/**
 * How a server answers opening handshakes.
 *
 * <p>Thread-safety: immutable (the selector and negotiator must themselves be thread-safe).
 *
 * @param subprotocols chooses the subprotocol; {@link SubprotocolSelector#NONE} by default
 * @param extensions negotiates extensions; null accepts none
 * @param extraHeaders added to every 101 response, e.g. {@code Set-Cookie}; read-only
 */
public record ServerHandshakeOptions(
        SubprotocolSelector subprotocols, ExtensionNegotiator extensions, HttpHeaders extraHeaders) {

    public ServerHandshakeOptions {
        Objects.requireNonNull(subprotocols, "subprotocols");
        extraHeaders = extraHeaders == null ? HttpHeaders.empty() : extraHeaders.readOnlyCopy();
    }

    /** No subprotocol, no extension, no extra header. */
    public static ServerHandshakeOptions defaults() {
        return new ServerHandshakeOptions(SubprotocolSelector.NONE, null, HttpHeaders.empty());
    }

    public ServerHandshakeOptions withSubprotocols(SubprotocolSelector selector) {
        return new ServerHandshakeOptions(selector, extensions, extraHeaders);
    }

    public ServerHandshakeOptions withExtensions(ExtensionNegotiator negotiator) {
        return new ServerHandshakeOptions(subprotocols, negotiator, extraHeaders);
    }

    public ServerHandshakeOptions withExtraHeaders(HttpHeaders headers) {
        return new ServerHandshakeOptions(subprotocols, extensions, headers);
    }
}
