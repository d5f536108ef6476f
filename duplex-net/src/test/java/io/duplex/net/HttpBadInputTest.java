package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input at the HTTP front of {@link WebSocketServer}: each case gets its exact status and a closed
 * connection, while a healthy WebSocket on the same loop keeps echoing.
 */
class HttpBadInputTest extends WebSocketTestBase {
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(300);

    private final Sessions sessions = new Sessions();
    private WebSocketServer server;
    private RawPeer healthy;

    @BeforeEach
    void startServer() throws Exception {
        server = start(WebSocketServer.builder()
                .endpoint("/echo", Endpoint.of(sessions))
                .http("/health", ex -> ex.respond(200, "text/plain", "ok"))
                .handshakeTimeout(HANDSHAKE_TIMEOUT));
        healthy = open(server, "/echo");
        healthy.assertEchoes("before");
    }

    private void assertHealthyStillEchoes() throws Exception {
        healthy.assertEchoes("after");
        assertThat(sessions.closed).isEmpty();
    }

    /** Sends {@code request} on a new connection; asserts {@code status} and that the server then closed. */
    private RawPeer.Response refused(String request, int status) throws Exception {
        return refused(request.getBytes(StandardCharsets.ISO_8859_1), status);
    }

    private RawPeer.Response refused(byte[] request, int status) throws Exception {
        RawPeer peer = connect(server);
        peer.write(request);
        RawPeer.Response r = peer.readResponse();
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Connection")).isEqualTo("close");
        assertThat(peer.awaitEnd(WAIT)).as("closed after %d", status).isTrue();
        return r;
    }

    @Test
    void slowlorisGets408AndIsClosedWithinTheHandshakeTimeout() throws Exception {
        RawPeer slow = connect(server);
        long start = System.nanoTime();
        AtomicBoolean stop = new AtomicBoolean();
        Thread trickler = new Thread(() -> {
            byte[] head = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
            try {
                for (int i = 0; !stop.get(); i++) {
                    slow.write(new byte[] {i < head.length ? head[i] : (byte) 'a'});
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                // the server closed the connection: expected
            }
        });
        trickler.start();
        try {
            RawPeer.Response r = slow.readResponse();
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.body()).contains("within 300 ms");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(elapsedMs).isBetween(HANDSHAKE_TIMEOUT.toMillis() - 50, HANDSHAKE_TIMEOUT.toMillis() + 1_000);
            assertThat(slow.awaitEnd(WAIT)).as("closed after 408").isTrue();
        } finally {
            stop.set(true);
            trickler.join(5_000);
        }
        assertHealthyStillEchoes();
    }

    @Test
    void headersOverEightKibGet431() throws Exception {
        refused("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(8 * 1024) + "\r\n\r\n", 431);
        assertHealthyStillEchoes();
    }

    @Test
    void bytesThatAreNotHttpGet400AndClose() throws Exception {
        // The start of a TLS ClientHello sent to a plain-text port.
        refused(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03, '\r', '\n'}, 400);
        assertHealthyStillEchoes();
    }

