package io.duplex.protocol.handshake;

/**
 * A parsed HTTP/1.x response head (RFC 9112 section 4).
 *
 * <p>Thread-safety: immutable.
 *
 * @param reasonPhrase as received, possibly empty; clients should not act on it (RFC 9112 section 4)
 * @param headers read-only
 */
public record HttpResponse(HttpVersion version, int status, String reasonPhrase, HttpHeaders headers) {
    public HttpResponse {
        headers = headers.readOnlyCopy();
    }
}
