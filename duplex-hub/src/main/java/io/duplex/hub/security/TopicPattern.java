package io.duplex.hub.security;

import java.util.ArrayList;
import java.util.List;

/**
 * One compiled permission pattern: a topic name in which {@code *} matches any run of characters (none
 * included) and {@code {sub}} stands for the user id. Immutable and thread-safe.
 *
 * <p>The user id is inserted as literal text, never as pattern syntax: a user named {@code *} gets exactly the
 * topic {@code user.*}, not every {@code user.} topic. A pattern with {@code {sub}} matches nothing when there
 * is no user id (anonymous sessions), so anonymous users never share one "personal" topic.
 *
 * <p>Matching takes time linear in the topic length times the number of {@code *}-separated pieces and never
 * backtracks, so a token full of stars cannot make a check slow (as a regular expression could).
 */
final class TopicPattern {
    static final String SUB = "{sub}";

    private final String source;
    /** The literal text between stars; size is the number of stars plus one. Null: matches nothing. */
    private final List<String> pieces;

    private TopicPattern(String source, List<String> pieces) {
        this.source = source;
        this.pieces = pieces;
    }

    static TopicPattern compile(String pattern, String userId) {
        if (pattern.contains(SUB) && userId == null) {
            return new TopicPattern(pattern, null);
        }
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        int i = 0;
        while (i < pattern.length()) {
            if (pattern.charAt(i) == '*') {
                pieces.add(piece.toString());
                piece.setLength(0);
                i++;
            } else if (pattern.startsWith(SUB, i)) {
                piece.append(userId);
                i += SUB.length();
            } else {
                piece.append(pattern.charAt(i));
                i++;
            }
        }
        pieces.add(piece.toString());
        return new TopicPattern(pattern, List.copyOf(pieces));
    }

    boolean matches(String topic) {
        if (pieces == null) {
            return false;
        }
        String first = pieces.get(0);
        if (pieces.size() == 1) {
            return topic.equals(first);
        }
        String last = pieces.get(pieces.size() - 1);
        if (topic.length() < first.length() + last.length()
                || !topic.startsWith(first)
                || !topic.endsWith(last)) {
            return false;
        }
        // Between the fixed ends, taking each middle piece at its first occurrence is optimal: any later
        // occurrence would leave less room for the pieces after it.
        int from = first.length();
        int end = topic.length() - last.length();
        for (int p = 1; p < pieces.size() - 1; p++) {
            String middle = pieces.get(p);
            int at = topic.indexOf(middle, from);
            if (at < 0 || at + middle.length() > end) {
                return false;
            }
            from = at + middle.length();
        }
        return true;
    }

    @Override
    public String toString() {
        return source;
    }
}
