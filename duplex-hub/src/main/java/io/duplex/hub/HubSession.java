package io.duplex.hub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.broker.Broker;
import io.duplex.hub.broker.BrokerException;
import io.duplex.hub.broker.TopicLimitException;
import io.duplex.hub.protocol.ErrorCode;
import io.duplex.hub.protocol.ProtocolException;
import io.duplex.hub.protocol.Replies;
import io.duplex.hub.protocol.Request;
import io.duplex.hub.protocol.RequestDecoder;
import io.duplex.hub.protocol.Utf8;
import io.duplex.hub.security.AuthException;
import io.duplex.hub.security.Principal;
import io.duplex.hub.security.TokenBucket;
import io.duplex.net.EventLoop;
import io.duplex.net.SendResult;
import io.duplex.net.Timeout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of the hub, whatever carries it ({@link SessionTransport}): its principal, subscriptions, rate
 * limits, token expiry and outgoing batch. Requests are carried out here, once for every transport.
 *
 * <p>Thread-safety: confined to {@link #loop()}. Transports call {@link #onText}, {@link #onBinary} and
 * {@link #onTransportClosed} there; broker answers that arrive on other threads hop onto it.
 */
public final class HubSession {
    private static final Logger log = LoggerFactory.getLogger(HubSession.class);
    /** Close code (private range, RFC 6455 section 7.4.2): the token expired and was not refreshed. */
    public static final int CLOSE_TOKEN_EXPIRED = 4001;

    private final Hub hub;
    private final SessionTransport transport;
    private final EventLoop loop;
    private final String id;
    private final String remote;
    private final Map<String, Subscription> subs = new LinkedHashMap<>();
    private final TokenBucket messageBucket;
    private final TokenBucket byteBucket;
    private Principal principal;
    private int strikes;
    private Timeout expiryTimer;
    private boolean closed;
    /** Why the server is ending the session (code and reason), when it is: the transport may only report 1006. */
    private int endingCode;
    private String endingReason;
    /**
     * The session has sent its close and waits for the transport to end: input is discarded from then on
     * (RFC 6455 section 5.5.1 lets an endpoint discard data after its Close), so nothing is carried out,
     * answered or counted after the decision to close.
     */
    private boolean closing;

    // Outgoing batch: Publications and byte[] lines, in order.
    private final ArrayList<Object> pending = new ArrayList<>();
    private int pendingBytes;
    boolean flushQueued;

    HubSession(Hub hub, SessionTransport transport, Principal principal, String id, String remote) {
        this.hub = hub;
        this.transport = transport;
        this.loop = transport.loop();
        this.principal = principal;
        this.id = id;
        this.remote = remote;
        HubConfig c = hub.config();
        long now = System.nanoTime();
        messageBucket = c.messagesPerSecond() > 0 ? new TokenBucket(c.messagesPerSecond(), c.messageBurst(), now) : null;
        byteBucket = c.bytesPerSecond() > 0 ? new TokenBucket(c.bytesPerSecond(), c.byteBurst(), now) : null;
    }

    /** The client id: unique per session, shown in presence and the {@code welcome} message. */
    public String clientId() {
        return id;
    }

    public Principal principal() {
        return principal;
    }

    public EventLoop loop() {
        return loop;
    }

    public SessionTransport transport() {
        return transport;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Topics this session is subscribed to (RECOVERING or LIVE). */
    public List<String> topics() {
        return List.copyOf(subs.keySet());
    }

    /** Loop thread, once, right after creation. */
    void start() {
        ObjectNode w = Replies.object("welcome");
        w.put("client", id);
        if (principal.userId() != null) {
            w.put("user", principal.userId());
        }
        if (principal.expiresAt() != null) {
            w.put("expires_at", principal.expiresAt().toEpochMilli());
        }
        w.put("protocol", Hub.PROTOCOL_VERSION);
        ObjectNode limits = w.putObject("limits");
        HubConfig c = hub.config();
        limits.put("max_publication_bytes", c.maxPublicationBytes());
        limits.put("max_subscriptions", c.maxSubscriptions());
        limits.put("history_size", c.historySize());
        limits.put("history_ttl_ms", c.historyTtl().toMillis());
        limits.put("messages_per_second", c.messagesPerSecond());
        transport.welcome(w);
        send(Replies.bytes(w));
        armExpiry();
    }

    // ---------------------------------------------------------------- inbound

    /** Loop thread: a text frame, one or more JSON messages separated by '\n' (empty lines are skipped). */
    public void onText(String frame) {
        if (closed || closing) {
            return;
        }
        // The limit is on what the client sent: UTF-8 bytes, not UTF-16 characters (up to 3 bytes each). A frame
        // over it is refused whole: each of its requests gets its own rate_limited with its id (docs/protocol.md:
        // one answer per request) and counts as a refusal, so a frame of many tiny requests cannot make the server
        // write more than the strike limit's worth of errors.
        int bytes = Utf8.length(frame);
        long byteWait = takeBytes(bytes);
        int count = 0;
        int start = 0;
        while (start <= frame.length() && !closed && !closing) {
            int nl = frame.indexOf('\n', start);
            int end = nl < 0 ? frame.length() : nl;
            if (!blank(frame, start, end)) {
                String line = start == 0 && end == frame.length() ? frame : frame.substring(start, end);
                count++;
                long wait = byteWait != 0 ? byteWait : takeMessage();
                if (wait != 0) {
                    refuse(byteWait != 0 ? "bytes" : "messages", wait, RequestDecoder.peekId(line));
                } else {
                    try {
                        handle(hub.decoder().decode(line));
                    } catch (ProtocolException e) {
                        fail(e.id(), e.code(), e.getMessage());
                    }
                }
            }
            start = end + 1;
        }
        if (count == 0 && !closed && !closing) {
            if (byteWait != 0) {
                refuse("bytes", byteWait, 0);
            } else {
                fail(0, ErrorCode.BAD_REQUEST, "empty message");
            }
        }
        if (byteWait == 0) {
            hub.metrics().received(count, bytes);
        }
    }

    private static boolean blank(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Loop thread: a binary frame (a binary publish). */
    public void onBinary(ByteBuffer frame) {
        if (closed || closing) {
            return;
        }
        int bytes = frame.remaining();
        long id = frame.remaining() >= 6 ? frame.getInt(frame.position() + 2) & 0xffffffffL : 0;
        long byteWait = takeBytes(bytes);
        long wait = byteWait != 0 ? byteWait : takeMessage();
        if (wait != 0) {
            refuse(byteWait != 0 ? "bytes" : "messages", wait, id);
            return;
        }
        hub.metrics().received(1, bytes);
        try {
            handle(hub.decoder().decodeBinary(frame));
        } catch (ProtocolException e) {
            fail(e.id(), e.code(), e.getMessage());
        }
    }

    /** Takes {@code bytes} from the byte-rate budget: 0 if admitted, else the nanoseconds until they would be. */
    private long takeBytes(int bytes) {
        long now = System.nanoTime();
        if (byteBucket == null || byteBucket.tryTake(bytes, now)) {
            return 0;
        }
        return Math.max(1, byteBucket.nanosUntilAvailable(bytes, now));
    }

    /**
     * Takes one message from the message-rate budget: 0 if admitted (which ends a run of refusals), else the
     * nanoseconds until it would be.
     */
    private long takeMessage() {
        long now = System.nanoTime();
        if (messageBucket == null || messageBucket.tryTake(1, now)) {
            strikes = 0;
            return 0;
        }
        return Math.max(1, messageBucket.nanosUntilAvailable(1, now));
    }

    /** A message refused for rate: an error with a retry hint, or 1008 for a client that keeps going. */
    private void refuse(String which, long waitNanos, long requestId) {
        hub.metrics().rateLimited(which);
        if (++strikes > hub.config().maxRateStrikes()) {
            close(1008, "rate limit exceeded");
            return;
        }
        long retryMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1);
        fail(requestId, ErrorCode.RATE_LIMITED, "too many " + which + " per second; retry after " + retryMs + " ms",
                retryMs);
    }

    private void handle(Request r) {
        try {
            if (r instanceof Request.Subscribe s) {
                subscribe(s);
            } else if (r instanceof Request.Unsubscribe u) {
                unsubscribe(u);
            } else if (r instanceof Request.Publish p) {
                publish(p);
            } else if (r instanceof Request.Presence p) {
                presence(p);
            } else if (r instanceof Request.History h) {
                history(h);
            } else if (r instanceof Request.Refresh f) {
                refresh(f);
            } else if (r.id() > 0) {
                send(Replies.bytes(Replies.ack(r.id())));
            }
        } catch (RuntimeException e) {
            log.error("request {} of session {} failed", r, id, e);
            fail(r.id(), ErrorCode.INTERNAL, "internal error");
        }
    }

    private void subscribe(Request.Subscribe r) {
        if (subs.containsKey(r.topic())) {
            fail(r.id(), ErrorCode.ALREADY_SUBSCRIBED, "already subscribed to " + r.topic());
            return;
        }
        if (subs.size() >= hub.config().maxSubscriptions()) {
            fail(r.id(), ErrorCode.LIMIT_EXCEEDED,
                    "a session may hold at most " + hub.config().maxSubscriptions() + " subscriptions");
            return;
        }
        if (!principal.permissions().canSubscribe(r.topic())) {
            fail(r.id(), ErrorCode.FORBIDDEN, "not allowed to subscribe to " + r.topic());
            return;
        }
        if (r.info() != null && r.info().toString().getBytes(StandardCharsets.UTF_8).length > hub.config().maxInfoBytes()) {
            fail(r.id(), ErrorCode.TOO_LARGE, "info is larger than " + hub.config().maxInfoBytes() + " bytes");
            return;
        }
        Subscription s = new Subscription(this, r.topic(), r.joinLeave(),
                new Member(id, principal.userId(), principal.info(), r.info()));
        s.requestId = r.id();
        try {
            hub.local().add(s);
        } catch (TopicLimitException e) {
            fail(r.id(), ErrorCode.LIMIT_EXCEEDED, e.getMessage());
            return;
        }
        subs.put(r.topic(), s);
        int limit = r.recover() == null ? 0 : hub.config().historySize();
        CompletableFuture<Broker.HistorySlice> f;
        try {
            f = hub.broker().history(r.topic(), r.recover(), limit, true);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        onLoop(f, (slice, error) -> subscribed(r, s, slice, error));
    }

    /** A subscribe's ack: the topic's position, and with {@code recover} whether it recovered and how many it missed. */
    private static ObjectNode subscribeAck(long id, StreamPosition top, boolean recover, boolean recovered, int missed) {
        ObjectNode ack = Replies.ack(id);
        ack.put("epoch", top.epoch());
        ack.put("offset", top.offset());
        if (recover) {
            ack.put("recovered", recovered);
            ack.put("missed", missed);
        }
        return ack;
    }

    private void subscribed(Request.Subscribe r, Subscription s, Broker.HistorySlice slice, Throwable error) {
        if (s.state == Subscription.State.CANCELLED) {
            // Overtaken by an unsubscribe (or the session's end) while the broker answered: the subscribe still
            // gets its one answer (docs/protocol.md), after the unsubscribe's; nothing is delivered for it. A
            // refresh that withdrew the permission has answered it already (requestId 0).
            if (s.requestId > 0 && !closed && !closing) {
                if (error != null || slice == null) {
                    failFromBroker(s.requestId, error);
                } else {
                    send(Replies.bytes(subscribeAck(s.requestId, slice.top(), r.recover() != null, false, 0)));
                }
            }
            return;
        }
        if (error != null || slice == null) {
            subs.remove(r.topic());
            s.state = Subscription.State.CANCELLED;
            hub.local().remove(s);
            failFromBroker(r.id(), error);
            return;
        }
        StreamPosition top = slice.top();
        boolean recovered = r.recover() != null && slice.complete();
        if (r.recover() != null) {
            hub.metrics().recovery(recovered);
        }
        if (r.id() > 0) {
            send(Replies.bytes(subscribeAck(r.id(), top, r.recover() != null, recovered,
                    recovered ? slice.publications().size() : 0)));
        }
        s.epoch = top.epoch();
        s.last = top.offset();
        if (recovered) {
            for (Publication p : slice.publications()) {
                if (p.offset() > r.recover().offset()) {
                    deliver(p);
                }
            }
        }
        List<Object> held = s.held;
        s.held = null;
        s.state = Subscription.State.LIVE;
        if (held != null) {
            for (Object o : held) {
                if (o instanceof Publication p) {
                    s.onPublication(p);
                } else {
                    s.onPresenceEvent((byte[]) o);
                }
            }
        }
        hub.broker().join(r.topic(), s.member);
    }

    private void unsubscribe(Request.Unsubscribe r) {
        Subscription s = subs.remove(r.topic());
        if (s == null) {
            fail(r.id(), ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + r.topic());
            return;
        }
        end(s);
        if (r.id() > 0) {
            send(Replies.bytes(Replies.ack(r.id())));
        }
    }

    private void end(Subscription s) {
        boolean wasLive = s.state == Subscription.State.LIVE;
        s.state = Subscription.State.CANCELLED;
        s.held = null;
        hub.local().remove(s);
        if (wasLive) {
            hub.broker().leave(s.topic, s.member);
        }
    }

    private void publish(Request.Publish r) {
        if (!principal.permissions().canPublish(r.topic())) {
            fail(r.id(), ErrorCode.FORBIDDEN, "not allowed to publish to " + r.topic());
            return;
        }
        int size = r.binary() != null ? r.binary().length : Utf8.length(r.json());
        if (size > hub.config().maxPublicationBytes()) {
            fail(r.id(), ErrorCode.TOO_LARGE, "data of " + size + " bytes exceeds the limit of "
                    + hub.config().maxPublicationBytes());
            return;
        }
        Publication p = new Publication(r.topic(), "", 0, r.json(), r.binary(), principal.userId(), 0,
                r.excludeSelf() ? id : null);
        String key = r.key() == null ? null : (principal.userId() == null ? "~" : "u:" + principal.userId()) + "\n"
                + r.key();
        onLoop(hub.publish(p, key), (outcome, error) -> {
            if (error != null) {
                failFromBroker(r.id(), error);
                return;
            }
            if (r.id() > 0) {
                ObjectNode ack = Replies.ack(r.id());
                ack.put("epoch", outcome.position().epoch());
                ack.put("offset", outcome.position().offset());
                if (outcome.duplicate()) {
                    ack.put("duplicate", true);
                }
                send(Replies.bytes(ack));
            }
        });
    }

    private void presence(Request.Presence r) {
        if (!principal.permissions().canPresence(r.topic())) {
            fail(r.id(), ErrorCode.FORBIDDEN, "not allowed to see presence of " + r.topic());
            return;
        }
        onLoop(hub.broker().presence(r.topic()), (members, error) -> {
            if (error != null) {
                failFromBroker(r.id(), error);
                return;
            }
            if (r.id() > 0) {
                send(Replies.bytes(Hub.presenceAnswer(Replies.ack(r.id()), members, hub.config().maxPresenceList())));
            }
        });
    }

    private void history(Request.History r) {
        if (!principal.permissions().canSubscribe(r.topic())) {
            fail(r.id(), ErrorCode.FORBIDDEN, "not allowed to read " + r.topic());
            return;
        }
        int limit = r.limit() < 0 ? hub.config().historySize() : Math.min(r.limit(), hub.config().historySize());
        onLoop(hub.broker().history(r.topic(), r.since(), limit, false), (slice, error) -> {
            if (error != null) {
                failFromBroker(r.id(), error);
            } else if (slice == null) {
                fail(r.id(), ErrorCode.NOT_FOUND, "topic " + r.topic() + " has no history");
            } else if (r.id() > 0) {
                send(Replies.bytes(Hub.historyAnswer(Replies.ack(r.id()), slice)));
            }
        });
    }

    private void refresh(Request.Refresh r) {
        if (hub.verifier() == null) {
            fail(r.id(), ErrorCode.BAD_REQUEST, "this server does not use tokens");
            return;
        }
        Principal next;
        try {
            next = hub.verifier().verify(r.token());
        } catch (AuthException e) {
            hub.metrics().authRejected(e.reason().name().toLowerCase(java.util.Locale.ROOT));
            fail(r.id(), ErrorCode.UNAUTHORIZED, e.getMessage());
            return;
        }
        if (!Objects.equals(next.userId(), principal.userId())) {
            fail(r.id(), ErrorCode.FORBIDDEN, "the new token is for another user");
            return;
        }
        principal = next;
        armExpiry();
        // Permissions may have narrowed: drop what the new token no longer allows, and say so.
        for (Iterator<Subscription> it = subs.values().iterator(); it.hasNext(); ) {
            Subscription s = it.next();
            if (!next.permissions().canSubscribe(s.topic)) {
                it.remove();
                boolean answered = s.state == Subscription.State.LIVE;
                end(s);
                if (!answered && s.requestId > 0) {
                    // Still waiting for the broker: its subscribe is answered now, as refused, and only now.
                    fail(s.requestId, ErrorCode.FORBIDDEN, "not allowed to subscribe to " + s.topic);
                    s.requestId = 0;
                    continue;
                }
                ObjectNode u = Replies.object("unsubscribed");
                u.put("topic", s.topic);
                u.put("reason", "forbidden");
                send(Replies.bytes(u));
            }
        }
        if (r.id() > 0) {
            ObjectNode ack = Replies.ack(r.id());
            if (next.expiresAt() != null) {
                ack.put("expires_at", next.expiresAt().toEpochMilli());
            }
            send(Replies.bytes(ack));
        }
    }

    /** Schedules "token expired" at the principal's expiry and the close one grace period later. */
    private void armExpiry() {
        if (expiryTimer != null) {
            expiryTimer.cancel();
            expiryTimer = null;
        }
        Instant exp = principal.expiresAt();
        if (exp == null || closed) {
            return;
        }
        long delayMs = Math.max(0, exp.toEpochMilli() - System.currentTimeMillis());
        expiryTimer = loop.schedule(delayMs, TimeUnit.MILLISECONDS, () -> {
            long grace = hub.config().tokenGrace().toMillis();
            ObjectNode n = Replies.object("token_expired");
            n.put("grace_ms", grace);
            send(Replies.bytes(n));
            flush();
            expiryTimer = loop.schedule(grace, TimeUnit.MILLISECONDS,
                    () -> close(CLOSE_TOKEN_EXPIRED, "token expired"));
        });
    }

    private <T> void onLoop(CompletableFuture<T> f, BiConsumer<T, Throwable> then) {
        f.whenComplete((v, e) -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (loop.inEventLoop()) {
                if (!closed) {
                    then.accept(v, cause);
                }
            } else {
                loop.execute(() -> {
                    if (!closed) {
                        then.accept(v, cause);
                    }
                });
            }
        });
    }

    private void failFromBroker(long requestId, Throwable error) {
        if (error instanceof TopicLimitException) {
            fail(requestId, ErrorCode.LIMIT_EXCEEDED, error.getMessage());
        } else if (error instanceof BrokerException) {
            fail(requestId, ErrorCode.UNAVAILABLE, error.getMessage());
        } else {
            log.error("broker call of session {} failed", id, error);
            fail(requestId, ErrorCode.INTERNAL, "internal error");
        }
    }

    private void fail(long requestId, ErrorCode code, String message) {
        fail(requestId, code, message, 0);
    }

    private void fail(long requestId, ErrorCode code, String message, long retryAfterMs) {
        hub.metrics().rejected(code.wire());
        send(Replies.error(requestId, code, message, retryAfterMs));
    }

    // ---------------------------------------------------------------- outbound

    /** Loop thread: a publication for this client (live or replayed). */
    void deliver(Publication p) {
        enqueue(p, p.wire().length);
    }

    /** Loop thread: a presence event for this client. */
    void deliverEvent(byte[] event) {
        enqueue(event, event.length);
    }

    /** Loop thread: one of the session's own messages (ack, error, notice). */
    void send(byte[] line) {
        enqueue(line, line.length);
    }

    private void enqueue(Object item, int size) {
        if (closed) {
            return;
        }
        HubConfig c = hub.config();
        if (!c.batching()) {
            write(item);
            return;
        }
        pending.add(item);
        pendingBytes += size + 1;
        if (pendingBytes >= c.maxBatchBytes()) {
            flush();
        } else if (!flushQueued) {
            flushQueued = true;
            hub.flusher(loop).queue(this);
        }
    }

    /** Loop thread: sends what is pending, as few frames as the binary items allow. */
    void flush() {
        int n = pending.size();
        if (n == 0 || closed) {
            pending.clear();
            pendingBytes = 0;
            return;
        }
        if (n == 1) {
            write(pending.get(0));
        } else {
            int runStart = 0;
            for (int i = 0; i <= n; i++) {
                boolean binary = i < n && pending.get(i) instanceof Publication p && p.isBinary();
                if (i == n || binary) {
                    writeRun(runStart, i);
                    if (binary) {
                        write(pending.get(i));
                    }
                    runStart = i + 1;
                }
            }
        }
        pending.clear();
        pendingBytes = 0;
    }

    /** Items [from, to) are text: one frame of lines, shared with other sessions when they are all publications. */
    private void writeRun(int from, int to) {
        int count = to - from;
        if (count == 0) {
            return;
        }
        if (count == 1) {
            write(pending.get(from));
            return;
        }
        hub.metrics().batch(count);
        boolean publications = true;
        for (int i = from; i < to && publications; i++) {
            publications = pending.get(i) instanceof Publication;
        }
        if (publications) {
            Batch b = hub.flusher(loop).batch(pending, from, to);
            result(transport.sendShared(b), b.wire().length);
            return;
        }
        int size = count - 1;
        for (int i = from; i < to; i++) {
            size += lineOf(pending.get(i)).length;
        }
        ByteBuffer frame = ByteBuffer.allocate(size);
        for (int i = from; i < to; i++) {
            if (i > from) {
                frame.put((byte) '\n');
            }
            frame.put(lineOf(pending.get(i)));
        }
        result(transport.sendText(frame.flip()), size);
    }

    private static byte[] lineOf(Object item) {
        return item instanceof Publication p ? p.wire() : (byte[]) item;
    }

    private void write(Object item) {
        if (item instanceof Publication p) {
            result(transport.sendShared(p), p.wire().length);
        } else {
            byte[] b = (byte[]) item;
            result(transport.sendText(ByteBuffer.wrap(b)), b.length);
        }
    }

    private void result(SendResult r, int bytes) {
        if (r == SendResult.DROPPED) {
            hub.metrics().dropped();
            if (endingCode == 0 && !transport.isOpen()) {
                // The slow-consumer policy is closing the connection (RFC 6455 7.4.1: 1008, policy violation).
                endingCode = 1008;
                endingReason = "slow consumer";
            }
        } else if (r != SendResult.CLOSED) {
            hub.metrics().sent(bytes);
        }
    }

    // ---------------------------------------------------------------- end

    /** Closes the session and its transport. Loop thread. */
    public void close(int code, String reason) {
        if (closed || closing) {
            return;
        }
        if (endingCode == 0) {
            endingCode = code;
            endingReason = reason;
        }
        closing = true;
        flush();
        transport.close(code, reason);
    }

    /** Loop thread: the transport ended (any way, exactly once); releases everything the session held. */
    public void onTransportClosed(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        pending.clear();
        if (expiryTimer != null) {
            expiryTimer.cancel();
        }
        for (Subscription s : subs.values()) {
            end(s);
        }
        subs.clear();
        if (code == 1006 && endingCode != 0) {
            // Our close frame got no answer in time: report why we closed, not only that it ended abruptly.
            hub.sessionEnded(this, endingCode, endingReason + " (no close reply: 1006)");
        } else {
            hub.sessionEnded(this, code, reason);
        }
    }

    String remote() {
        return remote;
    }

    @Override
    public String toString() {
        return "HubSession[" + id + (principal.userId() != null ? " user " + principal.userId() : "") + " "
                + transport.kind() + " " + remote + "]";
    }
}
