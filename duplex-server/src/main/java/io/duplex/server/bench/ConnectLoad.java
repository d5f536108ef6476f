package io.duplex.server.bench;

import io.duplex.protocol.handshake.ClientHandshake;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code bench connect}: opens connections as fast as the server takes them (at most
 * {@code maxPending} handshakes at a time), holds them idle, then closes them all. Handshakes per second
 * count from the first connect to the last 101.
 *
 * <p>Thread-safety: the driver thread runs {@link #run}; connections live on the event loops.
 */
final class ConnectLoad extends BenchRun {

    ConnectLoad(BenchSettings settings, PrintStream err) {
        super(settings, err);
    }

    @Override
    Map<String, Object> run() throws Exception {
        startProgress();
        ProcStats s0 = server();
        long t0 = System.nanoTime();
        List<IdleConnection> conns = open(settings.connections(), settings.echoUri(), IdleConnection::new);
        long t1 = System.nanoTime();
        ProcStats s1 = server();
        Histogram handshakes = stats.handshakes();
        phase = "hold";
        err.printf("holding %d connections for %s%n", conns.size(), settings.hold());
        Thread.sleep(settings.hold().toMillis());
        ProcStats held = server();
        phase = "close";
        long t2 = System.nanoTime();
        closeAll(conns);
        boolean closed = await(() -> stats.open.sum() == 0, TimeUnit.SECONDS.toNanos(30));
        long t3 = System.nanoTime();
        if (!closed) {
            stats.error(stats.open.sum() + " connections still open 30 s after closing");
        }

        double seconds = (t1 - t0) / 1e9;
        Map<String, Object> r = header("connect");
        r.put("connections", settings.connections());
        r.put("source_addresses", settings.sourceAddresses().size());
        r.put("max_pending", settings.maxPending());
        r.put("opened", conns.size());
        r.put("open_s", round(seconds));
        r.put("handshakes_per_s", round(conns.size() / seconds));
        latencies(r, "handshake", handshakes);
        r.put("hold_s", round(settings.hold().toNanos() / 1e9));
        r.put("close_s", round((t3 - t2) / 1e9));
        serverFigures(r, s0, s1, "handshakes", conns.size());
        if (held != null) {
            r.put("server_rss_while_holding_bytes", held.rssBytes());
            r.put("server_rss_growth_per_connection_bytes",
                    conns.isEmpty() ? null : round((double) (held.rssBytes() - s0.rssBytes()) / conns.size()));
        }
        errors(r);
        return r;
    }

    /** Opens, then stays silent until told to close; any message from the server is an error. */
    private final class IdleConnection extends LoadConnection {
        IdleConnection(ClientHandshake handshake) {
            super(handshake, ConnectLoad.this.stats, settings.connectTimeout().toNanos());
        }

        @Override
        void onUpgraded() {
        }

        @Override
        void onMessageStart(int opcode) {
            stats.error("unexpected message from the server on an idle connection");
        }

        @Override
        void onPayload(ByteBuffer data, int index, int n, long offset) {
        }

        @Override
        void onMessageEnd(int opcode, long length) {
        }
    }
}
