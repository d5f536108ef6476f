package io.duplex.server.ot;

/**
 * A test client of docs/collab.md, without I/O: the text it shows, the revision it has seen, and the classic
 * three states. Synchronized (nothing sent unconfirmed), AwaitingConfirm (one operation sent, {@code outstanding}),
 * AwaitingWithBuffer (and local edits made since, composed into {@code buffer}, sent when the outstanding one is
 * confirmed). The tests use it as both the simulated sites and the clients of the end-to-end test.
 *
 * <p>Thread-safety: none.
 */
public final class OtSite {
    public enum State { SYNCHRONIZED, AWAITING_CONFIRM, AWAITING_WITH_BUFFER }

    /** A message for {@code editor.<doc>.in}. */
    public record Send(String client, long seq, long rev, TextOperation op) {}

    public final String client;
    private String text;
    private long rev;
    private long lastSeq;
    private TextOperation outstanding;
    private TextOperation buffer;
    private int transformed;

    public OtSite(String client, String text, long rev) {
        this.client = client;
        this.text = text;
        this.rev = rev;
    }

    public String text() {
        return text;
    }

    public long rev() {
        return rev;
    }

    /** Remote operations that arrived while one of ours was unconfirmed, so had to be transformed. */
    public int transformed() {
        return transformed;
    }

    public State state() {
        return outstanding == null ? State.SYNCHRONIZED
                : buffer == null ? State.AWAITING_CONFIRM : State.AWAITING_WITH_BUFFER;
    }

    /** A local edit: shown at once; returns what to send, or null while an earlier operation is unconfirmed. */
    public Send edit(TextOperation op) {
        text = op.apply(text);
        if (outstanding == null) {
            outstanding = op;
            return new Send(client, ++lastSeq, rev, op);
        }
        buffer = buffer == null ? op : buffer.compose(op);
        return null;
    }

    /** A message of {@code editor.<doc>} carrying an operation; returns what to send next, or null. */
    public Send receive(String from, long seq, long newRev, TextOperation op) {
        if (newRev != rev + 1) {
            throw new IllegalStateException(client + " at revision " + rev + " got revision " + newRev);
        }
        rev = newRev;
        if (from.equals(client) && outstanding != null && seq == lastSeq) {
            // Our own operation, as the authority applied it: it is confirmed; the buffer goes next.
            outstanding = buffer;
            buffer = null;
            return outstanding == null ? null : new Send(client, ++lastSeq, rev, outstanding);
        }
        TextOperation remote = op;
        if (outstanding != null) {
            transformed++;
            TextOperation.Transformed t = TextOperation.transform(outstanding, remote);
            outstanding = t.aPrime();
            remote = t.bPrime();
            if (buffer != null) {
                TextOperation.Transformed u = TextOperation.transform(buffer, remote);
                buffer = u.aPrime();
                remote = u.bPrime();
            }
        }
        text = remote.apply(text);
        return null;
    }
}
