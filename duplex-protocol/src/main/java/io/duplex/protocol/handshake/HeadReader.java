package io.duplex.protocol.handshake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The part of an HTTP/1.1 message head that requests and responses share (RFC 9112 section 2.1): a
 * start line, header field lines, and the empty line that ends them. Bytes are consumed one at a time,
 * so a head may arrive split anywhere; a partial line is copied because the caller reuses its buffer.
 *
 * <p>Line endings: only CRLF is accepted. RFC 9112 section 2.2 lets a recipient also accept a bare LF,
 * but two parties that disagree on where a line ends is how request smuggling starts, so a bare LF, like
 * a bare CR, is a 400.
 *
 * <p>Thread-safety: not thread-safe; one instance per connection.
 */
final class HeadReader {
    private static final int INITIAL_LINE_CAPACITY = 128;

    private final int maxHeadBytes;
    private final int maxHeaderCount;
    private final Consumer<String> startLineHandler;

    private byte[] line = new byte[INITIAL_LINE_CAPACITY];
    private int lineLength;
    private boolean sawCr;
    private boolean sawStartLine;
    private int headBytes;
    private HttpHeaders headers = new HttpHeaders();
    private boolean failed;

    /**
     * @param startLineHandler receives the start line (ISO-8859-1) as soon as it is complete, so a bad
     *     request line fails before its headers are read; it throws {@link HttpParseException} to reject
     */
    HeadReader(int maxHeadBytes, int maxHeaderCount, Consumer<String> startLineHandler) {
        if (maxHeadBytes < 16 || maxHeaderCount < 0) {
            throw new IllegalArgumentException("limits too small: " + maxHeadBytes + ", " + maxHeaderCount);
        }
        this.maxHeadBytes = maxHeadBytes;
        this.maxHeaderCount = maxHeaderCount;
        this.startLineHandler = startLineHandler;
    }

    /**
     * Consumes bytes up to and including the end of the head, and no further.
     *
     * @return the header fields once the head is complete (the reader is then ready for the next head),
     *     or null when more bytes are needed
     */
    HttpHeaders feed(ByteBuffer in) {
        if (failed) {
            throw new IllegalStateException("the parser failed earlier; the connection must be closed");
        }
        try {
            while (in.hasRemaining()) {
                int b = in.get() & 0xff;
                if (++headBytes > maxHeadBytes) {
                    throw new HttpParseException(431, "message head larger than " + maxHeadBytes + " bytes");
                }
                if (sawCr) {
                    if (b != '\n') {
                        throw new HttpParseException(400, "CR not followed by LF");
                    }
                    sawCr = false;
                    HttpHeaders done = endOfLine();
                    if (done != null) {
                        return done;
                    }
                } else if (b == '\r') {
                    sawCr = true;
                } else if (b == '\n') {
                    throw new HttpParseException(400, "bare LF: lines must end with CRLF");
                } else {
                    append(b);
                }
            }
            return null;
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    private void append(int b) {
        if (lineLength == line.length) {
            // Cannot outgrow the head limit, which was checked before this byte was accepted.
            line = Arrays.copyOf(line, Math.min(line.length * 2, maxHeadBytes));
        }
        line[lineLength++] = (byte) b;
    }

    private HttpHeaders endOfLine() {
        String text = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
        lineLength = 0;
        if (!sawStartLine) {
            // RFC 9112 section 2.2: empty lines before a request line should be ignored (some clients
            // send a stray CRLF after a body); they still count against the head limit.
            if (!text.isEmpty()) {
                startLineHandler.accept(text);
                sawStartLine = true;
            }
            return null;
        }
        if (text.isEmpty()) {
            HttpHeaders done = headers.readOnlyCopy();
            reset();
            return done;
        }
        addField(text);
        return null;
    }

    private void addField(String text) {
        if (HttpSyntax.isWhitespace(text.charAt(0))) {
            // RFC 9112 section 5.2: obs-fold is obsolete; a server may reject it with 400, and so do we
            // rather than guess how an intermediary folded it.
            throw new HttpParseException(400, "obsolete line folding (header line starts with whitespace)");
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new HttpParseException(400, "header line without colon");
        }
        String name = text.substring(0, colon);
        if (!name.isEmpty() && HttpSyntax.isWhitespace(name.charAt(name.length() - 1))) {
            // RFC 9112 section 5.1: whitespace before the colon must be rejected with 400.
            throw new HttpParseException(400, "whitespace between header name and colon");
        }
        if (!HttpSyntax.isToken(name)) {
            throw new HttpParseException(400, "invalid header name");
        }
        String value = text.substring(colon + 1);
        for (int i = 0; i < value.length(); i++) {
            if (!HttpSyntax.isFieldValueChar(value.charAt(i))) {
                throw new HttpParseException(400, "invalid character in value of header " + name);
            }
        }
        if (headers.size() == maxHeaderCount) {
            throw new HttpParseException(431, "more than " + maxHeaderCount + " header fields");
        }
        headers.add(name, value);
    }

    private void reset() {
        headers = new HttpHeaders();
        sawStartLine = false;
        headBytes = 0;
        if (line.length > 4 * INITIAL_LINE_CAPACITY) {
            line = new byte[INITIAL_LINE_CAPACITY]; // do not keep a large buffer per idle connection
        }
    }
}
