package io.duplex.server.bench;

import io.duplex.protocol.handshake.ClientHandshake;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code bench hub}: {@code subscribers} sessions of the Duplex protocol (docs/protocol.md) each wait for
 * {@code welcome}, subscribe to one of {@code topics} topics and wait for the ack; then one publisher session
 * publishes at a fixed rate, round-robin over the topics, JSON or binary. Each publication's data carries its
 * send time (see {@link HubPayloads}), so a delivery's latency is its receive time minus that time; subscribers
 * split batched text frames on {@code \n}. Every subscription checks that offsets grow by exactly 1, so a
 * dropped delivery is an error, not just a lower rate.
 *
 * <p>With {@code --publish-rate 0} nothing is published: the sessions are held idle, subscribed (or, with
 * {@code --topics 0}, not subscribed) for warm-up plus duration, for memory measurements.
 *
 * <p>Thread-safety: the driver thread runs {@link #run}; sessions live on the event loops and share the
 * volatile flags and counters below.
 */
final class HubLoad extends BenchRun {
    /** Publisher bytes queued beyond which a due publication is skipped (and counted), not queued. */
    private static final long MAX_QUEUED = 4 << 20;

    /** Send times are nanoseconds since this, so they are never negative (JSON data has no sign to spare). */
    private final long base = System.nanoTime();
    private final LongAdder welcomed = new LongAdder();
    private final LongAdder subscribed = new LongAdder();
    private final LongAdder published = new LongAdder();
    private final LongAdder expected = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder missing = new LongAdder();
    private final AtomicInteger nextIndex = new AtomicInteger();
    /** Subscribers per topic, once they are all in. */
    private volatile long[] members;
    private volatile boolean publishing;

    HubLoad(BenchSettings settings, PrintStream err) {
        super(settings, err);
    }

    @Override
    Map<String, Object> run() throws Exception {
        startProgress();
        int topics = settings.topics();
        List<Subscriber> subs = open(settings.subscribers(), settings.hubUris(), Subscriber::new);
        if (subs.isEmpty()) {
            throw new IllegalStateException("could not connect: " + stats.firstErrors());
        }
        phase = "join";
        LongAdder joined = topics == 0 ? welcomed : subscribed;
        if (!await(() -> joined.sum() >= subs.size(), settings.connectTimeout().toNanos())) {
            stats.error(subs.size() - joined.sum() + " sessions never got their " + (topics == 0 ? "welcome" : "subscribe ack"));
        }
        if (settings.publishRate() == 0) {
            return hold(subs);
        }
        long[] perTopic = new long[topics];
        for (Subscriber s : subs) {
            perTopic[s.index % topics]++;
        }
        members = perTopic;
        List<Publisher> pubs = open(1, settings.publishUri(), Publisher::new);
        if (pubs.isEmpty()) {
            throw new IllegalStateException("publisher could not connect: " + stats.firstErrors());
        }
        Publisher pub = pubs.get(0);
        if (!await(() -> welcomed.sum() > subs.size(), settings.connectTimeout().toNanos())) {
            stats.error("the publisher never got its welcome");
        }
        publishing = true;
        pub.connection.execute(pub::startPublishing);
        Window w = measure(published::sum);
        publishing = false;
        boolean drained = await(() -> stats.messages.sum() + stats.errors.sum() >= expected.sum(),
                TimeUnit.SECONDS.toNanos(5));
        if (!drained) {
            stats.error(expected.sum() - stats.messages.sum() + " deliveries missing 5 s after publishing stopped");
        }
        phase = "close";
        closeAll(subs);
        closeAll(pubs);
        await(() -> stats.open.sum() == 0, TimeUnit.SECONDS.toNanos(5));

        double seconds = w.seconds();
        Map<String, Object> r = header("hub");
        r.put("subscribers", subs.size());
        r.put("topics", topics);
        r.put("size", settings.size());
        r.put("type", settings.text() ? "text" : "binary");
        r.put("publish_rate_target", settings.publishRate());
        r.put("duration_s", round(seconds));
        r.put("published_per_s", round(w.extra() / seconds));
        r.put("publisher_skipped", skipped.sum());
        r.put("deliveries", w.messages());
        r.put("deliveries_per_s", round(w.messages() / seconds));
        r.put("mb_per_s", round(w.bytes() / seconds / 1e6));
        r.put("offset_gaps", missing.sum());
        latencies(r, "latency", w.latency());
        serverFigures(r, w.serverBefore(), w.serverAfter(), "deliveries", w.messages());
        errors(r);
        return r;
    }

    /** No publisher: hold the sessions for warm-up plus duration, then close them. */
    private Map<String, Object> hold(List<Subscriber> subs) throws InterruptedException {
        ProcStats s0 = server();
        phase = "hold";
        err.printf("holding %d sessions, %d subscribed, for %s%n", subs.size(), subscribed.sum(),
                settings.warmup().plus(settings.duration()));
        Thread.sleep(settings.warmup().plus(settings.duration()).toMillis());
        ProcStats s1 = server();
        phase = "close";
        closeAll(subs);
        await(() -> stats.open.sum() == 0, TimeUnit.SECONDS.toNanos(30));
        Map<String, Object> r = header("hub");
        r.put("subscribers", subs.size());
        r.put("topics", settings.topics());
        r.put("subscribed", subscribed.sum());
        r.put("hold_s", round(settings.warmup().plus(settings.duration()).toNanos() / 1e9));
        serverFigures(r, s0, s1, "sessions", subs.size());
        errors(r);
        return r;
    }

    /** Reads a session's messages whole (text batches up to 64 KiB by default); the generator's own buffer. */
    private abstract class Session extends LoadConnection {
        final boolean binary = !settings.text();
        final int size = settings.size();
        byte[] buf = new byte[256];
        int len;
        boolean welcome;

        Session(ClientHandshake handshake) {
            super(handshake, HubLoad.this.stats, settings.connectTimeout().toNanos());
        }

        @Override
        void onUpgraded() {
        }

        @Override
        void onMessageStart(int opcode) {
            len = 0;
        }

        @Override
        void onPayload(ByteBuffer data, int index, int n, long offset) {
            if (len + n > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(len + n, 2 * buf.length));
            }
            data.get(index, buf, len, n);
            len += n;
        }

        @Override
        void onMessageEnd(int opcode, long length) {
            long now = System.nanoTime() - base;
            if (opcode == Payloads.opcode(false)) {
                binaryMessage(now);
                return;
            }
            int from = 0;
            for (int i = 0; i <= len; i++) {
                if (i == len || buf[i] == '\n') {
                    if (i > from) {
                        line(from, i, now);
                    }
                    from = i + 1;
                }
            }
        }

        void line(int from, int to, long now) {
            switch (HubPayloads.kind(buf, from, to)) {
                case WELCOME -> {
                    if (!welcome) {
                        welcome = true;
                        welcomed.increment();
                        onWelcome();
                    }
                }
                case ERROR -> stats.error("server: " + new String(buf, from, to - from, StandardCharsets.UTF_8));
                case PUB -> pub(from, to, now);
                case ACK -> ack(from, to);
                case OTHER -> { }
            }
        }

        void onWelcome() {
        }

        void pub(int from, int to, long now) {
            stats.error("unexpected publication: " + new String(buf, from, to - from, StandardCharsets.UTF_8));
        }

        void ack(int from, int to) {
        }

        void binaryMessage(long now) {
            stats.error("unexpected binary message");
        }
    }

    /** Subscribes once welcomed; checks and times every publication. */
    private final class Subscriber extends Session {
        final int index = nextIndex.getAndIncrement();
        private final long[] offset = new long[1];
        private long lastOffset = -1;
        private boolean acked;

        Subscriber(ClientHandshake handshake) {
            super(handshake);
        }

        @Override
        void onWelcome() {
            if (settings.topics() > 0) {
                connection.write(Payloads.frame(true,
                        HubPayloads.subscribe(1, HubPayloads.topic(index, settings.topics())), maskKey));
            }
        }

        @Override
        void ack(int from, int to) {
            if (!acked) {
                acked = true;
                lastOffset = HubPayloads.offset(buf, from, to);
                subscribed.increment();
            }
        }

        @Override
        void pub(int from, int to, long now) {
            delivery(HubPayloads.jsonSentAt(buf, from, to, size, offset), now);
        }

        @Override
        void binaryMessage(long now) {
            delivery(HubPayloads.binarySentAt(buf, len, size, offset), now);
        }

        private void delivery(long sentAt, long now) {
            if (sentAt < 0) {
                stats.error("delivery is not a publication of " + size + " bytes of data from this run");
                return;
            }
            long gap = offset[0] - lastOffset - 1;
            if (lastOffset >= 0 && gap != 0) {
                missing.add(Math.max(gap, 1));
                stats.error("offset " + offset[0] + " after " + lastOffset + " on " + HubPayloads.topic(index, settings.topics()));
            }
            lastOffset = offset[0];
            stats.messages.increment();
            stats.bytes.add(size);
            stats.latency(now - sentAt);
        }
    }

    /** Publishes at the rate, round-robin over the topics; reports any error the server answers with. */
    private final class Publisher extends Session {
        private long next;
        private long startNanos;
        private long due;

        Publisher(ClientHandshake handshake) {
            super(handshake);
        }

        void startPublishing() {
            startNanos = System.nanoTime();
            tick();
        }

        /** Sends what the rate says is due by now; what the socket queue cannot take is skipped, not sent later. */
        private void tick() {
            if (!publishing || !connection.isOpen()) {
                return;
            }
            long target = (long) ((System.nanoTime() - startNanos) / 1e9 * settings.publishRate());
            while (due < target) {
                due++;
                if (connection.bufferedAmount() > MAX_QUEUED) {
                    skipped.increment();
                    continue;
                }
                int t = (int) (next++ % settings.topics());
                String topic = HubPayloads.topic(t, settings.topics());
                long sentAt = System.nanoTime() - base;
                byte[] request = binary ? HubPayloads.binaryPublish(topic, sentAt, size)
                        : HubPayloads.jsonPublish(topic, sentAt, size);
                expected.add(members[t]);
                published.increment();
                connection.write(Payloads.frame(!binary, request, maskKey));
            }
            connection.loop().schedule(1, TimeUnit.MILLISECONDS, this::tick);
        }

        @Override
        void binaryMessage(long now) {
            stats.error("the publisher got a binary message");
        }
    }
}
