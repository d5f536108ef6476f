package io.duplex.hub;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The hub's meters, named {@code duplex.*} (Prometheus: {@code duplex_*}). Counters that would be bumped once per
 * delivery are bumped once per loop task with the task's count, so fan-out does not contend on one counter.
 * Thread-safe.
 */
public final class HubMetrics {
    private final MeterRegistry registry;
    private final Counter deliveries;
    private final Counter batches;
    private final Counter batchedMessages;
    private final Counter drops;
    private final Counter recovered;
    private final Counter notRecovered;
    private final Counter messagesIn;
    private final Counter bytesIn;
    private final Counter framesOut;
    private final Counter bytesOut;
    private final Map<String, Counter> byTag = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sessions = new ConcurrentHashMap<>();

    public HubMetrics(MeterRegistry registry) {
        this.registry = registry;
        deliveries = Counter.builder("duplex.deliveries").description("Publications handed to sessions")
                .register(registry);
        batches = Counter.builder("duplex.batches").description("Frames that carried more than one message")
                .register(registry);
        batchedMessages = Counter.builder("duplex.batched.messages")
                .description("Messages that went out inside a batch frame").register(registry);
        drops = Counter.builder("duplex.slow.consumer.drops")
                .description("Sends refused because the session's queue was over its limit (slow consumer)")
                .register(registry);
        recovered = Counter.builder("duplex.recoveries").tag("result", "recovered")
                .description("Resubscriptions with a position").register(registry);
        notRecovered = Counter.builder("duplex.recoveries").tag("result", "not_recovered")
                .description("Resubscriptions with a position").register(registry);
        messagesIn = Counter.builder("duplex.messages.in").description("Client messages received")
                .register(registry);
        bytesIn = Counter.builder("duplex.bytes.in").description("Client message bytes received")
                .register(registry);
        framesOut = Counter.builder("duplex.frames.out").description("Frames sent to clients")
                .register(registry);
        bytesOut = Counter.builder("duplex.bytes.out").description("Payload bytes sent to clients")
                .register(registry);
    }

    public static HubMetrics noop() {
        return new HubMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    void delivered(int n) {
        if (n > 0) {
            deliveries.increment(n);
        }
    }

    void batch(int messages) {
        batches.increment();
        batchedMessages.increment(messages);
    }

    void dropped() {
        drops.increment();
    }

    void recovery(boolean ok) {
        (ok ? recovered : notRecovered).increment();
    }

    void received(int messages, int bytes) {
        messagesIn.increment(messages);
        bytesIn.increment(bytes);
    }

    void sent(long bytes) {
        framesOut.increment();
        bytesOut.increment(bytes);
    }

    /** {@code duplex.publishes{result}}: ok, duplicate, or an error code. */
    public void publish(String result) {
        tagged("duplex.publishes", "result", result, "Publish requests by outcome").increment();
    }

    /** {@code duplex.requests.rejected{code}}: requests answered with an error. */
    void rejected(String code) {
        tagged("duplex.requests.rejected", "code", code, "Requests answered with an error, by code").increment();
    }

    /** {@code duplex.rate.limited{limit}}: messages, bytes, ip_attempts, ip_concurrent. */
    public void rateLimited(String limit) {
        tagged("duplex.rate.limited", "limit", limit, "Refusals by rate or count limit").increment();
    }

    /** {@code duplex.auth.rejections{reason}}. */
    public void authRejected(String reason) {
        tagged("duplex.auth.rejections", "reason", reason, "Handshakes and refreshes refused by authentication")
                .increment();
    }

    /** {@code duplex.handshake.failures{reason}}: origin, auth, rate, ... */
    public void handshakeFailed(String reason) {
        tagged("duplex.handshake.failures", "reason", reason, "Upgrades refused, by reason").increment();
    }

    /** {@code duplex.sessions.closed{code}}. */
    void closed(int code) {
        tagged("duplex.sessions.closed", "code", Integer.toString(code), "Sessions ended, by close code")
                .increment();
    }

    void opened(String transport) {
        sessions.computeIfAbsent(transport, t -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("duplex.sessions", n, AtomicInteger::get).tag("transport", t)
                    .description("Open hub sessions by transport").register(registry);
            return n;
        }).incrementAndGet();
    }

    void ended(String transport) {
        AtomicInteger n = sessions.get(transport);
        if (n != null) {
            n.decrementAndGet();
        }
    }

    /** Registers a gauge read on scrape. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    private Counter tagged(String name, String tag, String value, String description) {
        return byTag.computeIfAbsent(name + '\u0000' + value,
                k -> Counter.builder(name).tag(tag, value).description(description).register(registry));
    }
}
