package io.duplex.server.ot;

import java.util.Random;

/** Random documents and random operations on them, for the property tests. */
public final class RandomOps {
    /** Plain letters plus characters of two and three UTF-8 bytes; no surrogates, so no pair can be split. */
    public static final String BMP = "abcdefgh \né€";
    /** Also a character outside the BMP (a surrogate pair): fine for TextOperation, which counts code units. */
    public static final String WIDE = BMP + "😀";

    private RandomOps() {}

    public static String text(Random random, int maxLength, String alphabet) {
        int n = random.nextInt(maxLength + 1);
        StringBuilder s = new StringBuilder();
        while (s.length() < n) {
            s.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                    random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return s.toString();
    }

    /**
     * An operation on {@code doc}: mostly a small edit at one or two places, sometimes a wild mix. Never splits a
     * surrogate pair of {@code doc}.
     */
    public static TextOperation edit(Random random, String doc, String alphabet) {
        TextOperation.Builder b = TextOperation.builder();
        int at = 0;
        boolean wild = random.nextInt(4) == 0;
        while (at < doc.length()) {
            int left = doc.length() - at;
            int n = 1 + random.nextInt(Math.min(left, wild ? 4 : 12));
            if (n < left && Character.isLowSurrogate(doc.charAt(at + n))) {
                n++;
            }
            int kind = random.nextInt(wild ? 3 : 8);
            if (kind == 1) {
                b.delete(n);
            } else if (kind == 2) {
                b.insert(text(random, 3, alphabet)).retain(n);
            } else {
                b.retain(n);
            }
            at += n;
        }
        if (random.nextInt(3) == 0) {
            b.insert(text(random, 3, alphabet));
        }
        return b.build();
    }
}
