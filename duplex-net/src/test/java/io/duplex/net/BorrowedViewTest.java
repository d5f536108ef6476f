package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Echoing a received message as it is (a read-only view of the loop's read buffer or of a pooled message
 * buffer) must stay correct when the
 * socket cannot take the echo at once: the queued rest is copied before the read buffer is reused. A raw peer
 * with a small receive buffer sends 20 MB of distinct binary messages while not reading, then reads every echo
 * and checks each byte, answering the server's heartbeat pings as it goes.
 *
 * <p>It is also the test for the stall under two-way backpressure: both directions sit at a zero window for
 * most of the run, and the reader fails if the echoes ever stop for more than a second or a run takes more than
 * {@link #MAX_RUN_NANOS}. The server pings every {@link #HEARTBEAT}, so that pings are queued behind megabytes of
 * echoes: the heartbeat must not take this slow but living peer for dead. Each run waits for a ping after its last
 * echo, so a server that stopped pinging fails it.
 *
 * <p>The peer's receive buffer is 64 KiB, set before connecting. With a much smaller one (16 KiB, no window
 * scaling, a window below the loopback segment size) and {@code TCP_NODELAY}, Linux 6.18 sometimes sends to it only
 * from its persist timer, a few kilobytes per 200 ms, whatever the server: the same happens with a plain blocking
 * echo server ({@code duplex-bench/stall/kernel-stall.py}; docs/operations.md, "Both directions at a zero window").
 * {@code -Dduplex.stress.rcvbuf=16384} or {@code -Dduplex.stress.shrinkAfterConnect=true} reproduce it, and the
 * test then fails, as it should.
 */
class BorrowedViewTest {
    /** Longest acceptable gap between two echoes once the reader has started. */
    static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Longest acceptable run: one takes 0.1-0.3 s here, a kernel persist-timer crawl minutes. */
    static final long MAX_RUN_NANOS = TimeUnit.SECONDS.toNanos(15);
    /** The server's ping interval: short, so that every run has pings queued behind its echoes. */
    static final Duration HEARTBEAT = Duration.ofMillis(Long.getLong("duplex.stress.pingMillis", 250));
    /** The peer's SO_RCVBUF, set before connecting unless -Dduplex.stress.shrinkAfterConnect=true. */
    static final int RCVBUF = Integer.getInteger("duplex.stress.rcvbuf", 64 * 1024);

