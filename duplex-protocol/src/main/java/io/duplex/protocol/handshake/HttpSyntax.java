package io.duplex.protocol.handshake;

import java.util.ArrayList;
import java.util.List;

/** Character classes and list rules of RFC 9110 section 5.6 shared by the parsers. Stateless. */
final class HttpSyntax {
    private HttpSyntax() {}

    /** tchar of RFC 9110 section 5.6.2: the characters a token (method, field name, ...) may hold. */
    static boolean isTchar(int c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return c >= 0 && c < 128 && "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    static boolean isToken(CharSequence s) {
        if (s.length() == 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * field-vchar, SP or HTAB (RFC 9110 section 5.5). obs-text (0x80-0xFF) is allowed because the RFC
     * lets it through for old senders; every other control character, CR and LF included, is not.
     */
    static boolean isFieldValueChar(int c) {
        return c == '\t' || (c >= 0x20 && c != 0x7f && c <= 0xff);
    }

    static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t';
    }

    /** ASCII-only case folding: header syntax is ASCII, and Unicode folding would match e.g. KELVIN SIGN to k. */
    static boolean equalsIgnoreAsciiCase(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (lower(a.charAt(i)) != lower(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    static String trimWhitespace(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && isWhitespace(s.charAt(from))) {
            from++;
        }
        while (to > from && isWhitespace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    /**
     * The elements of comma-separated lists ({@code #rule}, RFC 9110 section 5.6.1) across several field
     * values, trimmed, with empty elements dropped as that section asks of recipients.
     */
    static List<String> listElements(List<String> fieldValues) {
        List<String> out = new ArrayList<>();
        for (String value : fieldValues) {
            for (String element : value.split(",", -1)) {
                String trimmed = trimWhitespace(element);
                if (!trimmed.isEmpty()) {
                    out.add(trimmed);
                }
            }
        }
        return out;
    }
}
