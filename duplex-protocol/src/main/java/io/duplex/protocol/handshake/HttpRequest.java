package io.duplex.protocol.handshake;

import java.util.List;

/**
 * A parsed HTTP/1.x request head (RFC 9112 section 3).
 *
 * <p>Thread-safety: immutable.
 *
 * @param method the method token, case-sensitive (RFC 9110 section 9.1)
 * @param target the request-target exactly as received
 * @param path the percent-decoded (UTF-8) path of the target; {@code "*"} for the asterisk-form and
 *     {@code ""} for the authority-form of CONNECT (RFC 9112 section 3.2)
 * @param query the raw query without {@code ?}, or null when the target has none
 * @param version the HTTP version
 * @param headers the header fields, read-only
 */
public record HttpRequest(
        String method, String target, String path, String query, HttpVersion version, HttpHeaders headers) {

    public HttpRequest {
        headers = headers.readOnlyCopy();
    }

    /** The {@code Origin} header (RFC 6455 section 4.2.1 item 8, RFC 6454), or null when absent. */
    public String origin() {
        return headers.get("Origin");
    }

    /** The {@code Host} header, or null when absent. */
    public String host() {
        return headers.get("Host");
    }

    /**
     * The body length announced by {@code Content-Length}, or -1 when absent. A list of identical values
     * counts as one (RFC 9112 section 6.3 item 5); anything else that is not a single decimal number is a
     * 400. Whether {@code Transfer-Encoding} overrides it is for the caller to decide (see
     * {@link #isChunked()}).
     *
     * @throws HttpParseException (400) on an invalid or conflicting value
     */
    public long contentLength() {
        List<String> values = headers.all("Content-Length");
        if (values.isEmpty()) {
            return -1;
        }
        long length = -1;
        for (String value : values) {
            for (String element : value.split(",", -1)) {
                long parsed = parseLength(HttpSyntax.trimWhitespace(element));
                if (length != -1 && parsed != length) {
                    throw new HttpParseException(400, "conflicting Content-Length values");
                }
                length = parsed;
            }
        }
        return length;
    }

    private static long parseLength(String s) {
        if (s.isEmpty() || s.length() > 18) {
            throw new HttpParseException(400, "invalid Content-Length");
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new HttpParseException(400, "invalid Content-Length");
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Whether the final transfer coding is {@code chunked} (RFC 9112 section 6.3 item 4). */
    public boolean isChunked() {
        List<String> codings = HttpSyntax.listElements(headers.all("Transfer-Encoding"));
        return !codings.isEmpty() && HttpSyntax.equalsIgnoreAsciiCase(codings.get(codings.size() - 1), "chunked");
    }

    /**
     * Whether the connection persists after this exchange (RFC 9112 section 9.3): HTTP/1.1 unless
     * {@code Connection: close}; HTTP/1.0 only with {@code Connection: keep-alive}.
     */
    public boolean keepAlive() {
        if (headers.containsToken("Connection", "close")) {
            return false;
        }
        return version.atLeast(1, 1) || headers.containsToken("Connection", "keep-alive");
    }
}
