package io.duplex.server.bench;

import io.duplex.protocol.handshake.ClientHandshake;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench echo}: each connection keeps {@code depth} messages in flight and checks every echo byte for
 * byte against what it sent. Latency is the time from writing a message to reading the end of its echo,
 * taken from a per-connection ring of send times (echoes come back in order on one connection).
 *
 * <p>Thread-safety: the driver thread runs {@link #run}; connections live on the event loops and share only
 * the volatile {@link #sending} flag and the stats.
 */
final class EchoLoad extends BenchRun {
    /** Cleared when the measurement ends: connections then stop replacing answered messages. */
    volatile boolean sending = true;

    EchoLoad(BenchSettings settings, PrintStream err) {
        super(settings, err);
    }

    @Override
    Map<String, Object> run() throws Exception {
        startProgress();
        List<EchoConnection> conns = open(settings.connections(), settings.echoUri(), this::connection);
        Window w = measure(stats.sent::sum);
        sending = false;
        // Every sent message must come back (as an echo or as a counted mismatch) before we close.
        if (!await(() -> stats.sent.sum() <= stats.messages.sum() + stats.errors.sum(), TimeUnit.SECONDS.toNanos(5))) {
            long missing = stats.sent.sum() - stats.messages.sum() - stats.errors.sum();
            stats.error(missing + " messages not echoed within 5 s of the end");
        }
        phase = "close";
        closeAll(conns);
        await(() -> stats.open.sum() == 0, TimeUnit.SECONDS.toNanos(5));

        Map<String, Object> r = header("echo");
        r.put("connections", conns.size());
        r.put("depth", settings.depth());
        r.put("write_per_message", settings.writePerMessage());
        r.put("size", settings.size());
        r.put("type", settings.text() ? "text" : "binary");
        r.put("duration_s", round(w.seconds()));
        r.put("messages", w.messages());
        r.put("messages_per_s", round(w.messages() / w.seconds()));
        r.put("mb_per_s", round(w.bytes() / w.seconds() / 1e6));
        latencies(r, "latency", w.latency());
        serverFigures(r, w.serverBefore(), w.serverAfter(), "messages", w.messages());
        errors(r);
        return r;
    }

    private EchoConnection connection(ClientHandshake handshake) {
        return new EchoConnection(handshake);
    }

    /** One echo connection: a ring of {@code depth} pre-encoded frames, reused as their echoes return. */
    private final class EchoConnection extends LoadConnection {
        private final int size = settings.size();
        private final boolean text = settings.text();
        private final int depth = settings.depth();
        private final int numberLength = Math.min(size, Payloads.numberWidth(text));
        private final ByteBuffer[] frames = new ByteBuffer[depth];
        private final long[] sentAt = new long[depth];
        private final byte[] expectedBytes = Payloads.pattern(size);
        private final ByteBuffer expected = ByteBuffer.wrap(expectedBytes);
        private final byte[] number = new byte[16];
        private long nextSend;
        private long nextReceive;
        private boolean intact;

        EchoConnection(ClientHandshake handshake) {
            super(handshake, EchoLoad.this.stats, settings.connectTimeout().toNanos());
            for (int i = 0; i < depth; i++) {
                frames[i] = Payloads.frame(text, expectedBytes, maskKey);
            }
        }

        @Override
        void onUpgraded() {
            for (int i = 0; i < depth; i++) {
                send();
            }
        }

        private void send() {
            int slot = (int) (nextSend % depth);
            ByteBuffer f = frames[slot];
            if (nextSend >= depth && f.hasRemaining()) {
                // Cannot happen: the echo of this slot's last message arrived, so all of it was written.
                stats.error("frame reused before it was written");
                return;
            }
            Payloads.putNumber(number, 0, numberLength, nextSend, text);
            Payloads.patch(f, size, 0, number, 0, numberLength, maskKey);
            f.rewind();
            sentAt[slot] = System.nanoTime();
            connection.write(f);
            if (settings.writePerMessage()) {
                connection.flush();
            }
            nextSend++;
            stats.sent.increment();
        }

        @Override
        void onMessageStart(int opcode) {
            intact = opcode == Payloads.opcode(text);
            Payloads.putNumber(expectedBytes, 0, numberLength, nextReceive, text);
        }

        @Override
        void onPayload(ByteBuffer data, int index, int n, long offset) {
            if (intact && !regionEquals(data, index, n, expected, (int) Math.min(offset, Integer.MAX_VALUE))) {
                intact = false;
            }
        }

        @Override
        void onMessageEnd(int opcode, long length) {
            long now = System.nanoTime();
            int slot = (int) (nextReceive % depth);
            if (!intact || length != size) {
                stats.error("echo " + nextReceive + " differs from what was sent (opcode " + opcode + ", "
                        + length + " bytes)");
            } else {
                stats.messages.increment();
                stats.bytes.add(size);
                stats.latency(now - sentAt[slot]);
            }
            nextReceive++;
            if (nextReceive > nextSend) {
                stats.error("more echoes than messages sent");
            } else if (sending) {
                send();
            }
        }
    }
}
