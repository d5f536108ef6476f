package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that sends but never reads: our queue stays bounded, reading from it pauses above the high
 * watermark, sends report BACKPRESSURE and then the slow-consumer policy, and onWritable fires once the peer
 * reads again. A healthy connection on the same loop keeps echoing throughout.
 */
class FlowControlTest extends WebSocketTestBase {
    private static final int HIGH = 64 * 1024;
    private static final int LOW = 16 * 1024;
    private static final long MAX_BACKPRESSURE = 1 << 20;
    private static final int CHUNK = 64 * 1024;
    private static final int PEER_RCVBUF = 64 * 1024;

    /** Echoes, and records what every send on these endpoints reported and how full the queue got. */
    private final class Recording extends Sessions {
        final Set<SendResult> results = ConcurrentHashMap.newKeySet();
        final AtomicLong maxBuffered = new AtomicLong();
        final AtomicInteger received = new AtomicInteger();
        final AtomicInteger writable = new AtomicInteger();

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            received.incrementAndGet();
            record(ws, ws.sendBinary(ByteBuffer.allocate(data.remaining()).put(data).flip()));
        }

        void record(WebSocket ws, SendResult r) {
            results.add(r);
            maxBuffered.accumulateAndGet(ws.bufferedAmount(), Math::max);
        }

