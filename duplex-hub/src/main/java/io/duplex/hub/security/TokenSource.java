package io.duplex.hub.security;

import io.duplex.protocol.handshake.HttpRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Finds the bearer token in an upgrade or HTTP request. Stateless.
 *
 * <p>Browsers cannot set headers on a WebSocket upgrade, so besides {@code Authorization} a token may ride in
 * {@code Sec-WebSocket-Protocol} as an extra offered subprotocol {@code duplex.bearer.<token>} (a JWT's
 * characters are all legal in a subprotocol token). The browser then requires the server to select one of the
 * offered values: it must select {@link #SUBPROTOCOL}, which the client offers alongside, and never echo the
 * bearer entry. The query parameter {@code token} comes last because URLs end up in access logs, proxies and
 * browser history; prefer the other two.
 */
public final class TokenSource {
    /** The Duplex protocol; a browser passing its token as a subprotocol must offer this too. */
    public static final String SUBPROTOCOL = "duplex.v1";
    public static final String TOKEN_SUBPROTOCOL_PREFIX = "duplex.bearer.";
    public static final String QUERY_PARAMETER = "token";

    private static final String BEARER = "Bearer";

    private TokenSource() {}

    /**
     * The token, or null when the request carries none. Looks, in this order, at {@code Authorization: Bearer
     * <token>} (scheme case-insensitive, RFC 9110 section 11.1), then the first {@code Sec-WebSocket-Protocol}
     * entry starting with {@link #TOKEN_SUBPROTOCOL_PREFIX}, then the query parameter {@code token},
     * percent-decoded (a value that does not decode is returned as is, so verifying it fails visibly).
     * Empty values count as absent.
     */
    public static String find(HttpRequest request) {
        String token = fromAuthorization(request);
        if (token == null) {
            token = fromSubprotocol(request);
        }
        if (token == null) {
            token = fromQuery(request.query());
        }
        return token;
    }

    private static String fromAuthorization(HttpRequest request) {
        for (String value : request.headers().all("Authorization")) {
            String v = value.strip();
            if (v.length() > BEARER.length()
                    && v.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    && isSpace(v.charAt(BEARER.length()))) {
                String token = v.substring(BEARER.length()).strip();
                if (!token.isEmpty()) {
                    return token;
                }
            }
        }
        return null;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    private static String fromSubprotocol(HttpRequest request) {
        for (String value : request.headers().all("Sec-WebSocket-Protocol")) {
            for (String entry : value.split(",")) {
                String e = entry.strip();
                if (e.length() > TOKEN_SUBPROTOCOL_PREFIX.length() && e.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) {
                    return e.substring(TOKEN_SUBPROTOCOL_PREFIX.length());
                }
            }
        }
        return null;
    }

    private static String fromQuery(String query) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (eq > 0 && decode(name).equals(QUERY_PARAMETER)) {
                String token = decode(pair.substring(eq + 1));
                if (!token.isEmpty()) {
                    return token;
                }
            }
        }
        return null;
    }

    /** application/x-www-form-urlencoded decoding, as browsers encode query strings ({@code +} is a space). */
    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
