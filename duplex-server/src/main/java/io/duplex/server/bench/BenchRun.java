package io.duplex.server.bench;

import io.duplex.net.ConnectionOptions;
import io.duplex.net.EventLoopGroup;
import io.duplex.net.TcpClient;
import io.duplex.protocol.handshake.ClientHandshake;
import io.duplex.protocol.handshake.ClientHandshakeOptions;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * What every mode shares: the generator's event loops, opening connections with a bounded number of
 * handshakes in flight, the once-a-second progress line, server process figures, and the report.
 *
 * <p>Thread-safety: driven by one thread; the progress thread only reads {@link #phase} and the stats.
 */
abstract class BenchRun implements AutoCloseable {
    final BenchSettings settings;
    final BenchStats stats = new BenchStats();
    final EventLoopGroup group;
    final PrintStream err;
    /** Shown in the progress line. */
    volatile String phase = "connect";
    private final long startNanos = System.nanoTime();
    private final ClientHandshakeOptions handshakeOptions = ClientHandshakeOptions.defaults();
    private Thread progress;

    BenchRun(BenchSettings settings, PrintStream err) {
        this.settings = settings;
        this.err = err;
        this.group = new EventLoopGroup(settings.loops(), "bench");
    }

    /** Runs the mode and returns the report's figures in display order. */
    abstract Map<String, Object> run() throws Exception;

    /**
     * Opens {@code count} connections to {@code uri}, at most {@code maxPending} handshakes at a time, and
     * waits until each has been upgraded or has failed (failures are counted as errors).
     */
    <T extends LoadConnection> List<T> open(int count, URI uri, Function<ClientHandshake, T> factory)
            throws InterruptedException {
        return open(count, List.of(uri), factory);
    }

    /** Connection i goes to {@code uris.get(i % uris.size())}. */
    <T extends LoadConnection> List<T> open(int count, List<URI> uris, Function<ClientHandshake, T> factory)
            throws InterruptedException {
        Semaphore permits = new Semaphore(settings.maxPending());
        List<InetSocketAddress> locals = settings.sourceAddresses();
        List<T> all = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            permits.acquire();
            URI uri = uris.get(i % uris.size());
            InetSocketAddress server = new InetSocketAddress(uri.getHost(), uri.getPort() != -1 ? uri.getPort() : 80);
            T h = factory.apply(ClientHandshake.create(uri, handshakeOptions));
            all.add(h);
            h.upgraded.whenComplete((c, e) -> {
                permits.release();
                if (e != null) {
                    stats.handshakeFailures.increment();
                    stats.error("handshake: " + unwrap(e));
                }
            });
            InetSocketAddress local = locals.isEmpty() ? null : locals.get(i % locals.size());
            TcpClient.connect(group.next(), server, local, () -> h, settings.connectTimeout(),
                    ConnectionOptions.DEFAULTS, null).whenComplete((c, e) -> {
                        if (e != null) {
                            h.upgraded.completeExceptionally(e);
                        }
                    });
        }
        List<T> ok = new ArrayList<>(count);
        long deadline = System.nanoTime() + 2 * settings.connectTimeout().toNanos();
        for (T h : all) {
            try {
                h.upgraded.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                ok.add(h);
            } catch (ExecutionException e) {
                // Counted by the whenComplete above.
            } catch (TimeoutException e) {
                h.upgraded.completeExceptionally(e);
                if (h.connection != null) {
                    h.connection.execute(h.connection::abort);
                }
            }
        }
        return ok;
    }

    static String unwrap(Throwable e) {
        Throwable t = e instanceof CompletionException || e instanceof ExecutionException ? e.getCause() : e;
        return String.valueOf(t);
    }

    /** Closes every connection (close frame, then TCP) on its loop. */
    void closeAll(List<? extends LoadConnection> connections) {
        for (LoadConnection c : connections) {
            if (c.connection != null) {
                c.connection.execute(c::closeGracefully);
            }
        }
    }

    /** Waits in small steps until {@code done} holds or {@code timeoutNanos} pass; true if it holds. */
    static boolean await(BooleanSupplier done, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** What the measured window saw: message counts, their latencies, and the server before and after. */
    record Window(double seconds, long messages, long bytes, long extra, Histogram latency, ProcStats serverBefore,
                  ProcStats serverAfter) {
    }

    /**
     * Runs the warm-up, then the measured window; the load itself is already running. {@code extra} is one
     * more counter of the mode's, taken at the window's edges.
     */
    Window measure(java.util.function.LongSupplier extra) throws InterruptedException {
        phase = "warmup";
        Thread.sleep(settings.warmup().toMillis());
        long m0 = stats.messages.sum();
        long b0 = stats.bytes.sum();
        long x0 = extra.getAsLong();
        ProcStats s0 = server();
        stats.startMeasuring();
        long t0 = System.nanoTime();
        phase = "measure";
        Thread.sleep(settings.duration().toMillis());
        long t1 = System.nanoTime();
        Histogram latency = stats.stopMeasuring();
        long m1 = stats.messages.sum();
        long b1 = stats.bytes.sum();
        long x1 = extra.getAsLong();
        ProcStats s1 = server();
        phase = "drain";
        return new Window((t1 - t0) / 1e9, m1 - m0, b1 - b0, x1 - x0, latency, s0, s1);
    }

    /** Starts the once-a-second progress line on stderr. */
    void startProgress() {
        if (!settings.progress()) {
            return;
        }
        progress = new Thread(this::progressLoop, "bench-progress");
        progress.setDaemon(true);
        progress.start();
    }

    private void progressLoop() {
        long lastMessages = 0;
        long lastBytes = 0;
        long lastHandshakes = 0;
        long next = System.nanoTime();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                next += TimeUnit.SECONDS.toNanos(1);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                long m = stats.messages.sum();
                long b = stats.bytes.sum();
                long h = stats.handshakes.sum();
                Histogram iv = stats.latencyInterval();
                err.printf(Locale.ROOT, "[%4.0fs] %-8s open %d  hs/s %d  msg/s %d  MB/s %.2f  p50 %s  p99 %s  errors %d%n",
                        (System.nanoTime() - startNanos) / 1e9, phase, stats.open.sum(), h - lastHandshakes,
                        m - lastMessages, (b - lastBytes) / 1e6, millis(iv.getValueAtPercentile(50)),
                        millis(iv.getValueAtPercentile(99)), stats.errors.sum());
                lastMessages = m;
                lastBytes = b;
                lastHandshakes = h;
            }
        } catch (InterruptedException e) {
            // Stopped.
        }
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    ProcStats server() {
        return settings.serverPid() > 0 ? ProcStats.read(settings.serverPid()) : null;
    }

    /** Adds latency percentiles in microseconds. */
    static void latencies(Map<String, Object> r, String prefix, Histogram h) {
        r.put(prefix + "_p50_us", micros(h.getValueAtPercentile(50)));
        r.put(prefix + "_p99_us", micros(h.getValueAtPercentile(99)));
        r.put(prefix + "_p99_9_us", micros(h.getValueAtPercentile(99.9)));
        r.put(prefix + "_max_us", micros(h.getMaxValue()));
    }

    static double micros(long nanos) {
        return round(nanos / 1e3);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /**
     * Server CPU seconds between two samples, its RSS and peak RSS (VmHWM: the whole life of the process),
     * and {@code work} per server CPU second.
     */
    static void serverFigures(Map<String, Object> r, ProcStats before, ProcStats after, String workName, double work) {
        if (before == null || after == null) {
            return;
        }
        double cpu = after.cpuSeconds() - before.cpuSeconds();
        r.put("server_cpu_s", round(cpu));
        r.put("server_rss_bytes", after.rssBytes());
        r.put("server_peak_rss_bytes", after.peakRssBytes());
        r.put(workName + "_per_server_cpu_s", cpu > 0 ? round(work / cpu) : null);
    }

    Map<String, Object> header(String mode) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", mode);
        r.put("url", settings.url().toString());
        r.put("loops", settings.loops());
        return r;
    }

    void errors(Map<String, Object> r) {
        r.put("handshake_failures", stats.handshakeFailures.sum());
        r.put("errors", stats.errors.sum());
        r.put("first_errors", stats.firstErrors());
    }

    @Override
    public void close() throws Exception {
        if (progress != null) {
            progress.interrupt();
            progress.join(2000);
        }
        group.shutdown().get(10, TimeUnit.SECONDS);
    }
}
