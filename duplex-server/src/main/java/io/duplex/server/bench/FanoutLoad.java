package io.duplex.server.bench;

import io.duplex.protocol.handshake.ClientHandshake;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code bench fanout}: {@code subscribers} connections and one publisher join the broadcast path. The
 * publisher sends probe messages until every subscriber has seen one (a server may add a new member a moment
 * after its 101, so joining is proven, not assumed), then publishes at a fixed rate. Each payload carries its
 * kind and its send time, so a delivery's latency is its receive time minus the embedded time (publisher and
 * subscribers share this process's clock). Every delivery is checked byte for byte.
 *
 * <p>Thread-safety: the driver thread runs {@link #run}; connections live on the event loops and share the
 * volatile flags and counters below.
 */
final class FanoutLoad extends BenchRun {
    private static final byte PROBE = 'P';
    private static final byte MESSAGE = 'M';
    /** Publisher frames that may be queued at once; when all are, the publisher skips (and counts) sends. */
    private static final int RING = 1024;

    private final LongAdder joined = new LongAdder();
    private final LongAdder published = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    /** Probe until every subscriber has joined. */
    private volatile boolean probing = true;
    private volatile boolean publishing;

    FanoutLoad(BenchSettings settings, PrintStream err) {
        super(settings, err);
    }

    @Override
    Map<String, Object> run() throws Exception {
        startProgress();
        List<Subscriber> subs = open(settings.subscribers(), settings.broadcastUri(), Subscriber::new);
        List<Publisher> pubs = open(1, settings.broadcastUri(), Publisher::new);
        if (pubs.isEmpty() || subs.isEmpty()) {
            throw new IllegalStateException("could not connect: " + stats.firstErrors());
        }
        Publisher pub = pubs.get(0);
        phase = "join";
        pub.connection.execute(pub::probe);
        if (!await(() -> joined.sum() >= subs.size(), settings.connectTimeout().toNanos())) {
            stats.error(subs.size() - joined.sum() + " subscribers never received a probe");
        }
        probing = false;
        publishing = true;
        pub.connection.execute(pub::startPublishing);
        Window w = measure(published::sum);
        publishing = false;
        // Each message published must reach every subscriber before we close.
        boolean drained = await(() -> stats.messages.sum() + stats.errors.sum() >= published.sum() * subs.size(),
                TimeUnit.SECONDS.toNanos(5));
        long expected = published.sum() * subs.size();
        if (!drained) {
            stats.error(expected - stats.messages.sum() + " deliveries missing 5 s after publishing stopped");
        }
        phase = "close";
        closeAll(subs);
        closeAll(pubs);
        await(() -> stats.open.sum() == 0, TimeUnit.SECONDS.toNanos(5));

        double seconds = w.seconds();
        Map<String, Object> r = header("fanout");
        r.put("subscribers", subs.size());
        r.put("size", settings.size());
        r.put("type", settings.text() ? "text" : "binary");
        r.put("publish_rate_target", settings.publishRate());
        r.put("duration_s", round(seconds));
        r.put("published_per_s", round(w.extra() / seconds));
        r.put("publisher_skipped", skipped.sum());
        r.put("deliveries", w.messages());
        r.put("deliveries_per_s", round(w.messages() / seconds));
        r.put("mb_per_s", round(w.bytes() / seconds / 1e6));
        latencies(r, "latency", w.latency());
        serverFigures(r, w.serverBefore(), w.serverAfter(), "deliveries", w.messages());
        errors(r);
        return r;
    }

    /** Payload prefix: kind byte, then the send time. */
    private int prefixLength() {
        return 1 + Payloads.numberWidth(settings.text());
    }

    /** Checks each delivery and records its latency. */
    private final class Subscriber extends LoadConnection {
        private final boolean text = settings.text();
        private final int size = settings.size();
        private final ByteBuffer expected = ByteBuffer.wrap(Payloads.pattern(size));
        private final byte[] prefix = new byte[prefixLength()];
        private boolean intact;
        private boolean joinedHere;

        Subscriber(ClientHandshake handshake) {
            super(handshake, FanoutLoad.this.stats, settings.connectTimeout().toNanos());
        }

        @Override
        void onUpgraded() {
        }

        @Override
        void onMessageStart(int opcode) {
            intact = opcode == Payloads.opcode(text);
        }

        @Override
        void onPayload(ByteBuffer data, int index, int n, long offset) {
            int head = (int) Math.max(0, Math.min(n, prefix.length - offset));
            for (int k = 0; k < head; k++) {
                prefix[(int) offset + k] = data.get(index + k);
            }
            if (intact && n > head && !regionEquals(data, index + head, n - head, expected, (int) offset + head)) {
                intact = false;
            }
        }

        @Override
        void onMessageEnd(int opcode, long length) {
            long now = System.nanoTime();
            long sentAt = Payloads.getNumber(prefix, 1, text);
            if (!intact || length != size || sentAt < 0 || (prefix[0] != PROBE && prefix[0] != MESSAGE)) {
                stats.error("delivery differs from what was published (opcode " + opcode + ", " + length + " bytes)");
            } else if (prefix[0] == PROBE) {
                if (!joinedHere) {
                    joinedHere = true;
                    joined.increment();
                }
            } else {
                stats.messages.increment();
                stats.bytes.add(size);
                stats.latency(now - sentAt);
            }
        }
    }

    /** Publishes from a ring of pre-encoded frames; reads (and ignores) its own copies. */
    private final class Publisher extends LoadConnection {
        private final boolean text = settings.text();
        private final int size = settings.size();
        private final ByteBuffer[] frames = new ByteBuffer[RING];
        private final byte[] prefix = new byte[prefixLength()];
        private long next;
        private long startNanos;
        private long due;

        Publisher(ClientHandshake handshake) {
            super(handshake, FanoutLoad.this.stats, settings.connectTimeout().toNanos());
            byte[] payload = Payloads.pattern(size);
            for (int i = 0; i < RING; i++) {
                frames[i] = Payloads.frame(text, payload, maskKey);
                frames[i].position(frames[i].limit());
            }
        }

        @Override
        void onUpgraded() {
        }

        /** Sends one message of {@code kind}; false if every ring frame is still queued. */
        private boolean publish(byte kind) {
            ByteBuffer f = frames[(int) (next % RING)];
            if (f.hasRemaining()) {
                return false;
            }
            prefix[0] = kind;
            Payloads.putNumber(prefix, 1, prefix.length - 1, System.nanoTime(), text);
            Payloads.patch(f, size, 0, prefix, 0, prefix.length, maskKey);
            f.rewind();
            connection.write(f);
            next++;
            return true;
        }

        void probe() {
            if (probing && connection.isOpen()) {
                publish(PROBE);
                connection.loop().schedule(50, TimeUnit.MILLISECONDS, this::probe);
            }
        }

        void startPublishing() {
            startNanos = System.nanoTime();
            tick();
        }

        /** Sends what the rate says is due by now; what the ring cannot take is skipped, not sent later. */
        private void tick() {
            if (!publishing || !connection.isOpen()) {
                return;
            }
            long target = (long) ((System.nanoTime() - startNanos) / 1e9 * settings.publishRate());
            while (due < target) {
                due++;
                if (publish(MESSAGE)) {
                    published.increment();
                } else {
                    skipped.increment();
                }
            }
            connection.loop().schedule(1, TimeUnit.MILLISECONDS, this::tick);
        }

        @Override
        void onMessageStart(int opcode) {
        }

        @Override
        void onPayload(ByteBuffer data, int index, int n, long offset) {
        }

        @Override
        void onMessageEnd(int opcode, long length) {
        }
    }
}
