package io.duplex.protocol.handshake;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes {@code Sec-WebSocket-Extensions} values (RFC 6455 section 9.1):
 *
 * <pre>
 *   extension-list  = 1#extension
 *   extension       = extension-token *( ";" extension-param )
 *   extension-param = token [ "=" (token | quoted-string) ]
 * </pre>
 *
 * Several header fields form one list (RFC 9110 section 5.3); optional whitespace may surround every
 * separator; empty list elements are skipped (RFC 9110 section 5.6.1). A quoted value is unquoted and
 * must then be a token, as section 9.1 requires. Any other deviation is malformed: the server answers
 * 400, since it cannot tell what the client asked for, and the client fails the connection.
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class ExtensionHeader {
    private ExtensionHeader() {}

    /**
     * Parses all fields of the header, in order.
     *
     * @return the extensions in the order given; empty when {@code fieldValues} is empty
     * @throws HttpParseException (400) when a value does not follow the grammar
     */
    public static List<ExtensionOffer> parse(List<String> fieldValues) {
        List<ExtensionOffer> out = new ArrayList<>();
        for (String value : fieldValues) {
            int before = out.size();
            new Cursor(value).readList(out);
            if (out.size() == before) {
                throw malformed("empty Sec-WebSocket-Extensions value");
            }
        }
        return out;
    }

    /** Formats extensions as one header value, comma-separated. */
    public static String format(List<ExtensionOffer> extensions) {
        StringBuilder sb = new StringBuilder();
        for (ExtensionOffer e : extensions) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.toHeaderValue());
        }
        return sb.toString();
    }

    private static HttpParseException malformed(String why) {
        return new HttpParseException(400, "malformed Sec-WebSocket-Extensions: " + why);
    }

    /** A hand-written scanner over one field value; the grammar is too small for anything heavier. */
    private static final class Cursor {
        private final String s;
        private int i;

        Cursor(String s) {
            this.s = s;
        }

        void readList(List<ExtensionOffer> out) {
            while (true) {
                skipWhitespace();
                if (i == s.length()) {
                    return;
                }
                if (s.charAt(i) == ',') {
                    i++; // empty element
                    continue;
                }
                out.add(readExtension());
                skipWhitespace();
                if (i == s.length()) {
                    return;
                }
                if (s.charAt(i) != ',') {
                    throw malformed("expected ',' or ';' at position " + i);
                }
                i++;
            }
        }

        private ExtensionOffer readExtension() {
            String name = readToken("extension name");
            List<ExtensionParam> params = new ArrayList<>();
            while (true) {
                skipWhitespace();
                if (i == s.length() || s.charAt(i) != ';') {
                    return new ExtensionOffer(name, params);
                }
                i++;
                skipWhitespace();
                String paramName = readToken("parameter name");
                skipWhitespace();
                String paramValue = null;
                if (i < s.length() && s.charAt(i) == '=') {
                    i++;
                    skipWhitespace();
                    paramValue = i < s.length() && s.charAt(i) == '"' ? readQuoted() : readToken("parameter value");
                }
                params.add(new ExtensionParam(paramName, paramValue));
            }
        }

        private String readToken(String what) {
            int start = i;
            while (i < s.length() && HttpSyntax.isTchar(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                throw malformed("missing " + what + " at position " + start);
            }
            return s.substring(start, i);
        }

        /** quoted-string of RFC 9110 section 5.6.4, unquoted; the result must be a token (section 9.1). */
        private String readQuoted() {
            StringBuilder sb = new StringBuilder();
            i++; // opening quote
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    if (!HttpSyntax.isToken(sb)) {
                        throw malformed("quoted parameter value is not a token once unquoted");
                    }
                    return sb.toString();
                }
                if (c == '\\') {
                    if (i == s.length()) {
                        break;
                    }
                    c = s.charAt(i++);
                }
                sb.append(c);
            }
            throw malformed("unterminated quoted string");
        }

        private void skipWhitespace() {
            while (i < s.length() && HttpSyntax.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}