    @Test
    void aTlsClientHelloOnThePlainPortGets400AtOnce() throws Exception {
        // A ClientHello holds no CRLF: the first byte alone shows that this is not an HTTP request line.
        long start = System.nanoTime();
        refused(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03}, 400);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(HANDSHAKE_TIMEOUT.toMillis());
        assertHealthyStillEchoes();
    }

    @Test
    void headersFarOverTheLimitStillGet431BeforeTheConnectionEnds() throws Exception {
        // The client writes all of its 256 KiB head before reading, as real clients do; unread bytes must not
        // turn our close into a reset that destroys the 431 on its way.
        RawPeer big = connect(server);
        byte[] head = ("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(256 * 1024) + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        Thread writer = new Thread(() -> {
            try {
                big.write(head);
            } catch (Exception e) {
                // the server stopped reading after the limit: expected
            }
        });
        writer.start();
        writer.join(5_000);
        RawPeer.Response r = big.readResponse();
        assertThat(r.status()).isEqualTo(431);
        assertThat(big.awaitEnd(WAIT)).isTrue();
        assertHealthyStillEchoes();
    }

    @Test
    void plainGetToAWebSocketPathGets426WithUpgradeWebsocket() throws Exception {
        RawPeer.Response r = refused("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 426);
        assertThat(r.header("Upgrade")).isEqualTo("websocket");
        assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
        assertHealthyStillEchoes();
    }

    @Test
    void postToAWebSocketPathGets405AllowGet() throws Exception {
        RawPeer.Response r = refused("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", 405);
        assertThat(r.header("Allow")).isEqualTo("GET");
        assertHealthyStillEchoes();
    }

    @Test
    void unknownPathWithoutDefaultEndpointGets404ForPlainAndUpgradeRequests() throws Exception {
        refused("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404);
        refused(RawPeer.upgradeRequest("/nowhere", "13", true), 404);
        assertHealthyStillEchoes();
    }

    @Test
    void wrongWebSocketVersionGets426NamingVersion13() throws Exception {
        RawPeer.Response r = refused(RawPeer.upgradeRequest("/echo", "8", true), 426);
        assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
        assertHealthyStillEchoes();
    }

    @Test
    void missingWebSocketKeyGets400() throws Exception {
        RawPeer.Response r = refused(RawPeer.upgradeRequest("/echo", "13", false), 400);
        assertThat(r.body()).contains("Sec-WebSocket-Key");
        assertHealthyStillEchoes();
    }

    @Test
    void aBodyThatNeverCompletesGets408() throws Exception {
        RawPeer slow = connect(server);
        slow.write("POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nonly ten..");
        RawPeer.Response r = slow.readResponse();
        assertThat(r.status()).isEqualTo(408);
        assertThat(slow.awaitEnd(WAIT)).isTrue();
        assertHealthyStillEchoes();
    }

    @Test
    void bodiesOverTheLimitGet413AndChunkedBodiesGet411() throws Exception {
        refused("POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + (2 << 20) + "\r\n\r\n", 413);
        refused("POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411);
        assertHealthyStillEchoes();
    }

    /**
     * A body refused with 413 while the client is still sending it: closing with the client's bytes unread would
     * make the kernel reset the connection, and the reset destroys the 413 before the client reads it. The server
     * half-closes and reads to the client's end instead, so the client's body write succeeds (a failed one makes
     * java.net.http drop the exchange) and it reads the answer even when it reads only after the reset would have
     * arrived.
     */
    @Test
    void aRefusedBodyStillBeingSentDoesNotCostTheClientItsAnswer() throws Exception {
        try (java.net.Socket s = new java.net.Socket()) {
            // A small send buffer: the body cannot all be in flight before the server has answered and closed.
            s.setSendBufferSize(8192);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + (2 << 20) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // The body goes on arriving after the server has answered, as from a client that streams it.
            java.util.concurrent.atomic.AtomicReference<Throwable> writeFailure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 128; i++) {
                        out.write(new byte[16 * 1024]);
                    }
                } catch (java.io.IOException e) {
                    // A client such as java.net.http gives up on the whole exchange when its body write fails.
                    writeFailure.set(e);
                }
            });
            writer.start();
            // Long enough for the answer and, without lingering, the reset to arrive before the first read.
            Thread.sleep(300);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 413 ");
            writer.join(10_000);
            assertThat(writeFailure.get()).as("the client's body write").isNull();
        }
        assertHealthyStillEchoes();
    }

    /**
     * Lingering is only for requests not read to their end: an idle kept-alive connection is closed at once at
     * shutdown (FIN, no wait for the client's), so a client that keeps its connection pooled neither holds the
     * shutdown for the close timeout (5 s) nor gets a reset.
     */
    @Test
    void shutdownClosesAnIdleKeptAliveConnectionAtOnce() throws Exception {
        WebSocketServer plain = start(WebSocketServer.builder().http("/health", ex -> ex.respond(200, "text/plain", "ok")));
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", plain.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            java.io.InputStream in = s.getInputStream();
            byte[] head = new byte[17];
            assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK\r\n");
            // Pooled: the client neither closes nor sends; the shutdown must not wait for it.
            plain.shutdown(Duration.ofSeconds(30)).get(3, TimeUnit.SECONDS);
            in.readAllBytes();
        }
    }

    @Test
    void aPeerThatPipelinesRequestsButNeverReadsIsSlowedDown() throws Exception {
        // 200,000 pipelined requests (about 8 MiB) whose answers are never read: unless the server stops
        // reading once its queue is above the high watermark, it would hold some 20 MiB of answers.
        RawPeer greedy = track(RawPeer.connect(server.port(), 64 * 1024));
        byte[] batch = "GET /health HTTP/1.1\r\nHost: h\r\n\r\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        AtomicInteger batches = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < 200; i++) {
                    greedy.write(batch);
                    batches.incrementAndGet();
                }
            } catch (Exception e) {
                // closed at teardown
            }
        }, "pipelining-writer");
        writer.setDaemon(true);
        writer.start();
        int last = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (batches.get() != last && writer.isAlive()) {
            assertThat(System.nanoTime()).as("writer never settled").isLessThan(deadline);
            last = batches.get();
            writer.join(300);
        }
        assertThat(writer.isAlive()).as("TCP flow control reached the writer: the server stopped reading").isTrue();
        assertThat(batches.get()).isLessThan(200);
        healthy.assertEchoes("while stalled");
        // Reading again, the peer gets an answer for each request it managed to send, in order.
        for (int i = 0; i < 1000; i++) {
            assertThat(greedy.readResponse().status()).isEqualTo(200);
        }
        assertHealthyStillEchoes();
    }

    @Test
    void twoPlainRequestsShareOneKeptAliveConnection() throws Exception {
        RawPeer http = connect(server);
        for (int i = 0; i < 2; i++) {
            http.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawPeer.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
            assertThat(r.header("Connection")).isEqualTo("keep-alive");
        }
        assertThat(server.connectionCount()).isEqualTo(2);
        // Pipelined: both requests in one write, both answered in order.
        http.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(http.readResponse().header("Connection")).isEqualTo("keep-alive");
        assertThat(http.readResponse().header("Connection")).isEqualTo("close");
        assertThat(http.awaitEnd(WAIT)).isTrue();
        assertHealthyStillEchoes();
    }
}