    private WebSocketServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1)).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void echoedViewsSurviveAFullSocket() throws Exception {
        server = startEchoServer(HEARTBEAT);
        Run run = echoRun(server, 20_000, 1000);
        assertThat(run.maxPauseNanos()).as("longest pause between echoes, ns").isLessThan(MAX_PAUSE_NANOS);
        assertThat(run.nanos()).as("run time, ns").isLessThan(MAX_RUN_NANOS);
    }

    /**
     * Messages of 1 MiB arrive in many reads and are reassembled in the loop's pooled direct buffers; echoed as
     * they are, their views stay queued behind the full socket. A pooled buffer must not be lent to the next
     * message before its queued view was written or copied.
     */
    @Test
    void echoedPooledMessagesSurviveAFullSocket() throws Exception {
        server = startEchoServer(HEARTBEAT);
        echoRun(server, 24, 1 << 20);
        long[] pool = server.group().loops().get(0).submit(() -> {
            MessageBufferPool p = server.group().loops().get(0).messageBuffers();
            return new long[] {p.allocatedBytes(), p.directBytes()};
        }).get(5, TimeUnit.SECONDS);
        assertThat(pool[0]).as("bytes allocated by the pool").isPositive();
        assertThat(pool[1]).as("direct bytes held by the pool").isLessThanOrEqualTo(MessageBufferPool.DEFAULT_MAX_BYTES);
    }

    /**
     * The stress form: many runs in a row on one server, each on a new connection. Any pause over a second in any
     * run fails, with the state of both ends.
     */
    @Test
    void manyRunsInARowNeverPause() throws Exception {
        server = startEchoServer(HEARTBEAT);
        int runs = Integer.getInteger("duplex.stress.runs", 10);
        long worstPause = 0;
        long slowest = 0;
        int pings = 0;
        for (int r = 0; r < runs; r++) {
            Run run = echoRun(server, 20_000, 1000);
            assertThat(run.maxPauseNanos()).as("run %d: longest pause between echoes, ns", r).isLessThan(MAX_PAUSE_NANOS);
            assertThat(run.nanos()).as("run %d: run time, ns", r).isLessThan(MAX_RUN_NANOS);
            worstPause = Math.max(worstPause, run.maxPauseNanos());
            slowest = Math.max(slowest, run.nanos());
            pings += run.pings();
        }
        System.out.printf("BorrowedViewTest: %d runs of 20 MB each way, slowest %.2f s, longest pause between echoes "
                + "%.1f ms, %d pings answered%n", runs, slowest / 1e9, worstPause / 1e6, pings);
    }

    /** One run: the longest gap between echoes, the whole run's time, and the pings the peer answered. */
    record Run(long maxPauseNanos, long nanos, int pings) {
    }

    /** Counts down once per connection whose echoes queue up behind a full socket: the case these tests need. */
    static final class BackedUp {
        volatile CountDownLatch latch = new CountDownLatch(1);
        volatile WebSocket last;
        volatile Throwable error;
        volatile CloseStatus closed;
    }

    /** The echo server of these tests: one loop, views echoed as they are, heartbeat {@code ping}. */
    static WebSocketServer startEchoServer(Duration ping) throws IOException {
        BackedUp backedUp = new BackedUp();
        WebSocketListener echoView = new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws) {
                ws.attach(backedUp);
                backedUp.last = ws;
            }

            @Override
            public void onError(WebSocket ws, Throwable t) {
                ((BackedUp) ws.attachment()).error = t;
            }

            @Override
            public void onClose(WebSocket ws, CloseStatus status) {
                ((BackedUp) ws.attachment()).closed = status;
            }

            @Override
            public void onBinary(WebSocket ws, ByteBuffer data) {
                ws.sendBinary(data);
                if (ws.bufferedAmount() > 32 * 1024) {
                    ((BackedUp) ws.attachment()).latch.countDown();
                }
            }
        };
        WebSocketServer s = WebSocketServer.builder().port(0).loops(1)
                .defaultEndpoint(Endpoint.of(echoView).withDeflate(null)
                        .withOptions(WebSocketOptions.SERVER_DEFAULTS.withPingInterval(ping)
                                .withMaxBackpressure(256L << 20, WebSocketOptions.SlowConsumerPolicy.CLOSE)))
                .start();
        SERVERS.put(s, backedUp);
        return s;
    }

    private static final java.util.Map<WebSocketServer, BackedUp> SERVERS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /**
     * Sends {@code messages} binary messages of {@code size} bytes from one thread without reading, reads and
     * checks every echo on another once the server is backed up, and answers pings, at least one per run. Returns
     * the longest gap between two consecutive reads that made progress, the time from connecting to the last echo,
     * and the pings answered.
     */
    static Run echoRun(WebSocketServer server, int messages, int size) throws Exception {
        BackedUp backedUp = SERVERS.get(server);
        backedUp.latch = new CountDownLatch(1);
        long start = System.nanoTime();
        int pings = 0;
        try (Socket s = new Socket()) {
            if (!Boolean.getBoolean("duplex.stress.shrinkAfterConnect")) {
                s.setReceiveBufferSize(RCVBUF);
            }
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5_000);
            if (Boolean.getBoolean("duplex.stress.shrinkAfterConnect")) {
                s.setReceiveBufferSize(RCVBUF);
            }
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            DataInputStream din = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
            int matched = 0;
            while (matched < 4) {
                int b = din.read();
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : 0;
            }
            // Pongs go out from the writer, between frames and after the last one until the reader is done: the
            // reader must never block on a full socket (as a non-blocking client never does), or it would stop
            // reading while the server waits for it to read: a peer stuck like that is rightly taken for dead.
            java.util.concurrent.BlockingQueue<byte[]> pongs = new java.util.concurrent.LinkedBlockingQueue<>();
            java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                try {
                    // Mask key 0: the payload goes out as written.
                    int header = size < 65536 ? 8 : 14;
                    ByteBuffer frame = ByteBuffer.allocate(header + size).put((byte) 0x82);
                    if (size < 65536) {
                        frame.put((byte) (0x80 | 126)).putShort((short) size);
                    } else {
                        frame.put((byte) (0x80 | 127)).putLong(size);
                    }
                    for (int i = 0; i < messages; i++) {
                        for (int k = 0; k < size; k++) {
                            frame.put(header + k, (byte) (i * 31 + k));
                        }
                        sendPongs(pongs, out);
                        out.write(frame.array());
                    }
                    while (reading.get()) {
                        byte[] pong = pongs.poll(20, TimeUnit.MILLISECONDS);
                        if (pong != null) {
                            out.write(pong);
                        }
                    }
                } catch (IOException e) {
                    // The reader reports what went wrong.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    // The reader reports what went wrong.
                }
            }, "borrowed-view-writer");
            writer.setDaemon(true);
            writer.start();
            assertThat(backedUp.latch.await(20, TimeUnit.SECONDS)).as("echoes queued behind a full socket").isTrue();
            long maxPause = 0;
            long last = System.nanoTime();
            // A watchdog keeps the state of both sockets from the first moment the echoes stop for 150 ms (a kernel persist
            // timer leaves gaps of 200 ms or more; a healthy run, 10-20 ms at most), while the
            // connection still exists, for the failure message.
            java.util.concurrent.atomic.AtomicLong progress = new java.util.concurrent.atomic.AtomicLong(last);
            java.util.concurrent.atomic.AtomicReference<String> stuck = new java.util.concurrent.atomic.AtomicReference<>();
            Thread watchdog = new Thread(() -> {
                while (reading.get()) {
                    if (System.nanoTime() - progress.get() > TimeUnit.MILLISECONDS.toNanos(150) && stuck.get() == null) {
                        stuck.set(describe(backedUp.last, server.port()));
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "borrowed-view-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            for (int i = 0; i < messages; ) {
                int opcode;
                try {
                    opcode = readFrame(din, i, size, pongs);
                } catch (IOException | AssertionError e) {
                    throw new AssertionError("failed at echo " + i + " of " + messages + "; writer alive="
                            + writer.isAlive() + "; server error: " + backedUp.error + "; server close: " + backedUp.closed + "\n"
                            + describe(backedUp.last, server.port()) + "\nwhen the echoes first stopped for 150 ms: "
                            + stuck.get(), e);
                }
                long now = System.nanoTime();
                progress.set(now);
                maxPause = Math.max(maxPause, now - last);
                last = now;
                if (opcode == 0x2) {
                    i++;
                } else {
                    pings++;
                }
            }
            long nanos = System.nanoTime() - start;
            // Every run answers at least one ping: a short run may end before the first, so read on until it comes
            // (the server pings every HEARTBEAT; without pings the read times out and the run fails).
            while (pings == 0) {
                try {
                    if (readFrame(din, messages, size, pongs) == 0x9) {
                        pings++;
                    } else {
                        throw new AssertionError("an echo after the last one");
                    }
                } catch (IOException e) {
                    throw new AssertionError("no ping from the server within the read timeout after the last echo; "
                            + "server error: " + backedUp.error + "; server close: " + backedUp.closed, e);
                }
            }
            reading.set(false);
            writer.join(5_000);
            return new Run(maxPause, nanos, pings);
        }
    }

    /** The server side of the connection and both sockets as the kernel sees them. */
    static String describe(WebSocket ws, int port) {
        String state;
        try {
            WebSocketSession ss = (WebSocketSession) ws;
            state = ss.connection().loop().submit(ss::describe).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            state = "unavailable: " + e;
        }
        String sockets;
        try {
            sockets = new String(new ProcessBuilder("ss", "-tnmoi", "sport = :" + port + " or dport = :" + port)
                    .redirectErrorStream(true).start().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            sockets = "ss failed: " + e;
        }
        return "server side: " + state + "\n" + sockets;
    }

    private static void sendPongs(java.util.Queue<byte[]> pongs, OutputStream out) throws IOException {
        byte[] pong;
        while ((pong = pongs.poll()) != null) {
            out.write(pong);
        }
    }

    /** Reads one frame: an echo (checked) or a ping (its pong queued). Returns its opcode. */
    private static int readFrame(DataInputStream din, int i, int size, java.util.Queue<byte[]> pongs)
            throws IOException {
        int b0 = din.readUnsignedByte();
        int len = din.readUnsignedByte();
        if (b0 == 0x89) {
            byte[] payload = new byte[len];
            din.readFully(payload);
            byte[] pong = new byte[6 + len];
            pong[0] = (byte) 0x8A;
            pong[1] = (byte) (0x80 | len);
            System.arraycopy(payload, 0, pong, 6, len);
            pongs.add(pong);
            return 0x9;
        }
        assertThat(b0).as("first byte of echo %d", i).isEqualTo(0x82);
        if (size < 65536) {
            assertThat(len).isEqualTo(126);
            assertThat(din.readUnsignedShort()).isEqualTo(size);
        } else {
            assertThat(len).isEqualTo(127);
            assertThat(din.readLong()).isEqualTo(size);
        }
        byte[] payload = new byte[size];
        din.readFully(payload);
        for (int k = 0; k < size; k++) {
            if (payload[k] != (byte) (i * 31 + k)) {
                throw new AssertionError("echo " + i + " corrupted at byte " + k);
            }
        }
        return 0x2;
    }
}
