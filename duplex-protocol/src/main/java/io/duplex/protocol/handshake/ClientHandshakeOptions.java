package io.duplex.protocol.handshake;

import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * What a client asks for in its opening handshake (RFC 6455 section 4.1).
 *
 * <p>Thread-safety: immutable apart from {@code random}, and SecureRandom is thread-safe.
 *
 * @param subprotocols offered in {@code Sec-WebSocket-Protocol}, most preferred first; tokens, no
 *     duplicates (section 4.1 item 10)
 * @param extensions offered in {@code Sec-WebSocket-Extensions}, most preferred first
 * @param origin sent as {@code Origin} when not null (section 4.1 item 8: browsers must, others may)
 * @param extraHeaders added to the request, e.g. {@code Authorization}; read-only
 * @param random source of the {@code Sec-WebSocket-Key} nonce; replaceable so tests are repeatable
 */
public record ClientHandshakeOptions(List<String> subprotocols, List<ExtensionOffer> extensions, String origin,
        HttpHeaders extraHeaders, SecureRandom random) {

    public ClientHandshakeOptions {
        subprotocols = List.copyOf(subprotocols);
        for (String p : subprotocols) {
            if (!HttpSyntax.isToken(p)) {
                throw new IllegalArgumentException("subprotocol is not a token: " + p);
            }
        }
        if (subprotocols.stream().distinct().count() != subprotocols.size()) {
            throw new IllegalArgumentException("duplicate subprotocol in " + subprotocols);
        }
        extensions = List.copyOf(extensions);
        extraHeaders = extraHeaders == null ? HttpHeaders.empty() : extraHeaders.readOnlyCopy();
        Objects.requireNonNull(random, "random");
    }

    /** Nothing offered, no Origin, a new SecureRandom. */
    public static ClientHandshakeOptions defaults() {
        return new ClientHandshakeOptions(List.of(), List.of(), null, HttpHeaders.empty(), new SecureRandom());
    }

    public ClientHandshakeOptions withSubprotocols(String... offered) {
        return new ClientHandshakeOptions(List.of(offered), extensions, origin, extraHeaders, random);
    }

    public ClientHandshakeOptions withExtensions(List<ExtensionOffer> offers) {
        return new ClientHandshakeOptions(subprotocols, offers, origin, extraHeaders, random);
    }

    public ClientHandshakeOptions withOrigin(String value) {
        return new ClientHandshakeOptions(subprotocols, extensions, value, extraHeaders, random);
    }

    public ClientHandshakeOptions withExtraHeaders(HttpHeaders headers) {
        return new ClientHandshakeOptions(subprotocols, extensions, origin, headers, random);
    }

    public ClientHandshakeOptions withRandom(SecureRandom source) {
        return new ClientHandshakeOptions(subprotocols, extensions, origin, extraHeaders, source);
    }
}
