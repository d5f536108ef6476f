package io.duplex.protocol.handshake;

import java.util.List;

/**
 * One element of a {@code Sec-WebSocket-Extensions} header (RFC 6455 section 9.1): an extension name and
 * its parameters in the order given. A client offers a list of these; a server answers with the subset
 * it accepted, so the same type describes what the client got back.
 *
 * <p>Thread-safety: immutable.
 */
public record ExtensionOffer(String name, List<ExtensionParam> params) {
    public ExtensionOffer {
        if (!HttpSyntax.isToken(name)) {
            throw new IllegalArgumentException("extension name is not a token: " + name);
        }
        params = List.copyOf(params);
    }

    /** The first parameter named {@code paramName} (ASCII case-insensitive), or null if absent. */
    public ExtensionParam param(String paramName) {
        for (ExtensionParam p : params) {
            if (HttpSyntax.equalsIgnoreAsciiCase(p.name(), paramName)) {
                return p;
            }
        }
        return null;
    }

    /** This element as it appears in a header: {@code name; a=1; b}. */
    public String toHeaderValue() {
        StringBuilder sb = new StringBuilder(name);
        for (ExtensionParam p : params) {
            sb.append("; ").append(p.name());
            if (p.value() != null) {
                sb.append('=').append(p.value());
            }
        }
        return sb.toString();
    }
}
