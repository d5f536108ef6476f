package io.duplex.server.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and latency recorders shared by all connections of a run. Written from the event loops without
 * allocation (LongAdder, HdrHistogram's wait-free {@link Recorder}); read by the driver thread once a second.
 *
 * <p>Thread-safety: every method is safe from any thread.
 */
final class BenchStats {
    /** Latencies above a minute are recorded as a minute. */
    static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int KEPT_ERRORS = 10;

    final LongAdder messages = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder handshakes = new LongAdder();
    final LongAdder handshakeFailures = new LongAdder();
    final LongAdder open = new LongAdder();
    private final Recorder latency = new Recorder(MAX_LATENCY_NANOS, 3);
    private final Recorder handshakeLatency = new Recorder(MAX_LATENCY_NANOS, 3);
    private final List<String> firstErrors = new ArrayList<>();

    void latency(long nanos) {
        latency.recordValue(Math.min(Math.max(nanos, 0), MAX_LATENCY_NANOS));
    }

    void handshake(long nanos) {
        handshakes.increment();
        open.increment();
        handshakeLatency.recordValue(Math.min(Math.max(nanos, 0), MAX_LATENCY_NANOS));
    }

    void error(String what) {
        errors.increment();
        synchronized (firstErrors) {
            if (firstErrors.size() < KEPT_ERRORS) {
                firstErrors.add(what);
            }
        }
    }

    List<String> firstErrors() {
        synchronized (firstErrors) {
            return List.copyOf(firstErrors);
        }
    }

    // Readers: the progress thread and the driver; HdrHistogram's Recorder wants one reader at a time.
    private final Histogram latencyTotal = new Histogram(MAX_LATENCY_NANOS, 3);
    private final Histogram handshakeTotal = new Histogram(MAX_LATENCY_NANOS, 3);
    private boolean measuring;

    /** Message latencies since the previous call; added to the total while measuring. */
    synchronized Histogram latencyInterval() {
        Histogram h = latency.getIntervalHistogram();
        if (measuring) {
            latencyTotal.add(h);
        }
        return h;
    }

    /** Drops what was recorded so far (warm-up) and starts the total. */
    synchronized void startMeasuring() {
        latency.getIntervalHistogram();
        latencyTotal.reset();
        measuring = true;
    }

    /** Ends the total and returns it. */
    synchronized Histogram stopMeasuring() {
        latencyInterval();
        measuring = false;
        return latencyTotal.copy();
    }

    /** Handshake latencies of the whole run so far. */
    synchronized Histogram handshakes() {
        handshakeTotal.add(handshakeLatency.getIntervalHistogram());
        return handshakeTotal.copy();
    }
}
