package io.duplex.protocol.handshake;

import io.duplex.protocol.WebSocketProtocol;

/**
 * An extension the server accepted, as its {@link ExtensionNegotiator} decided.
 *
 * <p>Thread-safety: the record itself is immutable; {@code state} is whatever the extension made it, and
 * belongs to the one connection it was negotiated for.
 *
 * @param name the extension token, one the client offered
 * @param responseParams the parameters to send back, e.g. {@code "server_no_context_takeover"}, without
 *     a leading {@code ;}; empty or null for none
 * @param rsvBits the RSV bits of the first frame byte this extension gives meaning to (a combination of
 *     {@link WebSocketProtocol#B0_RSV1}, {@code B0_RSV2}, {@code B0_RSV3}; section 5.2 lets only a
 *     negotiated extension set them)
 * @param state an opaque object handed back to the extension when the engine is built, e.g. the agreed
 *     window sizes; may be null
 */
public record NegotiatedExtension(String name, String responseParams, int rsvBits, Object state) {
    public NegotiatedExtension {
        if (!HttpSyntax.isToken(name)) {
            throw new IllegalArgumentException("extension name is not a token: " + name);
        }
        if ((rsvBits & ~WebSocketProtocol.B0_RSV_MASK) != 0) {
            throw new IllegalArgumentException("rsvBits outside the RSV mask: 0x" + Integer.toHexString(rsvBits));
        }
        responseParams = responseParams == null ? "" : HttpSyntax.trimWhitespace(responseParams);
        for (int i = 0; i < responseParams.length(); i++) {
            // It becomes part of a header line: a CR or LF here would inject headers.
            if (!HttpSyntax.isFieldValueChar(responseParams.charAt(i))) {
                throw new IllegalArgumentException("invalid character in responseParams of " + name);
            }
        }
    }

    /** The element of the server's {@code Sec-WebSocket-Extensions} header for this extension. */
    public String toHeaderValue() {
        return responseParams.isEmpty() ? name : name + "; " + responseParams;
    }
}
