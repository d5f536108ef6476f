package io.duplex.protocol.handshake;

import java.nio.ByteBuffer;

/**
 * Incremental parser of HTTP/1.x response heads (RFC 9112 sections 2 and 4), the client-side twin of
 * {@link HttpRequestParser}: same limits, same CRLF rule, and it too stops right after the head so the
 * first WebSocket frames a server sends behind its 101 stay in the caller's buffer.
 *
 * <p>Thread-safety: not thread-safe; one instance per connection, used by one thread at a time.
 */
public final class HttpResponseParser {
    private final HeadReader reader;
    private HttpVersion version;
    private int status;
    private String reasonPhrase;

    public HttpResponseParser() {
        this(HttpRequestParser.DEFAULT_MAX_HEAD_BYTES, HttpRequestParser.DEFAULT_MAX_HEADER_COUNT);
    }

    public HttpResponseParser(int maxHeadBytes, int maxHeaderCount) {
        this.reader = new HeadReader(maxHeadBytes, maxHeaderCount, this::statusLine);
    }

    /**
     * Consumes bytes up to the end of the response head.
     *
     * @return the response, or null when {@code in} ran out before the head was complete
     * @throws HttpParseException 400, 431 or 505
     */
    public HttpResponse feed(ByteBuffer in) {
        HttpHeaders headers = reader.feed(in);
        if (headers == null) {
            return null;
        }
        return new HttpResponse(version, status, reasonPhrase, headers);
    }

    /**
     * status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 section 4). The space
     * after the code is required by the grammar, but servers that omit it along with an empty phrase
     * exist, and the phrase carries no meaning, so its absence is tolerated.
     */
    private void statusLine(String line) {
        if (line.length() < 12 || line.charAt(8) != ' ' || (line.length() > 12 && line.charAt(12) != ' ')) {
            throw new HttpParseException(400, "malformed status line");
        }
        HttpVersion v = HttpVersion.parse(line.substring(0, 8));
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new HttpParseException(400, "malformed status code");
            }
            code = code * 10 + (c - '0');
        }
        if (code < 100) {
            throw new HttpParseException(400, "status code below 100");
        }
        String phrase = line.length() > 12 ? line.substring(13) : "";
        for (int i = 0; i < phrase.length(); i++) {
            if (!HttpSyntax.isFieldValueChar(phrase.charAt(i))) {
                throw new HttpParseException(400, "invalid character in reason phrase");
            }
        }
        version = v;
        status = code;
        reasonPhrase = phrase;
    }
}
