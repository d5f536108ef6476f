package io.duplex.server.ot;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One document as the authority holds it: the text, its revision (the number of operations applied since it was
 * created empty) and the newest operations, against which a late client operation is transformed. No I/O, no
 * threads: {@link OtAuthority} feeds it and publishes what it decides.
 *
 * <p>An incoming operation is handled in two steps, so that nothing is kept that was not also published:
 * {@link #prepare} checks and transforms it and says what the document would become, {@link #commit} makes it
 * so once the caller has published the result.
 *
 * <p>Thread-safety: none; confine a document to one thread.
 */
public final class OtDocument {
    /** Operations kept for transforming late ones: a client more than this many revisions behind must reload. */
    public static final int DEFAULT_HISTORY = 1000;
    /** Clients whose last sequence number is remembered, to drop an operation delivered twice. */
    static final int MAX_CLIENTS = 10_000;

    /** What to do with an incoming operation. */
    public sealed interface Outcome permits Accepted, Refused, Duplicate {}

    /**
     * Accepted: publish {@code op} as revision {@code revision}, then {@link #commit} it.
     *
     * @param op the incoming operation transformed to apply to the current text
     * @param text the text after it
     */
    public record Accepted(String client, long seq, long revision, TextOperation op, String text)
            implements Outcome {}

    /**
     * Refused with an error code of docs/collab.md: {@code resync} (revision unknown or too old, or the operation
     * does not fit the document at that revision), {@code invalid} (it would split a character), {@code too_large}.
     */
    public record Refused(String error, String message) implements Outcome {}

    /** The client's operation with this sequence number was already applied: nothing to do. */
    public record Duplicate() implements Outcome {}

    private final int maxHistory;
    private final int maxTextBytes;
    /** The operation that took revision r to r + 1 is at {@code ring[r % ring.length]}. */
    private final TextOperation[] ring;
    private final Map<String, Long> lastSeq = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_CLIENTS;
        }
    };
    private String text = "";
    private long revision;

    /**
     * @param maxHistory operations kept (at least 1)
     * @param maxTextBytes the largest text, counted as the UTF-8 bytes of its JSON string form: a snapshot must
     *     fit in one publication
     */
    public OtDocument(int maxHistory, int maxTextBytes) {
        if (maxHistory < 1 || maxTextBytes < 0) {
            throw new IllegalArgumentException("maxHistory must be >= 1 and maxTextBytes >= 0");
        }
        this.maxHistory = maxHistory;
        this.maxTextBytes = maxTextBytes;
        this.ring = new TextOperation[maxHistory];
    }

    public String text() {
        return text;
    }

    public long revision() {
        return revision;
    }

    /** The oldest revision an operation may still be made against. */
    public long oldestRevision() {
        return Math.max(0, revision - maxHistory);
    }

    /** Checks {@code op}, made by {@code client} against revision {@code rev}, and transforms it to the present. */
    public Outcome prepare(String client, long seq, long rev, TextOperation op) {
        Long last = lastSeq.get(client);
        if (last != null && seq <= last) {
            return new Duplicate();
        }
        if (rev > revision) {
            return new Refused("resync", "revision " + rev + " is ahead of the document (" + revision + ")");
        }
        if (rev < oldestRevision()) {
            return new Refused("resync", "revision " + rev + " is older than the " + maxHistory
                    + " operations kept (oldest " + oldestRevision() + ")");
        }
        int expected = rev == revision ? text.length() : ring[(int) (rev % maxHistory)].baseLength();
        if (op.baseLength() != expected) {
            return new Refused("resync", "the operation applies to " + op.baseLength()
                    + " characters, the document had " + expected + " at revision " + rev);
        }
        TextOperation current = op;
        for (long r = rev; r < revision; r++) {
            current = TextOperation.transform(current, ring[(int) (r % maxHistory)]).aPrime();
        }
        String after = current.apply(text);
        long bytes = jsonBytes(after);
        if (bytes < 0) {
            // JSON text is UTF-8, which has no form for half a character: such a text could not be sent.
            return new Refused("invalid", "the operation leaves half of a surrogate pair in the text");
        }
        if (bytes > maxTextBytes) {
            return new Refused("too_large", "the document would take " + bytes + " bytes, more than "
                    + maxTextBytes);
        }
        return new Accepted(client, seq, revision + 1, current, after);
    }

    /** Applies an {@link Accepted} outcome of {@link #prepare}, which must be the latest one. */
    public void commit(Accepted a) {
        if (a.revision() != revision + 1) {
            throw new IllegalStateException("revision " + a.revision() + " does not follow " + revision);
        }
        ring[(int) (revision % maxHistory)] = a.op();
        revision = a.revision();
        text = a.text();
        lastSeq.put(a.client(), a.seq());
    }

    /**
     * UTF-8 bytes of {@code s} written as a JSON string (quotes included, control characters counted at their
     * longest), or -1 when {@code s} has an unpaired surrogate.
     */
    static long jsonBytes(String s) {
        long n = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
                continue;
            }
            if (c == '"' || c == '\\') {
                n += 2;
            } else if (c < 0x20) {
                n += 6; // \n, \t and friends take 2, the rest \\u00XX: count the worst
            } else if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isSurrogate(c)) {
                return -1;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
