package io.duplex.hub.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.HubSession;
import io.duplex.hub.SessionTransport;
import io.duplex.hub.SharedFrame;
import io.duplex.net.EventLoop;
import io.duplex.net.HttpExchange;
import io.duplex.net.SendResult;
import io.duplex.net.Timeout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A hub session carried down by long polls and up by {@code POST /http/send}. What the session sends waits in a
 * bounded queue until a poll takes it; each non-empty answer is numbered ({@code X-Duplex-Seq}) and kept until the
 * next poll acknowledges it, so an answer lost with its connection is sent again. A session nobody polls for the
 * session timeout ends; an ended session is kept until a poll collects its close message, or for one more session
 * timeout.
 *
 * <p>Confined to its loop; polls that arrive on other loops hop onto it.
 */
final class PollingTransport implements SessionTransport {
    private final HttpTransports owner;
    private final String secret;
    private final EventLoop loop;
    private final ArrayList<byte[]> queue = new ArrayList<>();
    private long queued;
    private HubSession session;
    private HttpExchange parked;
    private Timeout parkTimer;
    private Timeout expiry;
    private long seq;
    private byte[] lastBody;
    /** The session is over; only its last messages (ending with the close line) may still be collected. */
    private boolean ended;
    private boolean overflowing;

    PollingTransport(HttpTransports owner, String secret, EventLoop loop) {
        this.owner = owner;
        this.secret = secret;
        this.loop = loop;
    }

    void started(HubSession s) {
        this.session = s;
    }

    HubSession session() {
        return session;
    }

    /** Loop thread: a poll (or the open request, with ack 0). */
    void poll(HttpExchange ex, long ack) {
        if (ack > seq) {
            // Not a sequence this session has answered with: a client bug, not a lost answer. The session goes on.
            owner.badAck(ex);
            return;
        }
        if (expiry != null) {
            expiry.cancel();
            expiry = null;
        }
        if (ack < seq && lastBody != null) {
            // The last answer never arrived: send it again.
            owner.respond(ex, 200, lastBody, seq, secret);
            armExpiry();
            return;
        }
        if (parked != null) {
            // One poll at a time: the newer one takes over, the older one ends empty.
            HttpExchange old = unpark();
            owner.respond(old, 200, new byte[0], seq, secret);
        }
        if (!queue.isEmpty()) {
            answer(ex);
        } else if (ended) {
            owner.forget(secret);
            owner.notFound(ex);
        } else {
            parked = ex;
            owner.held(1);
            parkTimer = loop.schedule(owner.settings().pollTimeout().toNanos(), TimeUnit.NANOSECONDS, () -> {
                if (parked == ex) {
                    unpark();
                    owner.respond(ex, 200, new byte[0], seq, secret);
                    armExpiry();
                }
            });
        }
    }

    /** Loop thread: the client of {@code ex} went away while its poll was held. */
    void pollGone(HttpExchange ex) {
        if (parked == ex) {
            unpark();
            armExpiry();
        }
    }

    /** Loop thread: the server is shutting down while a poll is held; the session says goodbye in its answer. */
    void shutdown() {
        if (session != null) {
            session.close(1001, "server shutting down");
        }
    }

    private HttpExchange unpark() {
        HttpExchange ex = parked;
        parked = null;
        if (ex != null) {
            owner.held(-1);
        }
        if (parkTimer != null) {
            parkTimer.cancel();
            parkTimer = null;
        }
        return ex;
    }

    private void answer(HttpExchange ex) {
        int size = queue.size() - 1;
        for (byte[] b : queue) {
            size += b.length;
        }
        byte[] body = new byte[Math.max(0, size)];
        int at = 0;
        for (int i = 0; i < queue.size(); i++) {
            if (i > 0) {
                body[at++] = '\n';
            }
            byte[] b = queue.get(i);
            System.arraycopy(b, 0, body, at, b.length);
            at += b.length;
        }
        queue.clear();
        queued = 0;
        seq++;
        lastBody = body;
        owner.respond(ex, 200, body, seq, secret);
        armExpiry();
    }

    /** No poll is held: the session ends unless one comes within the session timeout. */
    private void armExpiry() {
        if (expiry != null) {
            expiry.cancel();
        }
        expiry = loop.schedule(owner.settings().sessionTimeout().toNanos(), TimeUnit.NANOSECONDS, () -> {
            expiry = null;
            if (parked != null) {
                return;
            }
            if (!ended && session != null) {
                // close() arms one more session timeout for a late poll to collect the close message.
                session.close(1001, "session expired: no poll for " + owner.settings().sessionTimeout().toSeconds()
                        + " s");
                return;
            }
            owner.forget(secret);
        });
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public SendResult sendText(ByteBuffer utf8) {
        return enqueue(HttpFrames.bytes(utf8));
    }

    @Override
    public SendResult sendShared(SharedFrame frame) {
        return enqueue(HttpFrames.lines(frame));
    }

    private SendResult enqueue(byte[] lines) {
        if (ended) {
            return SendResult.CLOSED;
        }
        if (queued + lines.length > owner.settings().maxBuffered()) {
            if (!overflowing) {
                overflowing = true;
                loop.execute(() -> close(1008, "slow consumer"));
            }
            return SendResult.DROPPED;
        }
        queue.add(lines);
        queued += lines.length + 1;
        if (parked != null) {
            answer(unpark());
        }
        return queued > owner.settings().highWatermark() ? SendResult.BACKPRESSURE : SendResult.SENT;
    }

    @Override
    public void close(int code, String reason) {
        if (ended) {
            return;
        }
        queue.add(HttpFrames.close(code, reason));
        ended = true;
        if (parked != null) {
            answer(unpark());
        } else {
            // However it ended (expiry, slow consumer, token, strikes), its last messages wait one more session
            // timeout for a poll to collect them.
            armExpiry();
        }
        owner.ended(secret);
        if (session != null) {
            session.onTransportClosed(code, reason);
        }
    }

    @Override
    public boolean isOpen() {
        return !ended && !overflowing;
    }

    @Override
    public long bufferedAmount() {
        return queued;
    }

    @Override
    public String kind() {
        return "polling";
    }

    @Override
    public void welcome(ObjectNode welcome) {
        welcome.put("session", secret);
    }
}
