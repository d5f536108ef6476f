package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * Shared set-up for bad-input tests: one-loop servers (so a bad connection shares its loop with the healthy
 * one it must not disturb), a healthy echo connection on {@code /echo}, and bounded waits.
 */
@Timeout(60)
abstract class WebSocketTestBase {
    static final Duration WAIT = Duration.ofSeconds(5);

    final List<WebSocketServer> servers = new ArrayList<>();
    final List<AutoCloseable> peers = new ArrayList<>();

    @AfterEach
    void tearDownServers() throws Exception {
        for (AutoCloseable p : peers) {
            try {
                p.close();
            } catch (Exception ignored) {
                // already gone
            }
        }
        for (WebSocketServer s : servers) {
            s.shutdown(Duration.ofMillis(100)).get(10, TimeUnit.SECONDS);
        }
    }

    WebSocketServer start(WebSocketServer.Builder b) throws IOException {
        WebSocketServer s = b.host("127.0.0.1").port(0).loops(1).start();
        servers.add(s);
        return s;
    }

    RawPeer open(WebSocketServer s, String path) throws IOException {
        return track(RawPeer.open(s.port(), path));
    }

    RawPeer connect(WebSocketServer s) throws IOException {
        return track(RawPeer.connect(s.port()));
    }

    RawPeer track(RawPeer p) {
        peers.add(p);
        return p;
    }

    /** Polls {@code condition} until it holds or {@code within} passes. */
    static boolean eventually(Duration within, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            if (condition.call()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
            Thread.sleep(5);
        }
    }

    static void assertEventually(Duration within, Callable<Boolean> condition, String what) throws Exception {
        assertThat(eventually(within, condition)).as(what).isTrue();
    }
}
