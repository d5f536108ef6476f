package io.duplex.hub.protocol;

/** UTF-8 sizes without encoding. */
public final class Utf8 {
    private Utf8() {}

    /** The number of bytes {@code s} takes in UTF-8 (an unpaired surrogate counts as the 3 bytes of U+FFFD). */
    public static int length(CharSequence s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2;
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /** Whether {@code s} has a UTF-8 form: every surrogate is half of a high-low pair. */
    public static boolean wellFormed(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
