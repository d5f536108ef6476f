package io.duplex.protocol.handshake;

/**
 * The HTTP-version of a start line (RFC 9112 section 2.3). Thread-safety: immutable.
 */
public record HttpVersion(int major, int minor) {
    public static final HttpVersion HTTP_1_0 = new HttpVersion(1, 0);
    public static final HttpVersion HTTP_1_1 = new HttpVersion(1, 1);

    /** Whether this is at least {@code major.minor}. */
    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    /**
     * Parses {@code HTTP/x.y} (RFC 9112 section 2.3): malformed is a 400; a well-formed version other
     * than 1.0 or 1.1 is a 505, since this parser only knows the HTTP/1 message syntax.
     */
    static HttpVersion parse(String s) {
        if (s.length() != 8 || !s.startsWith("HTTP/") || !isDigit(s.charAt(5)) || s.charAt(6) != '.'
                || !isDigit(s.charAt(7))) {
            throw new HttpParseException(400, "malformed HTTP version");
        }
        HttpVersion v = new HttpVersion(s.charAt(5) - '0', s.charAt(7) - '0');
        if (v.major != 1 || v.minor > 1) {
            throw new HttpParseException(505, "HTTP version not supported: " + s);
        }
        return v.minor == 1 ? HTTP_1_1 : HTTP_1_0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    @Override
    public String toString() {
        return "HTTP/" + major + "." + minor;
    }
}
