package io.duplex.net.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.net.CloseStatus;
import io.duplex.net.Endpoint;
import io.duplex.net.SelfSignedCertificate;
import io.duplex.net.TlsConfig;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketListener;
import io.duplex.net.WebSocketServer;
import io.duplex.protocol.handshake.HttpHeaders;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Duplex server on an ephemeral port that speaks the interop script on every path: it echoes text and
 * binary; {@code close:CODE:REASON} makes it close with that code and reason; {@code ping-me} makes it ping
 * with {@code srv-ping} and answer the pong with {@code pong:srv-ping}; {@code frag-me} makes it send
 * {@link #FRAGMENTED} in three fragments, split inside multi-byte characters. {@code GET /interop.html} serves the browser test page. Each
 * connection's {@link CloseStatus} is recorded.
 *
 * <p>Thread-safety: callbacks run on the event loops; the test thread reads the recorded values.
 */
final class InteropServer implements AutoCloseable {
    static final String PAGE = "/io/duplex/net/interop/interop.html";
    /** What {@code frag-me} sends: its fragments may end inside a multi-byte character. */
    static final String FRAGMENTED = "fragmented ✓😀";
    /** The checks every foreign client script (interop/*client*) reports when it runs the script against us. */
    static final String[] CLIENT_CHECKS = {"text", "binary", "fragmented-text", "fragmented-binary",
        "server-fragmented", "ping", "server-ping", "large", "compressed-repeat", "client-close", "server-close"};

    private final WebSocketServer server;
    private final boolean tls;
    private final BlockingQueue<CloseStatus> closes = new LinkedBlockingQueue<>();
    private final List<String> extensions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final BlockingQueue<String> pings = new LinkedBlockingQueue<>();

    private InteropServer(boolean tls) throws Exception {
        this.tls = tls;
        byte[] page;
        try (InputStream in = InteropServer.class.getResourceAsStream(PAGE)) {
            page = in.readAllBytes();
        }
        WebSocketServer.Builder b = WebSocketServer.builder().host("127.0.0.1").port(0).loops(1)
                .defaultEndpoint(Endpoint.of(new Script()))
                .http("/interop.html", ex -> ex.respond(200,
                        new HttpHeaders().add("Content-Type", "text/html; charset=utf-8"), page));
        if (tls) {
            SelfSignedCertificate cert = SelfSignedCertificate.get("EC");
            b.tls(TlsConfig.serverFromPem(cert.certificatePem, cert.privateKeyPem));
        }
        this.server = b.start();
    }

    static InteropServer plain() throws Exception {
        return new InteropServer(false);
    }

    static InteropServer secure() throws Exception {
        return new InteropServer(true);
    }

    URI uri(String path) {
        return URI.create((tls ? "wss" : "ws") + "://127.0.0.1:" + server.port() + path);
    }

    URI httpUri(String path) {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + server.port() + path);
    }

    /** Waits for {@code n} connections to end and returns how each ended, in order. */
    List<CloseStatus> awaitCloses(int n, Duration timeout) throws InterruptedException {
        List<CloseStatus> out = new ArrayList<>(n);
        long until = System.nanoTime() + timeout.toNanos();
        while (out.size() < n) {
            CloseStatus s = closes.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (s == null) {
                throw new AssertionError("only " + out.size() + " of " + n + " connections ended within " + timeout
                        + ": " + out);
            }
            out.add(s);
        }
        return out;
    }

    /**
     * After a peer ran the client scenario (one connection closed by the client with 4001 "client bye", one
     * closed by us with 4000 "bye"), checks what the server saw: both closing handshakes completed cleanly.
     */
    void assertScenarioCloses(Duration timeout) throws InterruptedException {
        List<CloseStatus> seen = awaitCloses(2, timeout);
        assertThat(seen).as("server-side close statuses").contains(new CloseStatus(4001, "client bye", true, true));
        // The reason in the peer's reply to our close is the peer's choice (RFC 6455 section 5.5.1).
        assertThat(seen).as("server-side close statuses").anySatisfy(s -> {
            assertThat(s.code()).isEqualTo(4000);
            assertThat(s.remote()).isFalse();
            assertThat(s.clean()).isTrue();
        });
    }

    /**
     * RFC 7692: every connection the peer opened negotiated permessage-deflate (peers offer it by default), with
     * client_no_context_takeover, which our default answer adds unasked (7.1.1.2) and the peers accepted.
     */
    void assertCompressionNegotiated() {
        assertThat(extensions).as("extensions negotiated per connection").isNotEmpty()
                .allSatisfy(e -> assertThat(e).startsWith("permessage-deflate").contains("client_no_context_takeover"));
    }

    /** Ping payloads the peers sent us, in order. */
    String nextPing(Duration timeout) throws InterruptedException {
        return pings.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws ExecutionException, TimeoutException {
        try {
            server.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Script implements WebSocketListener {
        @Override
        public void onOpen(WebSocket ws) {
            extensions.add(ws.extensions());
        }

        @Override
        public void onText(WebSocket ws, String text) {
            if (text.startsWith("close:")) {
                String[] parts = text.split(":", 3);
                ws.close(Integer.parseInt(parts[1]), parts[2]);
            } else if (text.equals("ping-me")) {
                ws.ping(utf8("srv-ping"));
            } else if (text.equals("frag-me")) {
                // 12 and 17 fall inside ✓ and 😀: only the whole message must be valid UTF-8 (RFC 6455 8.1).
                ByteBuffer all = utf8(FRAGMENTED);
                WebSocket.MessageStream s = ws.stream(true);
                s.write(all.slice(0, 12));
                s.write(all.slice(12, 5));
                s.finish(all.slice(17, all.capacity() - 17));
            } else {
                ws.sendText(text);
            }
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            // data is a view of the read buffer and sends keep a reference: copy it.
            ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
            ws.sendBinary(copy);
        }

        @Override
        public void onPing(WebSocket ws, ByteBuffer payload) {
            pings.add(StandardCharsets.UTF_8.decode(payload).toString());
        }

        @Override
        public void onPong(WebSocket ws, ByteBuffer payload) {
            String p = StandardCharsets.UTF_8.decode(payload).toString();
            if (p.equals("srv-ping")) {
                ws.sendText("pong:" + p);
            }
        }

        @Override
        public void onClose(WebSocket ws, CloseStatus status) {
            closes.add(status);
        }
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
