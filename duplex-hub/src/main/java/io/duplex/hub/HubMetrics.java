package io.duplex.hub;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The hub's meters, named {@code duplex.*} (Prometheus: {@code duplex_*}). The counters on the delivery path
 * (frames and bytes out, messages in, deliveries, batches) are plain {@link LongAdder}s that the registry reads
 * when scraped: a fan-out to thousands of sessions adds to a striped cell per frame instead of going through a
 * registry counter each time. Thread-safe.
 */
public final class HubMetrics {
    private final MeterRegistry registry;
    private final LongAdder deliveries;
    private final LongAdder batches;
    private final LongAdder batchedMessages;
    private final Counter drops;
    private final Counter recovered;
    private final Counter notRecovered;
    private final LongAdder messagesIn;
    private final LongAdder bytesIn;
    private final LongAdder framesOut;
    private final LongAdder bytesOut;
    private final Map<String, Counter> byTag = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sessions = new ConcurrentHashMap<>();

    public HubMetrics(MeterRegistry registry) {
        this.registry = registry;
        deliveries = adder("duplex.deliveries", "Publications handed to sessions");
        batches = adder("duplex.batches", "Frames that carried more than one message");
        batchedMessages = adder("duplex.batched.messages", "Messages that went out inside a batch frame");
        drops = Counter.builder("duplex.slow.consumer.drops")
                .description("Sends refused because the session's queue was over its limit (slow consumer)")
                .register(registry);
        recovered = Counter.builder("duplex.recoveries").tag("result", "recovered")
                .description("Resubscriptions with a position").register(registry);
        notRecovered = Counter.builder("duplex.recoveries").tag("result", "not_recovered")
                .description("Resubscriptions with a position").register(registry);
        messagesIn = adder("duplex.messages.in", "Client messages received");
        bytesIn = adder("duplex.bytes.in", "Client message bytes received");
        framesOut = adder("duplex.frames.out", "Frames sent to clients");
        bytesOut = adder("duplex.bytes.out", "Payload bytes sent to clients");
    }

    private LongAdder adder(String name, String description) {
        LongAdder a = new LongAdder();
        FunctionCounter.builder(name, a, LongAdder::doubleValue).description(description).register(registry);
        return a;
    }

    public static HubMetrics noop() {
        return new HubMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    void delivered(int n) {
        if (n > 0) {
            deliveries.add(n);
        }
    }

    void batch(int messages) {
        batches.increment();
        batchedMessages.add(messages);
    }

    void dropped() {
        drops.increment();
    }

    void recovery(boolean ok) {
        (ok ? recovered : notRecovered).increment();
    }

    void received(int messages, int bytes) {
        messagesIn.add(messages);
        bytesIn.add(bytes);
    }

    void sent(long bytes) {
        framesOut.increment();
        bytesOut.add(bytes);
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
