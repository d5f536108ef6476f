package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ConnectionTest extends LoopbackTest {

    private TcpServer serve(Supplier<? extends ConnectionHandler> handlers) throws IOException {
        return serve(group, handlers);
    }

    private TcpServer serve(EventLoopGroup g, Supplier<? extends ConnectionHandler> handlers) throws IOException {
        return serve(g, ConnectionOptions.DEFAULTS, null, handlers);
    }

    private static Socket dial(TcpServer server) throws IOException {
        Socket s = new Socket();
        s.connect(server.localAddress(), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static Connection opened(Recorder r) throws Exception {
        return r.opened.get(10, TimeUnit.SECONDS);
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertThat(b).hasSize(n);
        return b;
    }

    private static <T> T onLoop(Connection c, java.util.concurrent.Callable<T> task) throws Exception {
        return c.loop().submit(task).get(5, TimeUnit.SECONDS);
    }

    /** One extra trip through the loop, so that anything already triggered has happened. */
    private static void roundTrip(EventLoop loop) throws Exception {
        loop.submit(() -> null).get(10, TimeUnit.SECONDS);
    }

    // ---- data path ----

    @Test
    void echoesManySmallWritesWithOneGatheringWritePerRead() throws Exception {
        EventLoopGroup single = new EventLoopGroup(1, "cork");
        try {
            AtomicInteger reads = new AtomicInteger();
            TcpServer server = serve(single, () -> new EchoHandler(32) {
                @Override
                public void onRead(Connection c, ByteBuffer data) {
                    reads.incrementAndGet();
                    super.onRead(c, data);
                }
            });
            byte[] payload = random(200_000, 1);
            try (Socket s = dial(server)) {
                CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                    try {
                        return readFully(s.getInputStream(), payload.length);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                OutputStream out = s.getOutputStream();
                Random r = new Random(2);
                for (int off = 0; off < payload.length; ) {
                    int n = Math.min(1 + r.nextInt(300), payload.length - off);
                    out.write(payload, off, n);
                    off += n;
                }
                assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo(payload);
            }
            EventLoop loop = single.loops().get(0);
            long writeCalls = loop.submit(loop::writeCalls).get(5, TimeUnit.SECONDS);
            // Up to 32 write() calls per read, yet one gathering write per read dispatch.
            assertThat(writeCalls).isEqualTo(reads.get());
        } finally {
            single.shutdown().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void writesOfOneTaskLeaveInOneGatheringWrite() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(() -> serverSide);
        try (Socket s = dial(server)) {
            Connection c = opened(serverSide);
            long calls = c.loop().submit(() -> {
                long before = c.loop().writeCalls();
                for (int i = 0; i < 50; i++) {
                    c.write(ByteBuffer.wrap(new byte[] {(byte) i}));
                }
                assertThat(c.bufferedAmount()).isEqualTo(50);
                return before;
            }).get(5, TimeUnit.SECONDS);
            byte[] got = readFully(s.getInputStream(), 50);
            for (int i = 0; i < 50; i++) {
                assertThat(got[i]).isEqualTo((byte) i);
            }
            assertThat(onLoop(c, () -> c.loop().writeCalls() - calls)).isEqualTo(1);
            assertThat(onLoop(c, c::bufferedAmount)).isZero();
        }
    }

    @Test
    void headerAndPayloadAreWrittenInOrderWithoutCopy() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(() -> serverSide);
        try (Socket s = dial(server)) {
            Connection c = opened(serverSide);
            ByteBuffer shared = ByteBuffer.wrap("payload".getBytes()).asReadOnlyBuffer();
            c.execute(() -> {
                c.write(ByteBuffer.wrap(new byte[] {1, 2}), shared.duplicate());
                c.write(ByteBuffer.wrap(new byte[] {3}), shared.duplicate());
            });
            assertThat(new String(readFully(s.getInputStream(), 17), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .isEqualTo("\u0001\u0002payload\u0003payload");
        }
    }

    @Test
    void transfers16MiBBothWaysThroughAnEchoServer() throws Exception {
        int total = 16 * 1024 * 1024;
        byte[] payload = random(total, 3);
        TcpServer server = serve(() -> new EchoHandler(1));
        Sender client = new Sender(payload, 64 * 1024);
        TcpClient.connect(group.next(), server.localAddress(), () -> client, WAIT).get(10, TimeUnit.SECONDS);
        byte[] echoed = client.awaitBytes(total, Duration.ofSeconds(30));
        assertThat(echoed.length).isEqualTo(total);
        assertThat(echoed).isEqualTo(payload);
    }

    /** Sends a payload in chunks as fast as the watermarks allow. */
    static class Sender extends Recorder {
        private final byte[] payload;
        private final int chunk;
        private int offset;

        Sender(byte[] payload, int chunk) {
            this.payload = payload;
            this.chunk = chunk;
        }

        @Override
        public void onOpen(Connection c) {
            super.onOpen(c);
            pump(c);
        }

        @Override
        public void onWritable(Connection c) {
            super.onWritable(c);
            pump(c);
        }

        private void pump(Connection c) {
            while (offset < payload.length && c.isWritable()) {
                int n = Math.min(chunk, payload.length - offset);
                c.write(ByteBuffer.wrap(payload, offset, n).slice());
                offset += n;
            }
        }
    }

    // ---- flow control ----

    @Test
    void peerThatDoesNotReadMakesTheConnectionUnwritableUntilItDrains() throws Exception {
        int chunk = 1024 * 1024;
        int chunks = 32;
        ByteBuffer data = ByteBuffer.wrap(random(chunk, 4)).asReadOnlyBuffer();
        Recorder serverSide = new Recorder();
        TcpServer server = serve(() -> serverSide);
        try (Socket s = new Socket()) {
            // A small receive window makes the kernel absorb little, so our queue must hold the rest.
            s.setReceiveBufferSize(16 * 1024);
            s.connect(server.localAddress(), 5000);
            s.setSoTimeout(10_000);
            Connection c = serverSide.opened.get(10, TimeUnit.SECONDS);
            c.execute(() -> {
                for (int i = 0; i < chunks; i++) {
                    c.write(data.duplicate());
                }
            });
            long[] state = c.loop().submit(() -> new long[] {
                c.bufferedAmount(), c.isWritable() ? 1 : 0, serverSide.writableCount.get()}).get(5, TimeUnit.SECONDS);
            assertThat(state[0]).isGreaterThan(ConnectionOptions.DEFAULTS.highWatermark());
            assertThat(state[1]).isZero();
            assertThat(state[2]).isZero();

            readFully(s.getInputStream(), chunk * chunks);
            roundTrip(c.loop());
            assertThat(serverSide.writableCount.get()).isEqualTo(1);
            assertThat(c.loop().submit(() -> c.isWritable() && c.bufferedAmount() == 0).get(5, TimeUnit.SECONDS))
                    .isTrue();
        }
    }

    @Test
    void writesAndFlushesFromOnWritableAreNotLost() throws Exception {
        int chunk = 1024 * 1024;
        ByteBuffer data = ByteBuffer.wrap(new byte[chunk]).asReadOnlyBuffer();
        byte[] tail = "after-flush".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Recorder serverSide = new Recorder() {
            @Override
            public void onOpen(Connection c) {
                super.onOpen(c);
                for (int i = 0; i < 8; i++) {
                    c.write(data.duplicate());
                }
            }

            @Override
            public void onWritable(Connection c) {
                super.onWritable(c);
                c.write(ByteBuffer.wrap(tail, 0, 5));
                c.flush();
                c.write(ByteBuffer.wrap(tail, 5, tail.length - 5));
            }
        };
        TcpServer server = serve(() -> serverSide);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024);
            s.connect(server.localAddress(), 5000);
            s.setSoTimeout(10_000);
            byte[] got = readFully(s.getInputStream(), 8 * chunk + tail.length);
            assertThat(java.util.Arrays.copyOfRange(got, 8 * chunk, got.length)).isEqualTo(tail);
            assertThat(serverSide.writableCount.get()).isEqualTo(1);
        }
    }

    @Test
    void pausedConnectionReadsNothingUntilResumed() throws Exception {
        Recorder serverSide = new Recorder() {
            @Override
            public void onOpen(Connection c) {
                c.pauseReading();
                super.onOpen(c);
            }
        };
        TcpServer server = serve(() -> serverSide);
        try (Socket s = dial(server)) {
            Connection c = opened(serverSide);
            s.getOutputStream().write(random(1000, 5));
            s.getOutputStream().flush();
            for (int i = 0; i < 5; i++) {
                roundTrip(c.loop());
            }
            assertThat(serverSide.receivedCount()).isZero();
            assertThat(c.loop().submit(c::isReadingPaused).get(5, TimeUnit.SECONDS)).isTrue();
            c.execute(c::resumeReading);
            assertThat(serverSide.awaitBytes(1000, WAIT)).isEqualTo(random(1000, 5));
        }
    }

    // ---- closing: onClose exactly once ----

    private static void assertClosedOnce(Recorder r, EventLoop loop) throws Exception {
        r.closed.get(10, TimeUnit.SECONDS);
        if (!loop.isShutdown()) {
            roundTrip(loop);
        }
        assertThat(r.closeCount.get()).isEqualTo(1);
    }

    @Test
    void localCloseFlushesQueuedBytesFirst() throws Exception {
        byte[] bye = random(300_000, 6);
        Recorder serverSide = new Recorder() {
            @Override
            public void onOpen(Connection c) {
                super.onOpen(c);
                c.write(ByteBuffer.wrap(bye));
                c.close();
                assertThat(c.isOpen()).isFalse();
                assertThat(c.write(ByteBuffer.wrap(new byte[1]))).isFalse();
            }
        };
        TcpServer server = serve(() -> serverSide);
        try (Socket s = dial(server)) {
            InputStream in = s.getInputStream();
            assertThat(readFully(in, bye.length)).isEqualTo(bye);
            assertThat(in.read()).isEqualTo(-1);
            assertClosedOnce(serverSide, serverSide.opened.get().loop());
            assertThat(serverSide.closed.get()).isSameAs(Recorder.ORDERLY);
        }
    }

    @Test
    void remoteFinClosesOrderly() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(() -> serverSide);
        Socket s = dial(server);
        Connection c = opened(serverSide);
        s.close();
        assertClosedOnce(serverSide, c.loop());
        assertThat(serverSide.closed.get()).isSameAs(Recorder.ORDERLY);
        assertThat(c.remoteAddress()).isNull();
    }

    @Test
    void remoteResetClosesWithTheError() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(() -> serverSide);
        Socket s = dial(server);
        Connection c = opened(serverSide);
        s.setSoLinger(true, 0);
        s.close();
        assertClosedOnce(serverSide, c.loop());
        assertThat(serverSide.closed.get()).isInstanceOf(IOException.class);
    }

    @Test
    void abortResetsThePeer() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(() -> serverSide);
        try (Socket s = dial(server)) {
            Connection c = opened(serverSide);
            c.execute(() -> {
                c.write(ByteBuffer.wrap(new byte[100]));
                c.abort();
                c.abort();
                c.close();
            });
            assertClosedOnce(serverSide, c.loop());
            assertThatThrownBy(() -> s.getInputStream().readAllBytes()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void handlerExceptionClosesWithItAsCause() throws Exception {
        Recorder serverSide = new Recorder() {
            @Override
            public void onRead(Connection c, ByteBuffer data) {
                throw new IllegalStateException("handler bug (expected by test)");
            }
        };
        TcpServer server = serve(() -> serverSide);
        try (Socket s = dial(server)) {
            s.getOutputStream().write(1);
            assertClosedOnce(serverSide, serverSide.opened.get(10, TimeUnit.SECONDS).loop());
            assertThat(serverSide.closed.get()).hasMessageContaining("handler bug");
        }
    }

    @Test
    void loopShutdownClosesEveryConnectionOnce() throws Exception {
        EventLoopGroup doomed = new EventLoopGroup(2, "doomed");
        Recorder[] sides = {new Recorder(), new Recorder()};
        AtomicInteger next = new AtomicInteger();
        TcpServer server = serve(doomed, () -> sides[next.getAndIncrement()]);
        Recorder client = new Recorder();
        Connection clientConn = TcpClient.connect(doomed.next(), server.localAddress(), () -> client, WAIT)
                .get(10, TimeUnit.SECONDS);
        try (Socket s = dial(server)) {
            sides[0].opened.get(10, TimeUnit.SECONDS);
            sides[1].opened.get(10, TimeUnit.SECONDS);
            doomed.shutdown().get(10, TimeUnit.SECONDS);
            for (Recorder r : new Recorder[] {sides[0], sides[1], client}) {
                assertClosedOnce(r, clientConn.loop());
                assertThat(r.closed.get()).isSameAs(Recorder.ORDERLY);
            }
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        servers.remove(server);
    }

    // ---- lifecycle and resources ----

    @Test
    void thousandConnectionsLeaveNoKeysAndNoDescriptorsBehind() throws Exception {
        TcpServer server = serve(() -> new Recorder());
        // Warm up lazily created JDK resources so that they do not count as a leak.
        Recorder warm = new Recorder();
        Connection w = TcpClient.connect(group.next(), server.localAddress(), () -> warm, WAIT).get(10, TimeUnit.SECONDS);
        w.execute(w::close);
        warm.closed.get(10, TimeUnit.SECONDS);
        awaitQuiescence(1, -1);
        int fdsBefore = Fds.supported() ? Fds.open() : -1;

        int n = 1000;
        CountDownLatch clientsClosed = new CountDownLatch(n);
        AtomicInteger closeCalls = new AtomicInteger();
        List<CompletableFuture<Connection>> connects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            connects.add(TcpClient.connect(group.next(), server.localAddress(), () -> new Recorder() {
                @Override
                public void onClose(Connection c, Throwable cause) {
                    closeCalls.incrementAndGet();
                    clientsClosed.countDown();
                }
            }, WAIT));
        }
        for (CompletableFuture<Connection> f : connects) {
            Connection c = f.get(20, TimeUnit.SECONDS);
            c.execute(c::close);
        }
        assertThat(clientsClosed.await(20, TimeUnit.SECONDS)).isTrue();
        awaitQuiescence(1, fdsBefore);
        assertThat(closeCalls.get()).isEqualTo(n);
    }

    /**
     * Waits until only {@code keys} channels (the acceptor) remain registered across the group and,
     * if {@code fds >= 0}, the descriptor count is back to it. The server side of each connection
     * closes when it reads the client's FIN, a moment after the client side. Bounded by a deadline;
     * each round pushes a task through every loop so that cancelled keys are flushed by a select.
     */
    private void awaitQuiescence(int keys, int fds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int registered = -1;
        int open = -1;
        while (System.nanoTime() < deadline) {
            registered = 0;
            for (EventLoop l : group.loops()) {
                roundTrip(l);
                registered += l.submit(l::registeredChannels).get(5, TimeUnit.SECONDS);
            }
            open = Fds.supported() ? Fds.open() : -1;
            if (registered == keys && (fds < 0 || open == fds)) {
                return;
            }
            Thread.onSpinWait();
        }
        assertThat(registered).as("registered channels").isEqualTo(keys);
        assertThat(open).as("open descriptors").isEqualTo(fds);
    }

    @Test
    void loopConfinedMethodsRefuseForeignThreads() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(() -> serverSide);
        try (Socket s = dial(server)) {
            Connection c = opened(serverSide);
            assertThatThrownBy(() -> c.write(ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(c::close).isInstanceOf(IllegalStateException.class);
            assertThat(c.remoteAddress().getPort()).isEqualTo(s.getLocalPort());
            assertThat(c.localAddress().getPort()).isEqualTo(server.port());
        }
    }

    @Test
    void connectToAClosedPortFailsTheFuture() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        }
        Recorder r = new Recorder();
        CompletableFuture<Connection> f = TcpClient.connect(group.next(), new InetSocketAddress("127.0.0.1", port),
                () -> r, WAIT);
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ConnectException.class);
        assertThat(r.opened).isNotDone();
        assertThat(r.closeCount.get()).isZero();
    }

    /**
     * A listener that never accepts and has a full accept queue makes Linux drop further SYNs, so
     * the connect stays pending and only the timer can end it.
     */
    @Test
    void connectTimeoutFailsTheFutureAndReleasesTheSocket() throws Exception {
        try (java.nio.channels.ServerSocketChannel stuck = java.nio.channels.ServerSocketChannel.open()) {
            stuck.bind(ANY_LOOPBACK, 1);
            List<java.nio.channels.SocketChannel> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    java.nio.channels.SocketChannel f = java.nio.channels.SocketChannel.open();
                    f.configureBlocking(false);
                    f.connect(stuck.getLocalAddress());
                    fillers.add(f);
                }
                Recorder r = new Recorder();
                CompletableFuture<Connection> f = TcpClient.connect(group.next(),
                        (InetSocketAddress) stuck.getLocalAddress(), () -> r, Duration.ofMillis(200));
                assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(java.net.SocketTimeoutException.class);
                assertThat(r.opened).isNotDone();
            } finally {
                for (java.nio.channels.SocketChannel f : fillers) {
                    f.close();
                }
            }
        }
    }

    @Test
    void closedAcceptorRefusesNewConnectionsButKeepsExistingOnes() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(() -> serverSide);
        try (Socket s = dial(server)) {
            Connection c = opened(serverSide);
            server.closeAcceptor().get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> dial(server)).isInstanceOf(ConnectException.class);
            s.getOutputStream().write(new byte[] {7, 8});
            assertThat(serverSide.awaitBytes(2, WAIT)).containsExactly(7, 8);
            AtomicReference<Boolean> open = new AtomicReference<>();
            c.loop().submit(() -> {
                open.set(c.isOpen());
                return null;
            }).get(5, TimeUnit.SECONDS);
            assertThat(open.get()).isTrue();
        }
    }
}