        @Override
        public void onWritable(WebSocket ws) {
            writable.incrementAndGet();
        }
    }

    private final Sessions healthySessions = new Sessions();
    private final Recording flow = new Recording();
    private WebSocketServer server;
    private RawPeer healthy;

    private static WebSocketOptions options(WebSocketOptions.SlowConsumerPolicy policy) {
        return WebSocketOptions.SERVER_DEFAULTS.withWatermarks(HIGH, LOW).withMaxBackpressure(MAX_BACKPRESSURE, policy);
    }

    @BeforeEach
    void startServer() throws Exception {
        server = start(WebSocketServer.builder()
                .endpoint("/echo", Endpoint.of(healthySessions).withOptions(options(WebSocketOptions.SlowConsumerPolicy.CLOSE)))
                .endpoint("/drop", Endpoint.of(flow).withOptions(options(WebSocketOptions.SlowConsumerPolicy.DROP)))
                .endpoint("/close", Endpoint.of(flow).withOptions(options(WebSocketOptions.SlowConsumerPolicy.CLOSE))));
        healthy = open(server, "/echo");
        healthy.assertEchoes("before");
    }

    private static Connection connectionOf(WebSocket ws) {
        return ((WebSocketSession) ws).connection();
    }

    /**
     * On the loop, sends {@code CHUNK}-byte messages until one is refused, recording each result; returns the
     * bytes accepted. The queue is flushed to the kernel after each round, so rounds accept less and less as
     * the peer's window closes.
     */
    private long fillRound(WebSocket ws, ByteBuffer chunk) throws Exception {
        return connectionOf(ws).loop().submit(() -> {
            long accepted = 0;
            for (int i = 0; i < 1000; i++) {
                SendResult r = ws.sendBinary(chunk.duplicate());
                flow.record(ws, r);
                if (r != SendResult.SENT && r != SendResult.BACKPRESSURE) {
                    break;
                }
                accepted += CHUNK;
            }
            return accepted;
        }).get(5, TimeUnit.SECONDS);
    }

    /** Fills until the kernel takes nothing more: the peer has stopped reading for good. Returns total bytes. */
    private long fillUntilStalled(WebSocket ws) throws Exception {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).asReadOnlyBuffer();
        long total = 0;
        for (int round = 0; round < 500; round++) {
            long accepted = fillRound(ws, chunk);
            total += accepted;
            if (accepted == 0 || !ws.isOpen()) {
                return total;
            }
        }
        throw new AssertionError("the queue never stalled after " + total + " bytes");
    }

    /** Reads binary frames until {@code bytes} payload bytes arrived. */
    private static void drain(RawPeer peer, long bytes) throws Exception {
        long got = 0;
        while (got < bytes) {
            RawPeer.Frame f = peer.readFrame();
            assertThat(f.opcode()).isEqualTo(0x2);
            got += f.payload().length;
        }
    }

    @Test
    void dropPolicyRefusesWithDroppedKeepsTheConnectionAndSignalsWritableWhenThePeerReadsAgain() throws Exception {
        RawPeer slow = track(RawPeer.open(server.port(), "/drop", PEER_RCVBUF));
        WebSocket ws = flow.nextOpen(WAIT);
        long total = fillUntilStalled(ws);

        assertThat(flow.results).contains(SendResult.BACKPRESSURE, SendResult.DROPPED);
        assertThat(flow.maxBuffered.get()).isLessThanOrEqualTo(MAX_BACKPRESSURE + CHUNK);
        assertThat(ws.isOpen()).isTrue();
        assertThat(ws.bufferedAmount()).isGreaterThan(HIGH);
        healthy.assertEchoes("while stalled");

        int writableBefore = flow.writable.get();
        drain(slow, total);
        assertEventually(WAIT, () -> flow.writable.get() > writableBefore, "onWritable after the peer read again");
        assertThat(ws.bufferedAmount()).isLessThanOrEqualTo(LOW);
        assertThat(ws.isOpen()).isTrue();
        assertThat(flow.closed).isEmpty();
        healthy.assertEchoes("after");
    }

    @Test
    void aStalledSlowConsumerThatResetsIsClosedOnceAndReleasesItsQueue() throws Exception {
        RawPeer slow = track(RawPeer.open(server.port(), "/drop", PEER_RCVBUF));
        WebSocket ws = flow.nextOpen(WAIT);
        fillUntilStalled(ws);
        assertThat(ws.bufferedAmount()).isGreaterThan(HIGH);
        slow.reset();
        Sessions.Closed c = flow.nextClose(WAIT);
        assertThat(c.ws()).isSameAs(ws);
        assertThat(c.status().code()).isEqualTo(1006);
        assertThat(c.status().remote()).isTrue();
        assertThat(ws.bufferedAmount()).isZero();
        assertThat(ws.sendText("late")).isEqualTo(SendResult.CLOSED);
        healthy.assertEchoes("after");
        assertThat(flow.closeCount(ws)).isEqualTo(1);
    }

    @Test
    void closePolicyClosesTheSlowConsumerWith1008() throws Exception {
        RawPeer slow = track(RawPeer.open(server.port(), "/close", PEER_RCVBUF));
        WebSocket ws = flow.nextOpen(WAIT);
        fillUntilStalled(ws);

        assertThat(flow.results).contains(SendResult.BACKPRESSURE, SendResult.DROPPED);
        assertThat(flow.maxBuffered.get()).isLessThanOrEqualTo(MAX_BACKPRESSURE + CHUNK);
        assertThat(ws.isOpen()).isFalse();
        RawPeer.Frame close = slow.readUntilClose();
        assertThat(close.closeCode()).isEqualTo(1008);
        slow.sendClose(1008);
        assertThat(slow.awaitEnd(WAIT)).isTrue();
        Sessions.Closed c = flow.nextClose(WAIT);
        assertThat(c.status().code()).isEqualTo(1008);
        assertThat(c.status().remote()).isFalse();
        assertThat(flow.closeCount(ws)).isEqualTo(1);
        healthy.assertEchoes("after");
    }

    @Test
    void aPeerThatSendsButNeverReadsIsPausedAndOurQueueStaysBounded() throws Exception {
        RawPeer slow = track(RawPeer.open(server.port(), "/drop", PEER_RCVBUF));
        WebSocket ws = flow.nextOpen(WAIT);
        int messages = 4000;
        int size = 16 * 1024;
        byte[] frame = RawPeer.frame(true, 0x2, new byte[size]);
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < messages; i++) {
                    slow.write(frame);
                    written.incrementAndGet();
                }
            } catch (Exception e) {
                // closed by the test's teardown
            }
        }, "never-reading-writer");
        writer.setDaemon(true);
        writer.start();

        // Wait (bounded) until the writer is blocked: TCP flow control has reached it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int last = -1;
        while (written.get() != last) {
            assertThat(System.nanoTime()).as("writer never blocked").isLessThan(deadline);
            last = written.get();
            writer.join(300);
        }
        assertThat(writer.isAlive()).as("writer blocked").isTrue();
        boolean paused = connectionOf(ws).loop().submit(() -> connectionOf(ws).isReadingPaused()).get(5, TimeUnit.SECONDS);
        assertThat(paused).as("reading paused above the high watermark").isTrue();
        int receivedWhileStalled = flow.received.get();
        assertThat(receivedWhileStalled).isLessThan(messages / 2);
        assertThat(flow.maxBuffered.get()).isLessThanOrEqualTo(MAX_BACKPRESSURE + size);
        assertThat(flow.results).contains(SendResult.BACKPRESSURE).doesNotContain(SendResult.DROPPED);
        healthy.assertEchoes("while stalled");

        // The peer reads again: everything it sent is echoed, nothing was dropped.
        drain(slow, (long) messages * size);
        writer.join(5_000);
        assertThat(flow.received.get()).isEqualTo(messages);
        assertThat(flow.results).doesNotContain(SendResult.DROPPED, SendResult.CLOSED);
        assertThat(flow.maxBuffered.get()).isLessThanOrEqualTo(MAX_BACKPRESSURE + size);
        assertThat(ws.isOpen()).isTrue();
        healthy.assertEchoes("after");
    }

    @Test
    void eachEndpointGetsItsOwnWatermarks() throws Exception {
        // Sends 8 KiB from inside a callback (queued, not yet written) and reports what the send returned.
        WebSocketListener reporter = new WebSocketListener() {
            @Override
            public void onText(WebSocket ws, String text) {
                SendResult r = ws.sendBinary(new byte[8 * 1024]);
                ws.sendText(r.name());
            }
        };
        WebSocketServer s = start(WebSocketServer.builder()
                .endpoint("/small", Endpoint.of(reporter).withOptions(
                        WebSocketOptions.SERVER_DEFAULTS.withWatermarks(4 * 1024, 1024)))
                .endpoint("/big", Endpoint.of(reporter).withOptions(
                        WebSocketOptions.SERVER_DEFAULTS.withWatermarks(1 << 20, 1 << 19))));
        assertThat(sendResultOn(s, "/small")).isEqualTo("BACKPRESSURE");
        assertThat(sendResultOn(s, "/big")).isEqualTo("SENT");
    }

    private String sendResultOn(WebSocketServer s, String path) throws Exception {
        RawPeer p = track(RawPeer.open(s.port(), path));
        p.sendText("go");
        assertThat(p.readFrame().payload()).hasSize(8 * 1024);
        return p.readFrame().text();
    }
}
