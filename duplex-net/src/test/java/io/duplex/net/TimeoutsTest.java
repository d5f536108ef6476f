package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The timers that end connections: heartbeat, idle timeout, close timeout and graceful shutdown. All run
 * with short settings; a healthy connection on the same loop (with default timers) keeps echoing.
 */
class TimeoutsTest extends WebSocketTestBase {
    private static final Duration PING = Duration.ofMillis(200);
    private static final Duration IDLE = Duration.ofMillis(300);
    private static final Duration CLOSE = Duration.ofMillis(300);

    /** Echoes, and closes with 1000 "bye" when told "bye". */
    private static final class Closing extends Sessions {
        @Override
        public void onText(WebSocket ws, String text) {
            if (text.equals("bye")) {
                ws.close(1000, "bye");
            } else {
                super.onText(ws, text);
            }
        }
    }

    private final Sessions healthySessions = new Sessions();
    private final Closing timed = new Closing();
    private WebSocketServer server;
    private RawPeer healthy;

    @BeforeEach
    void startServer() throws Exception {
        WebSocketOptions d = WebSocketOptions.SERVER_DEFAULTS;
        server = start(WebSocketServer.builder()
                .endpoint("/echo", Endpoint.of(healthySessions))
                .endpoint("/heartbeat", Endpoint.of(timed).withOptions(d.withPingInterval(PING)))
                .endpoint("/idle", Endpoint.of(timed).withOptions(d.withIdleTimeout(IDLE)))
                .endpoint("/close", Endpoint.of(timed).withOptions(d.withCloseTimeout(CLOSE))));
        healthy = open(server, "/echo");
        healthy.assertEchoes("before");
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private void assertHealthyUntouched() throws Exception {
        healthy.assertEchoes("after");
        assertThat(healthySessions.closed).isEmpty();
    }

    @Test
    void aPeerThatNeverAnswersPingsIsTerminatedAfterTheNextInterval() throws Exception {
        RawPeer deaf = open(server, "/heartbeat");
        long start = System.nanoTime();
        WebSocket ws = timed.nextOpen(WAIT);
        assertThat(deaf.readFrame().opcode()).as("ping").isEqualTo(0x9);
        assertThat(deaf.awaitEnd(WAIT)).as("terminated").isTrue();
        Sessions.Closed c = timed.nextClose(WAIT);
        assertThat(millisSince(start)).isBetween(2 * PING.toMillis() - 50, 2 * PING.toMillis() + 1_500);
        assertThat(c.ws()).isSameAs(ws);
        assertThat(c.status().code()).isEqualTo(1006);
        assertThat(c.status().clean()).isFalse();
        assertThat(timed.closeCount(ws)).isEqualTo(1);
        assertHealthyUntouched();
    }

    @Test
    void aPeerThatAnswersPingsStaysOpen() throws Exception {
        RawPeer alive = open(server, "/heartbeat");
        WebSocket ws = timed.nextOpen(WAIT);
        for (int answered = 0; answered < 4; answered++) {
            RawPeer.Frame ping = alive.readFrame();
            assertThat(ping.opcode()).isEqualTo(0x9);
            alive.write(RawPeer.frame(true, 0xA, ping.payload()));
        }
        // Four intervals later it is still open and echoes.
        alive.assertEchoes("still here");
        assertThat(ws.isOpen()).isTrue();
        assertThat(timed.closed).isEmpty();
        assertHealthyUntouched();
    }

    /** A server on /stream that sends as fast as backpressure allows, refilling its queue in every onWritable. */
    private WebSocketServer startStreamer() throws Exception {
        byte[] chunk = new byte[64 * 1024];
        WebSocketListener streamer = new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws) {
                onWritable(ws);
            }

            @Override
            public void onWritable(WebSocket ws) {
                while (ws.sendBinary(chunk) == SendResult.SENT) {
                    // fill up to the high watermark
                }
            }

            @Override
            public void onClose(WebSocket ws, CloseStatus status) {
                timed.onClose(ws, status);
            }
        };
        return start(WebSocketServer.builder().endpoint("/stream", Endpoint.of(streamer)
                .withOptions(WebSocketOptions.SERVER_DEFAULTS.withPingInterval(PING))));
    }

    @Test
    void aPeerThatReadsAStreamAndAnswersPingsStaysOpenWhileWeAreAboveTheHighWatermark() throws Exception {
        // The server streams as fast as backpressure allows, refilling its queue in every onWritable. The peer
        // reads everything and answers every ping: it is healthy and must not be taken for dead.
        WebSocketServer s = startStreamer();
        RawPeer reader = track(RawPeer.open(s.port(), "/stream"));
        int pings = 0;
        long bytes = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pings < 4) {
            assertThat(System.nanoTime()).as("4 pings within 10 s").isLessThan(deadline);
            RawPeer.Frame f = reader.readFrame();
            assertThat(f.opcode()).as("no close while healthy").isNotEqualTo(0x8);
            if (f.opcode() == 0x9) {
                reader.write(RawPeer.frame(true, 0xA, f.payload()));
                pings++;
            } else {
                bytes += f.payload().length;
            }
        }
        assertThat(bytes).isGreaterThan(4L * 64 * 1024);
        assertThat(timed.closed).isEmpty();
    }

    @Test
    void aPeerThatStopsReadingAndNeverAnswersIsTerminatedThoughOurQueueIsFull() throws Exception {
        // A full queue is no excuse by itself: the socket takes nothing and nothing arrives, so the peer is dead
        // (or as good as) and is terminated a few intervals after it stopped.
        WebSocketServer s = startStreamer();
        track(RawPeer.open(s.port(), "/stream", 16 * 1024));
        long start = System.nanoTime();
        Sessions.Closed c = timed.nextClose(WAIT);
        assertThat(c.status().code()).isEqualTo(1006);
        assertThat(millisSince(start)).isBetween(2 * PING.toMillis() - 50, 6 * PING.toMillis() + 1_500);
    }

    @Test
    void idleConnectionIsClosedWith1001IdleTimeout() throws Exception {
        RawPeer idle = open(server, "/idle");
        long start = System.nanoTime();
        WebSocket ws = timed.nextOpen(WAIT);
        RawPeer.Frame close = idle.readUntilClose();
        assertThat(millisSince(start)).isBetween(IDLE.toMillis() - 50, IDLE.toMillis() + 1_500);
        assertThat(close.closeCode()).isEqualTo(1001);
        assertThat(close.closeReason()).isEqualTo("idle timeout");
        idle.sendClose(1001);
        assertThat(idle.awaitEnd(WAIT)).isTrue();
        Sessions.Closed c = timed.nextClose(WAIT);
        assertThat(c.ws()).isSameAs(ws);
        assertThat(c.status()).isEqualTo(new CloseStatus(1001, "", false, true));
        assertHealthyUntouched();
    }

    @Test
    void aPeerThatNeverAnswersOurCloseIsDroppedAfterTheCloseTimeout() throws Exception {
        RawPeer mute = open(server, "/close");
        WebSocket ws = timed.nextOpen(WAIT);
        mute.sendText("bye");
        RawPeer.Frame close = mute.readUntilClose();
        long start = System.nanoTime();
        assertThat(close.closeCode()).isEqualTo(1000);
        assertThat(close.closeReason()).isEqualTo("bye");
        assertThat(mute.awaitEnd(WAIT)).as("dropped").isTrue();
        assertThat(millisSince(start)).isBetween(CLOSE.toMillis() - 50, CLOSE.toMillis() + 1_500);
        Sessions.Closed c = timed.nextClose(WAIT);
        assertThat(c.ws()).isSameAs(ws);
        assertThat(c.status().code()).isEqualTo(1006);
        assertThat(c.status().remote()).isFalse();
        assertThat(timed.closeCount(ws)).isEqualTo(1);
        assertHealthyUntouched();
    }

    @Test
    void gracefulShutdownSends1001ToAllAndTerminatesWhoIgnoresItAtTheDeadline() throws Exception {
        Sessions sessions = new Sessions();
        WebSocketServer own = WebSocketServer.builder().host("127.0.0.1").port(0).loops(2)
                .endpoint("/echo", Endpoint.of(sessions)).http("/hang", ex -> { }).start();
        RawPeer polite = track(RawPeer.open(own.port(), "/echo"));
        RawPeer ignorer = track(RawPeer.open(own.port(), "/echo"));
        RawPeer httpIdle = track(RawPeer.connect(own.port()));
        RawPeer httpHanging = track(RawPeer.connect(own.port()));
        httpHanging.write("GET /hang HTTP/1.1\r\nHost: h\r\n\r\n");
        WebSocket politeWs = sessions.nextOpen(WAIT);
        WebSocket ignorerWs = sessions.nextOpen(WAIT);
        assertEventually(WAIT, () -> own.connectionCount() == 4, "four connections");

        Duration deadline = Duration.ofMillis(500);
        long start = System.nanoTime();
        CompletableFuture<Void> done = own.shutdown(deadline);

        assertThat(polite.readUntilClose().closeCode()).isEqualTo(1001);
        polite.sendClose(1001);
        assertThat(polite.awaitEnd(WAIT)).isTrue();
        assertThat(httpIdle.awaitEnd(WAIT)).as("idle HTTP connection closed").isTrue();
        assertThat(ignorer.readUntilClose().closeCode()).isEqualTo(1001);
        assertThat(ignorer.awaitEnd(WAIT)).as("ignorer terminated").isTrue();
        assertThat(httpHanging.awaitEnd(WAIT)).as("unanswered HTTP request terminated").isTrue();
        assertThat(millisSince(start)).isGreaterThanOrEqualTo(deadline.toMillis() - 50);
        done.get(5, TimeUnit.SECONDS);
        assertThat(millisSince(start)).isLessThan(deadline.toMillis() + 3_000);

        assertThat(own.connectionCount()).isZero();
        assertThat(sessions.closesBy.get(politeWs)).containsExactly(new CloseStatus(1001, "", false, true));
        assertThat(sessions.closesBy.get(ignorerWs)).singleElement()
                .satisfies(s -> assertThat(s.code()).isEqualTo(1006));
    }
}
