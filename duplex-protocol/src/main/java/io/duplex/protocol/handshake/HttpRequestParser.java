package io.duplex.protocol.handshake;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Incremental parser of HTTP/1.x request heads (RFC 9112 sections 2 and 3). Feed it bytes as they
 * arrive; it stops right after the empty line ending the head, so what follows (a body, a pipelined
 * request, or a WebSocket frame sent behind the upgrade request) stays in the caller's buffer. After a
 * request is returned the parser is ready for the next head on the same connection; after an
 * {@link HttpParseException} it refuses further input, as the connection must be closed.
 *
 * <p>Limits, which bound the memory a peer can make us hold before we can reject it:
 * {@link #DEFAULT_MAX_HEAD_BYTES} bytes for the whole head (leading empty lines, request line, header
 * lines and line endings) and {@link #DEFAULT_MAX_HEADER_COUNT} header fields; both give a 431.
 *
 * <p>Thread-safety: not thread-safe; one instance per connection, used by one thread at a time.
 */
public final class HttpRequestParser {
    public static final int DEFAULT_MAX_HEAD_BYTES = 8192;
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;

    private final HeadReader reader;
    private final int maxHeadBytes;
    private String method;
    private String target;
    private String path;
    private String query;
    private HttpVersion version;
    /** True until the current request line's method has ended: each byte must be part of the token. */
    private boolean inMethod = true;
    private int methodBytes;
    /** Bytes of this head the method check has looked at: while it runs, the head reader takes them all. */
    private int checkedBytes;
    /** A CR of an empty line before the request line was seen; its LF must follow. */
    private boolean pendingCr;
    private boolean failed;

    public HttpRequestParser() {
        this(DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADER_COUNT);
    }

    public HttpRequestParser(int maxHeadBytes, int maxHeaderCount) {
        this.reader = new HeadReader(maxHeadBytes, maxHeaderCount, this::requestLine);
        this.maxHeadBytes = maxHeadBytes;
    }

    /**
     * Consumes bytes up to the end of the request head.
     *
     * @return the request, or null when {@code in} ran out before the head was complete
     * @throws HttpParseException 400, 431 or 505 (see the class comment)
     */
    public HttpRequest feed(ByteBuffer in) {
        if (failed) {
            throw new IllegalStateException("the parser failed earlier; the connection must be closed");
        }
        if (inMethod) {
            checkMethodBytes(in);
        }
        HttpHeaders headers = reader.feed(in);
        if (headers == null) {
            return null;
        }
        inMethod = true;
        methodBytes = 0;
        checkedBytes = 0;
        pendingCr = false;
        return new HttpRequest(method, target, path, query, version, headers);
    }

    /**
     * Rejects a method byte that is not a tchar (RFC 9110 section 9.1) as soon as it arrives. Without this,
     * input that holds no CRLF, such as a TLS ClientHello sent to a plain port, would only be rejected by the
     * head size limit or the caller's timeout. Leading empty lines and the line's other errors are left to
     * the head reader and {@link #requestLine}.
     */
    private void checkMethodBytes(ByteBuffer in) {
        for (int i = in.position(); i < in.limit(); i++) {
            if (++checkedBytes > maxHeadBytes) {
                // The head reader answers 431 at this byte; a bad byte further on must not turn that into a
                // 400 only when the input happens to arrive in one read.
                inMethod = false;
                return;
            }
            int b = in.get(i) & 0xff;
            if (methodBytes == 0 && ((b == '\r' && !pendingCr) || (b == '\n' && pendingCr))) {
                // RFC 9112 2.2: empty lines before the request line are skipped; keep checking after a CRLF.
                pendingCr = b == '\r';
                continue;
            }
            if (pendingCr || b == '\r' || b == '\n' || b == ' ') {
                // Line endings are the head reader's to judge (a bare CR or LF); checking on past them here
                // would make the error depend on how the input was split into reads.
                inMethod = false;
                return;
            } else if (HttpSyntax.isTchar(b)) {
                methodBytes++;
            } else {
                failed = true;
                throw new HttpParseException(400, "invalid method");
            }
        }
    }

    /** request-line = method SP request-target SP HTTP-version (RFC 9112 section 3), single spaces. */
    private void requestLine(String line) {
        int sp1 = line.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 < 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
            throw new HttpParseException(400, "malformed request line");
        }
        String m = line.substring(0, sp1);
        if (!HttpSyntax.isToken(m)) {
            throw new HttpParseException(400, "invalid method");
        }
        String t = line.substring(sp1 + 1, sp2);
        if (t.isEmpty()) {
            throw new HttpParseException(400, "missing request target");
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            // A target is URI syntax (RFC 3986): visible ASCII only, and never a fragment.
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                throw new HttpParseException(400, "invalid character in request target");
            }
        }
        HttpVersion v = HttpVersion.parse(line.substring(sp2 + 1));
        method = m;
        target = t;
        splitTarget(m, t);
        version = v;
    }

    /** The four request-target forms of RFC 9112 section 3.2. */
    private void splitTarget(String m, String t) {
        String rawPath;
        int q = t.indexOf('?');
        query = q < 0 ? null : t.substring(q + 1);
        String beforeQuery = q < 0 ? t : t.substring(0, q);
        if (t.charAt(0) == '/') {
            rawPath = beforeQuery;
        } else if (t.equals("*") && m.equals("OPTIONS")) {
            rawPath = "*";
        } else if (m.equals("CONNECT")) {
            query = null;
            rawPath = "";
        } else {
            int scheme = beforeQuery.indexOf("://");
            if (scheme <= 0) {
                throw new HttpParseException(400, "invalid request target");
            }
            int slash = beforeQuery.indexOf('/', scheme + 3);
            rawPath = slash < 0 ? "/" : beforeQuery.substring(slash);
        }
        path = percentDecode(rawPath);
    }

    private static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
                if (lo < 0) {
                    throw new HttpParseException(400, "invalid percent-encoding in request target");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new HttpParseException(400, "request path is not valid UTF-8 after percent-decoding");
        }
    }
}
