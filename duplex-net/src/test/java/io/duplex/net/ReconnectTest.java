package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ClientOptions.Reconnect}: the backoff itself, and a client that outlives its server. */
@Timeout(60)
class ReconnectTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup clientGroup = new EventLoopGroup(1, "reconnect-client");
    private final List<WebSocketServer> servers = new ArrayList<>();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final CountDownLatch twoHandshakes = new CountDownLatch(2);

    @AfterEach
    void tearDown() throws Exception {
        for (WebSocketServer s : servers) {
            s.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        }
        clientGroup.shutdown().get(10, TimeUnit.SECONDS);
    }

    private WebSocketServer serve(int port, WsRecorder listener) throws Exception {
        WebSocketServer s = WebSocketServer.builder().port(port).loops(1)
                .endpoint("/ws", Endpoint.of(listener).withHook((req, remote) -> {
                    handshakes.incrementAndGet();
                    twoHandshakes.countDown();
                    return HandshakeHook.accept();
                }))
                .start();
        servers.add(s);
        return s;
    }

    private void stop(WebSocketServer s) throws Exception {
        servers.remove(s);
        s.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
    }

    private WebSocket connect(WebSocketServer s, ClientOptions.Reconnect policy, WsRecorder listener)
            throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + s.port() + "/ws");
        ClientOptions o = ClientOptions.DEFAULTS.withGroup(clientGroup).withReconnect(policy);
        return WebSocketClient.connect(uri, o, listener).get(10, TimeUnit.SECONDS);
    }

    private static ClientOptions.Reconnect policy(long initialMs, long maxMs, int maxAttempts, int maxQueued) {
        return new ClientOptions.Reconnect(Duration.ofMillis(initialMs), Duration.ofMillis(maxMs), 2.0, 0.0,
                maxAttempts, maxQueued);
    }

    /** After the client's loop has stopped no callback can still be pending. */
    private void assertClosedOnce(WsRecorder r) throws Exception {
        clientGroup.shutdown().get(10, TimeUnit.SECONDS);
        assertThat(r.closeCount).hasValue(1);
    }

    // ------------------------------------------------------------------------------------ Reconnect.delay

    @Test
    void delayGrowsExponentiallyUpToTheCap() {
        ClientOptions.Reconnect r = new ClientOptions.Reconnect(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0,
                0.0, 0, 10);
        assertThat(List.of(1, 2, 3, 4, 5, 6, 1000).stream().map(n -> r.delay(n, 0.5).toMillis()))
                .containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L, 1000L);
        // Jitter 0 ignores the random number.
        assertThat(r.delay(2, 0.0)).isEqualTo(r.delay(2, 0.999)).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void jitterStaysWithinItsFractionEitherWayAndUnderTheCap() {
        ClientOptions.Reconnect r = new ClientOptions.Reconnect(Duration.ofMillis(100), Duration.ofSeconds(1), 3.0,
                0.25, 0, 10);
        for (double random = 0; random < 1; random += 0.01) {
            for (int attempt = 1; attempt <= 5; attempt++) {
                double base = Math.min(1000, 100 * Math.pow(3, attempt - 1));
                assertThat(r.delay(attempt, random).toNanos() / 1e6).as("attempt %d, random %.2f", attempt, random)
                        .isBetween(base * 0.75 - 1e-6, Math.min(1000, base * 1.25) + 1e-6);
            }
        }
        assertThat(r.delay(1, 0.0)).isEqualTo(Duration.ofMillis(75));
        assertThat(r.delay(1, 0.5)).isEqualTo(Duration.ofMillis(100));
        // At the cap, jitter can only shorten the delay.
        assertThat(r.delay(9, 0.9999)).isEqualTo(Duration.ofSeconds(1));
        assertThat(r.delay(9, 0.0)).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void invalidPoliciesAreRefused() {
        Duration ms = Duration.ofMillis(1);
        assertThatThrownBy(() -> new ClientOptions.Reconnect(ms.negated(), ms, 2, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientOptions.Reconnect(ms.multipliedBy(2), ms, 2, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientOptions.Reconnect(ms, ms, 0.5, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientOptions.Reconnect(ms, ms, 2, 1.5, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientOptions.Reconnect(ms, ms, 2, 0, -1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientOptions.Reconnect(ms, ms, 2, 0, 0, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ----------------------------------------------------------------------------------------- end to end

    @Test
    void comesBackToARestartedServerAndDeliversHeldMessagesInOrder() throws Exception {
        WsRecorder first = new WebSocketEndToEndTest.EchoRecorder();
        WebSocketServer a = serve(0, first);
        int port = a.port();
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(a, policy(20, 160, 0, 3), c);
        ws.sendText("before");
        assertThat(c.next(WAIT)).isEqualTo("before");

        stop(a);
        // The lost connection and two refused attempts: each wait doubles.
        assertThat(WsRecorder.poll(c.reconnects, WAIT)).isEqualTo("1:20");
        assertThat(WsRecorder.poll(c.reconnects, WAIT)).isEqualTo("2:40");
        assertThat(WsRecorder.poll(c.reconnects, WAIT)).isEqualTo("3:80");
        assertThat(ws.isOpen()).isTrue();
        assertThat(ws.sendText("held-1")).isEqualTo(SendResult.BACKPRESSURE);
        assertThat(ws.sendText("held-2")).isEqualTo(SendResult.BACKPRESSURE);
        assertThat(ws.sendText("held-3")).isEqualTo(SendResult.BACKPRESSURE);
        assertThat(ws.sendText("one-too-many")).isEqualTo(SendResult.DROPPED);

        WsRecorder second = new WebSocketEndToEndTest.EchoRecorder();
        serve(port, second);
        List<String> events = new ArrayList<>();
        for (String e; !(e = WsRecorder.poll(c.reconnects, WAIT)).equals("reconnected"); ) {
            events.add(e);
        }
        // Any attempts that failed while the new server was binding keep doubling, capped at 160 ms.
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i)).isEqualTo((i + 4) + ":" + Math.min(160, 20 << (i + 3)));
        }

        assertThat(second.next(WAIT)).isEqualTo("held-1");
        assertThat(second.next(WAIT)).isEqualTo("held-2");
        assertThat(second.next(WAIT)).isEqualTo("held-3");
        assertThat(ws.sendText("live")).isEqualTo(SendResult.SENT);
        assertThat(second.next(WAIT)).isEqualTo("live");
        for (String expected : List.of("held-1", "held-2", "held-3", "live")) {
            assertThat(c.next(WAIT)).isEqualTo(expected);
        }
        assertThat(c.closeCount).hasValue(0);

        ws.close(1000, "bye");
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1000, "", false, true));
        assertThat(second.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1000, "bye", true, true));
        assertThat(ws.sendText("after close")).isEqualTo(SendResult.CLOSED);
        assertClosedOnce(c);
        assertThat(c.reconnects).isEmpty();
        assertThat(handshakes).hasValue(2);
    }

    @Test
    void givesUpAfterMaxAttemptsAndReportsCloseOnce() throws Exception {
        WebSocketServer a = serve(0, new WebSocketEndToEndTest.EchoRecorder());
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(a, policy(10, 20, 3, 10), c);

        stop(a);

        assertThat(WsRecorder.poll(c.reconnects, WAIT)).isEqualTo("1:10");
        assertThat(WsRecorder.poll(c.reconnects, WAIT)).isEqualTo("2:20");
        assertThat(WsRecorder.poll(c.reconnects, WAIT)).isEqualTo("3:20");
        CloseStatus status = c.closed.get(10, TimeUnit.SECONDS);
        assertThat(status.code()).isEqualTo(1006);
        assertThat(status.clean()).isFalse();
        assertThat(ws.isOpen()).isFalse();
        assertThat(ws.sendText("too late")).isEqualTo(SendResult.CLOSED);
        assertClosedOnce(c);
        assertThat(c.reconnects).isEmpty();
    }

    @Test
    void closeWhileConnectedEndsWithoutReconnecting() throws Exception {
        WsRecorder server = new WebSocketEndToEndTest.EchoRecorder();
        WebSocketServer a = serve(0, server);
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(a, policy(10, 20, 0, 10), c);

        ws.close(4000, "done");

        assertThat(server.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(4000, "done", true, true));
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(4000, "", false, true));
        assertClosedOnce(c);
        assertThat(c.reconnects).isEmpty();
        assertThat(handshakes).hasValue(1);
    }

    @Test
    void closeDuringBackoffStopsReconnecting() throws Exception {
        WsRecorder server = new WebSocketEndToEndTest.EchoRecorder();
        WebSocketServer a = serve(0, server);
        WsRecorder c = new WsRecorder() {
            @Override
            public void onReconnecting(WebSocket ws, int attempt, Duration delay) {
                super.onReconnecting(ws, attempt, delay);
                ws.close(1000, "user gave up");
            }
        };
        connect(a, policy(20, 40, 0, 10), c);

        // The server stays up: without the user's close the client would be back within 20 ms.
        server.opened.get(10, TimeUnit.SECONDS).terminate();

        assertThat(WsRecorder.poll(c.reconnects, WAIT)).isEqualTo("1:20");
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1000, "user gave up", false, false));
        // A bounded wait for something that must not happen: ten times the reconnect delay.
        assertThat(twoHandshakes.await(200, TimeUnit.MILLISECONDS)).as("a second handshake").isFalse();
        assertClosedOnce(c);
    }

    @Test
    void terminateDuringBackoffReportsCloseOnceAndStops() throws Exception {
        WebSocketServer a = serve(0, new WebSocketEndToEndTest.EchoRecorder());
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(a, policy(20, 40, 0, 10), c);

        stop(a);
        assertThat(WsRecorder.poll(c.reconnects, WAIT)).isEqualTo("1:20");
        ws.terminate();

        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1006, "", false, false));
        assertThat(ws.isOpen()).isFalse();
        assertThat(ws.sendText("late")).isEqualTo(SendResult.CLOSED);
        assertClosedOnce(c);
    }
}
