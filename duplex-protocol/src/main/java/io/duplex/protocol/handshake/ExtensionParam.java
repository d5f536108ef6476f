package io.duplex.protocol.handshake;

/**
 * One {@code extension-param} of RFC 6455 section 9.1: a name and an optional value, already unquoted.
 *
 * <p>Thread-safety: immutable.
 *
 * @param value null for a parameter given without {@code =value}
 */
public record ExtensionParam(String name, String value) {
    public ExtensionParam {
        if (!HttpSyntax.isToken(name)) {
            throw new IllegalArgumentException("extension parameter name is not a token: " + name);
        }
        if (value != null && !HttpSyntax.isToken(value)) {
            // Section 9.1: a quoted value must still be a token once unquoted.
            throw new IllegalArgumentException("extension parameter value is not a token: " + value);
        }
    }
}
