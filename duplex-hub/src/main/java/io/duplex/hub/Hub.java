package io.duplex.hub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.broker.Broker;
import io.duplex.hub.broker.MemoryBroker;
import io.duplex.hub.protocol.Replies;
import io.duplex.hub.protocol.RequestDecoder;
import io.duplex.hub.protocol.Topics;
import io.duplex.hub.security.Principal;
import io.duplex.hub.security.TokenVerifier;
import io.duplex.net.EventLoop;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messaging hub: topics with history and recovery, presence, acknowledged and idempotent publishing, for
 * sessions that any transport carries. Embeddable: a Java service can run one without {@code duplex serve}.
 *
 * <pre>{@code
 * Hub hub = Hub.builder().config(HubConfig.defaults()).build();
 * WebSocketServer server = WebSocketServer.builder()
 *         .endpoint("/ws", HubEndpoint.create(hub, HubEndpoint.Options.defaults()))
 *         .start();
 * hub.publish("news", "{\"title\":\"hello\"}", null);   // from any thread
 * }</pre>
 *
 * <p>Thread-safety: every public method may be called from any thread. Sessions are confined to their transport's
 * event loop.
 */
public final class Hub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);
    /** The protocol version announced in {@code welcome} (docs/protocol.md). */
    public static final int PROTOCOL_VERSION = 1;

    private final HubConfig config;
    private final Broker broker;
    private final boolean ownsBroker;
    private final HubMetrics metrics;
    private final LocalTopics local;
    private final RequestDecoder decoder;
    private final TokenVerifier verifier;
    private final Map<EventLoop, LoopFlusher> flushers = new ConcurrentHashMap<>();
    private final AtomicInteger sessions = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();

    private Hub(Builder b) {
        this.config = b.config;
        this.ownsBroker = b.broker == null;
        this.broker = ownsBroker ? new MemoryBroker(config) : b.broker;
        this.metrics = b.registry == null ? HubMetrics.noop() : new HubMetrics(b.registry);
        this.local = new LocalTopics(broker, metrics);
        this.decoder = new RequestDecoder(config.maxTopicLength());
        this.verifier = b.verifier;
        broker.start(local);
        metrics.gauge("duplex.topics", "Topics with state in the broker (subscribers, history or presence)",
                broker::topicCount);
        metrics.gauge("duplex.topics.subscribed", "Topics with subscribers on this node", local::topicCount);
        metrics.gauge("duplex.history.size", "Publications held in history", broker::historySize);
    }

    public static Builder builder() {
        return new Builder();
    }

    public HubConfig config() {
        return config;
    }

    public HubMetrics metrics() {
        return metrics;
    }

    public Broker broker() {
        return broker;
    }

    /** The token verifier for {@code refresh}, or null when this hub runs without tokens. */
    public TokenVerifier verifier() {
        return verifier;
    }

    /** Open sessions, all transports. */
    public int sessionCount() {
        return sessions.get();
    }

    /**
     * Opens a session for a client that {@code transport} carries, as {@code principal}. Must be called on the
     * transport's loop; the session sends its {@code welcome} at once.
     *
     * @param remote the client's address, for logs
     */
    public HubSession open(SessionTransport transport, Principal principal, String remote) {
        HubSession s = new HubSession(this, transport, principal, newClientId(), remote);
        sessions.incrementAndGet();
        metrics.opened(transport.kind());
        s.start();
        return s;
    }

    /**
     * Publishes JSON data as the server (no user). The future completes with the position, or fails with a
     * {@link io.duplex.hub.broker.BrokerException} (store unreachable) or
     * {@link io.duplex.hub.broker.TopicLimitException}.
     *
     * @param json a JSON value as text; validated by the caller (the HTTP API parses it)
     * @param key an idempotency key, or null
     */
    public CompletableFuture<Broker.PublishOutcome> publish(String topic, String json, String key) {
        checkTopic(topic);
        return publish(new Publication(topic, "", 0, json, null, null, 0, null), key == null ? null : "s\n" + key);
    }

    /** Publishes binary data as the server; see {@link #publish(String, String, String)}. */
    public CompletableFuture<Broker.PublishOutcome> publishBinary(String topic, byte[] data, String key) {
        checkTopic(topic);
        return publish(new Publication(topic, "", 0, null, data.clone(), null, 0, null),
                key == null ? null : "s\n" + key);
    }

    CompletableFuture<Broker.PublishOutcome> publish(Publication p, String scopedKey) {
        CompletableFuture<Broker.PublishOutcome> f;
        try {
            f = broker.publish(p, scopedKey);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((o, e) -> metrics.publish(e != null ? "error" : o.duplicate() ? "duplicate" : "ok"));
    }

    /**
     * Listens, in this process, to every publication of {@code topic} from now on: the way for server-side logic
     * (an authority that validates or transforms what clients send, a bridge to another system) to consume a
     * topic without a connection. The listener is called once per publication, in offset order, on the thread
     * that stored it (with the in-memory broker, while the topic is locked): it must return quickly and hand real
     * work to its own executor. Close the returned handle to stop.
     */
    public AutoCloseable listen(String topic, java.util.function.Consumer<Publication> listener) {
        checkTopic(topic);
        return local.listen(topic, listener);
    }

    /** Whether sessions of this node are subscribed to {@code topic} (e.g. to run a feed only while watched). */
    public boolean hasSubscribers(String topic) {
        return local.hasSubscribers(topic);
    }

    /** A {@code presence} answer body (shared by the protocol and the HTTP API). */
    public static ObjectNode presenceAnswer(ObjectNode into, List<Member> members, int max) {
        into.put("count", members.size());
        ArrayNode list = into.putArray("members");
        for (int i = 0; i < members.size() && i < max; i++) {
            list.add(Replies.member(members.get(i)));
        }
        if (members.size() > max) {
            into.put("truncated", true);
        }
        return into;
    }

    /** A {@code history} answer body (shared by the protocol and the HTTP API). */
    public static ObjectNode historyAnswer(ObjectNode into, Broker.HistorySlice slice) {
        into.put("epoch", slice.top().epoch());
        into.put("offset", slice.top().offset());
        into.put("complete", slice.complete());
        ArrayNode list = into.putArray("publications");
        for (Publication p : slice.publications()) {
            list.add(Replies.publication(p));
        }
        return into;
    }

    private void checkTopic(String topic) {
        String problem = Topics.problem(topic, config.maxTopicLength());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    LocalTopics local() {
        return local;
    }

    RequestDecoder decoder() {
        return decoder;
    }

    LoopFlusher flusher(EventLoop loop) {
        return flushers.computeIfAbsent(loop, l -> new LoopFlusher(l, config.maxBatchDelay()));
    }

    void sessionEnded(HubSession s, int code, String reason) {
        sessions.decrementAndGet();
        metrics.ended(s.transport().kind());
        metrics.closed(code);
        log.info("session {} ended: {} {}", s, code, reason == null || reason.isEmpty() ? "-" : reason);
    }

    private String newClientId() {
        // 80 random bits: ids are shown to other clients in presence, so they must not be guessable or sequential.
        byte[] b = new byte[10];
        random.nextBytes(b);
        StringBuilder sb = new StringBuilder(16);
        long hi = ((b[0] & 0xffL) << 32) | ((b[1] & 0xffL) << 24) | ((b[2] & 0xffL) << 16) | ((b[3] & 0xffL) << 8)
                | (b[4] & 0xffL);
        long lo = ((b[5] & 0xffL) << 32) | ((b[6] & 0xffL) << 24) | ((b[7] & 0xffL) << 16) | ((b[8] & 0xffL) << 8)
                | (b[9] & 0xffL);
        String a = Long.toString(hi, 36);
        String c = Long.toString(lo, 36);
        sb.append("0".repeat(8 - a.length())).append(a).append("0".repeat(8 - c.length())).append(c);
        return sb.toString();
    }

    /** Stops the broker if the hub created it. Sessions are ended by their transports. */
    @Override
    public void close() {
        if (ownsBroker) {
            broker.close();
        }
    }

    /** Not thread-safe. */
    public static final class Builder {
        private HubConfig config = HubConfig.defaults();
        private Broker broker;
        private MeterRegistry registry;
        private TokenVerifier verifier;

        private Builder() {}

        public Builder config(HubConfig c) {
            this.config = c;
            return this;
        }

        /** The broker; default: a {@link MemoryBroker} the hub owns and closes. */
        public Builder broker(Broker b) {
            this.broker = b;
            return this;
        }

        /** Where the {@code duplex.*} meters go; default: a private registry. */
        public Builder meterRegistry(MeterRegistry r) {
            this.registry = r;
            return this;
        }

        /** Verifies tokens sent with {@code refresh}; null (default) when the hub runs without tokens. */
        public Builder tokenVerifier(TokenVerifier v) {
            this.verifier = v;
            return this;
        }

        public Hub build() {
            return new Hub(this);
        }
    }
}
