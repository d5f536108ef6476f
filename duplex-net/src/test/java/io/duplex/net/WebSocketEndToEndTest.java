package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duplex.protocol.handshake.HandshakeException;
import io.duplex.protocol.handshake.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Our client against our server over loopback: messages, control frames, closing, handshake policy, broadcast. */
@Timeout(60)
class WebSocketEndToEndTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup clientGroup = new EventLoopGroup(1, "e2e-client");
    private final ClientOptions client = ClientOptions.DEFAULTS.withGroup(clientGroup);
    private final List<WebSocketServer> servers = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (WebSocketServer s : servers) {
            s.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        }
        clientGroup.shutdown().get(10, TimeUnit.SECONDS);
    }

    /** Echoes every message and records what it saw. */
    static class EchoRecorder extends WsRecorder {
        @Override
        public void onText(WebSocket ws, String text) {
            super.onText(ws, text);
            ws.sendText(text);
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
            super.onBinary(ws, data);
            ws.sendBinary(copy);
        }
    }

    private WebSocketServer serve(Endpoint endpoint) throws Exception {
        return serve(endpoint, 2);
    }

    private WebSocketServer serve(Endpoint endpoint, int loops) throws Exception {
        WebSocketServer s = WebSocketServer.builder().port(0).loops(loops).endpoint("/ws", endpoint).start();
        servers.add(s);
        return s;
    }

    private static URI uri(WebSocketServer s) {
        return URI.create("ws://127.0.0.1:" + s.port() + "/ws");
    }

    private WebSocket connect(WebSocketServer s, ClientOptions o, WebSocketListener l) throws Exception {
        return WebSocketClient.connect(uri(s), o, l).get(10, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .actual().getCause();
    }

    // ------------------------------------------------------------------------------------------- messages

    @Test
    void echoesTextAndBinary() throws Exception {
        EchoRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);

        assertThat(ws.sendText("héllo")).isEqualTo(SendResult.SENT);
        assertThat(ws.sendBinary(new byte[] {0, 1, 2, (byte) 0xff})).isEqualTo(SendResult.SENT);
        assertThat(c.next(WAIT)).isEqualTo("héllo");
        assertThat((byte[]) c.next(WAIT)).containsExactly(0, 1, 2, 0xff);
        assertThat(server.next(WAIT)).isEqualTo("héllo");
        assertThat(c.errors).isEmpty();
        assertThat(server.errors).isEmpty();
    }

    @Test
    void echoesA16MiBMessage() throws Exception {
        WebSocketServer s = serve(Endpoint.of(new EchoRecorder()));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);
        byte[] payload = LoopbackTest.random(16 * 1024 * 1024, 11);

        ws.sendBinary(payload.clone());

        assertThat((byte[]) c.next(Duration.ofSeconds(30))).isEqualTo(payload);
    }

    @Test
    void streamedMessageIsReassembledByTheServer() throws Exception {
        EchoRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);
        StringBuilder expected = new StringBuilder();

        WebSocket.MessageStream stream = ws.stream(true);
        for (int i = 0; i < 200; i++) {
            String part = "part-" + i + ";";
            expected.append(part);
            assertThat(stream.write(ByteBuffer.wrap(part.getBytes(StandardCharsets.UTF_8))))
                    .isNotIn(SendResult.CLOSED, SendResult.DROPPED);
        }
        stream.finish(ByteBuffer.wrap("end".getBytes(StandardCharsets.UTF_8)));
        expected.append("end");

        assertThat(server.next(WAIT)).isEqualTo(expected.toString());
        assertThat(c.next(WAIT)).isEqualTo(expected.toString());
        // The stream is over: ordinary messages flow again.
        ws.sendText("after");
        assertThat(c.next(WAIT)).isEqualTo("after");
    }

    @Test
    void otherMessagesAreRefusedWhileAStreamIsInProgressFromAnyThread() throws Exception {
        EchoRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);

        WebSocket.MessageStream stream = ws.stream(false);
        stream.write(ByteBuffer.wrap(new byte[] {1}));
        assertThatThrownBy(() -> ws.sendText("interleaved")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ws.sendBinary(new byte[] {9})).isInstanceOf(IllegalStateException.class);
        assertThat(ws.ping(ByteBuffer.wrap(new byte[] {5}))).isEqualTo(SendResult.SENT);
        stream.finish(ByteBuffer.wrap(new byte[] {2}));
        ws.sendText("after");

        assertThat((byte[]) server.next(WAIT)).containsExactly(1, 2);
        assertThat(server.next(WAIT)).isEqualTo("after");
        assertThat(c.errors).isEmpty();
    }

    @Test
    void pingsAndPongsReachTheCallbacksBothWays() throws Exception {
        EchoRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server).withOptions(
                WebSocketOptions.SERVER_DEFAULTS.withPingInterval(Duration.ZERO)));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);
        WebSocket serverSide = server.opened.get(10, TimeUnit.SECONDS);

        ws.ping(ByteBuffer.wrap("from-client".getBytes(StandardCharsets.UTF_8)));
        assertThat(WsRecorder.poll(server.pings, WAIT)).isEqualTo("from-client");
        assertThat(WsRecorder.poll(c.pongs, WAIT)).isEqualTo("from-client");

        serverSide.ping(ByteBuffer.wrap("from-server".getBytes(StandardCharsets.UTF_8)));
        assertThat(WsRecorder.poll(c.pings, WAIT)).isEqualTo("from-server");
        assertThat(WsRecorder.poll(server.pongs, WAIT)).isEqualTo("from-server");

        // An unsolicited pong is just reported.
        ws.pong(ByteBuffer.wrap("unsolicited".getBytes(StandardCharsets.UTF_8)));
        assertThat(WsRecorder.poll(server.pongs, WAIT)).isEqualTo("unsolicited");
    }

    // ---------------------------------------------------------------------------------------------- closing

    @Test
    void clientInitiatedCloseReportsCodeReasonAndFlagsOnBothSides() throws Exception {
        WsRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);
        server.opened.get(10, TimeUnit.SECONDS);

        ws.close(4001, "client done");

        // The initiator reports the peer's reply frame, which echoes the code without the reason.
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(4001, "", false, true));
        assertThat(server.closed.get(10, TimeUnit.SECONDS))
                .isEqualTo(new CloseStatus(4001, "client done", true, true));
        assertThat(ws.isOpen()).isFalse();
        assertThat(ws.sendText("late")).isEqualTo(SendResult.CLOSED);
        ws.close(1000, "again");
        assertCloseReportedOnce(s, c, server);
    }

    @Test
    void serverInitiatedCloseReportsCodeReasonAndFlagsOnBothSides() throws Exception {
        WsRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server));
        WsRecorder c = new WsRecorder();
        connect(s, client, c);

        server.opened.get(10, TimeUnit.SECONDS).close(4002, "server done");

        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(4002, "server done", true, true));
        assertThat(server.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(4002, "", false, true));
        assertCloseReportedOnce(s, c, server);
    }

    @Test
    void terminatedConnectionReports1006NotCleanOnBothSides() throws Exception {
        WsRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);
        server.opened.get(10, TimeUnit.SECONDS);

        ws.terminate();

        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1006, "", false, false));
        assertThat(server.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1006, "", true, false));
        assertCloseReportedOnce(s, c, server);
    }

    /** After both loops have stopped no callback can still be pending: then onClose must have run exactly once. */
    private void assertCloseReportedOnce(WebSocketServer s, WsRecorder... recorders) throws Exception {
        servers.remove(s);
        s.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        clientGroup.shutdown().get(10, TimeUnit.SECONDS);
        for (WsRecorder r : recorders) {
            assertThat(r.closeCount).hasValue(1);
        }
    }

    // ------------------------------------------------------------------------------------------ subprotocols

    @Test
    void subprotocolFollowsServerPreferenceAndIsNullWhenNoneOffered() throws Exception {
        EchoRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server).withSubprotocols("v2.duplex", "v1.duplex"));

        WebSocket both = connect(s, client.withSubprotocols("v1.duplex", "v2.duplex"), new WsRecorder());
        assertThat(both.subprotocol()).isEqualTo("v2.duplex");
        assertThat(server.opened.get(10, TimeUnit.SECONDS).subprotocol()).isEqualTo("v2.duplex");

        WebSocket one = connect(s, client.withSubprotocols("other", "v1.duplex"), new WsRecorder());
        assertThat(one.subprotocol()).isEqualTo("v1.duplex");

        WebSocket none = connect(s, client, new WsRecorder());
        assertThat(none.subprotocol()).isNull();

        WebSocket unknown = connect(s, client.withSubprotocols("mqtt"), new WsRecorder());
        assertThat(unknown.subprotocol()).isNull();
    }

    // ---------------------------------------------------------------------------------------- handshake hook

    private static HandshakeHook bearer(String token, Map<String, String> seen) {
        return (req, remote) -> {
            String auth = req.headers().get("Authorization");
            seen.put("Authorization", String.valueOf(auth));
            if (("Bearer " + token).equals(auth)) {
                return HandshakeHook.accept("user-for-" + token);
            }
            return new HandshakeHook.Decision.Reject(401, "token required",
                    new HttpHeaders().add("WWW-Authenticate", "Bearer realm=\"duplex\""));
        };
    }

    @Test
    void hookRejectionFailsTheClientWith401() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        WsRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server).withHook(bearer("s3cret", seen)));
        WsRecorder c = new WsRecorder();

        Throwable cause = failure(WebSocketClient.connect(uri(s), client.withHeader("Authorization", "Bearer nope"), c));

        assertThat(cause).isInstanceOf(HandshakeException.class);
        HandshakeException he = (HandshakeException) cause;
        assertThat(he.reason()).isEqualTo(HandshakeException.Reason.UNEXPECTED_STATUS);
        assertThat(he.status()).isEqualTo(401);
        assertThat(seen).containsEntry("Authorization", "Bearer nope");
        assertThat(c.opened).isNotDone();
        assertThat(server.opened).isNotDone();
    }

    @Test
    void hookRejectionSendsItsHeadersInTheResponse() throws Exception {
        WebSocketServer s = serve(Endpoint.of(new EchoRecorder()).withHook(bearer("s3cret", new HashMap<>())));
        String response = rawUpgrade(s.port(), "");
        assertThat(response).startsWith("HTTP/1.1 401 ");
        assertThat(response).containsIgnoringCase("WWW-Authenticate: Bearer realm=\"duplex\"\r\n");
        assertThat(response).endsWith("token required");
    }

    @Test
    void hookAcceptanceAttachesItsObjectAndSeesTheClientsAuthorizationHeader() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        EchoRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server).withHook(bearer("s3cret", seen)));

        WebSocket ws = connect(s, client.withHeader("Authorization", "Bearer s3cret"), new WsRecorder());

        assertThat(seen).containsEntry("Authorization", "Bearer s3cret");
        WebSocket serverSide = server.opened.get(10, TimeUnit.SECONDS);
        assertThat(serverSide.attachment()).isEqualTo("user-for-s3cret");
        assertThat(serverSide.request().headers().get("Authorization")).isEqualTo("Bearer s3cret");
        assertThat(ws.isOpen()).isTrue();
    }

    @Test
    void onlyAllowedOriginsMayConnect() throws Exception {
        WebSocketServer s = serve(Endpoint.of(new EchoRecorder()).withAllowedOrigins("https://app.example"));

        WebSocket ok = connect(s, client.withOrigin("https://app.example"), new WsRecorder());
        assertThat(ok.isOpen()).isTrue();

        for (ClientOptions o : List.of(client.withOrigin("https://evil.example"), client)) {
            Throwable cause = failure(WebSocketClient.connect(uri(s), o, new WsRecorder()));
            assertThat(cause).isInstanceOf(HandshakeException.class);
            assertThat(((HandshakeException) cause).status()).isEqualTo(403);
        }
    }

    @Test
    void hookAcceptanceHeadersGoIntoThe101Response() throws Exception {
        WebSocketServer s = serve(Endpoint.of(new EchoRecorder()).withHook((req, remote) ->
                new HandshakeHook.Decision.Accept("session", new HttpHeaders().add("X-Session", "abc123"))));
        String response = rawUpgrade(s.port(), "");
        assertThat(response).startsWith("HTTP/1.1 101 ");
        assertThat(response).contains("X-Session: abc123\r\n");
        assertThat(response).contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
    }

    /**
     * Sends a valid upgrade request by hand and returns the response: the head of a 101, or all of a refusal
     * (the server closes after one).
     */
    private static String rawUpgrade(int port, String extraHeaders) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) != -1; ) {
                all.write(buf, 0, n);
                String sofar = all.toString(StandardCharsets.UTF_8);
                if (sofar.startsWith("HTTP/1.1 101 ") && sofar.contains("\r\n\r\n")) {
                    break;
                }
            }
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void silentServerFailsTheConnectWithTimeoutAndIsDisconnected() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<WebSocket> f = WebSocketClient.connect(
                    URI.create("ws://127.0.0.1:" + silent.getLocalPort() + "/"),
                    client.withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(100)), new WsRecorder());
            try (Socket accepted = silent.accept()) {
                assertThat(failure(f)).isInstanceOf(TimeoutException.class);
                accepted.setSoTimeout(10_000);
                InputStream in = accepted.getInputStream();
                byte[] buf = new byte[4096];
                int n;
                do {
                    n = in.read(buf);
                } while (n > 0);
                assertThat(n).as("end of stream after the upgrade request").isEqualTo(-1);
            } catch (SocketException reset) {
                // An abort may arrive as a reset: equally disconnected.
            }
        }
    }

    @Test
    void oversizedMessageClosesWith1009() throws Exception {
        EchoRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server).withOptions(
                WebSocketOptions.SERVER_DEFAULTS.withMaxMessageSize(1024)));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);

        ws.sendText("x".repeat(1024));
        assertThat(c.next(WAIT)).isEqualTo("x".repeat(1024));
        ws.sendBinary(new byte[1025]);

        CloseStatus status = c.closed.get(10, TimeUnit.SECONDS);
        assertThat(status.code()).isEqualTo(1009);
        assertThat(status.remote()).isTrue();
        assertThat(server.closed.get(10, TimeUnit.SECONDS).code()).isEqualTo(1009);
        assertThat(server.errors).singleElement().isInstanceOf(WebSocketProtocolException.class);
    }

    // ------------------------------------------------------------------------------------------ concurrency

    @Test
    void sendsFromManyThreadsKeepEachThreadsOrder() throws Exception {
        EchoRecorder server = new EchoRecorder();
        WebSocketServer s = serve(Endpoint.of(server));
        WsRecorder c = new WsRecorder();
        WebSocket ws = connect(s, client, c);
        int threads = 8;
        int perThread = 300;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    ws.sendText(id + ":" + i);
                }
            });
            th.start();
            senders.add(th);
        }
        go.countDown();
        for (Thread th : senders) {
            th.join(10_000);
        }

        for (WsRecorder side : List.of(server, c)) {
            int[] nextExpected = new int[threads];
            for (int n = 0; n < threads * perThread; n++) {
                String[] parts = ((String) side.next(WAIT)).split(":");
                int id = Integer.parseInt(parts[0]);
                assertThat(Integer.parseInt(parts[1])).as("thread %d", id).isEqualTo(nextExpected[id]);
                nextExpected[id]++;
            }
            assertThat(nextExpected).containsOnly(perThread);
        }
    }

    @Test
    void broadcastReachesEveryMemberOnEveryLoopOnceSenderIncluded() throws Exception {
        BroadcastGroup group = new BroadcastGroup();
        int members = 7;
        CountDownLatch joined = new CountDownLatch(members);
        Set<String> loopThreads = ConcurrentHashMap.newKeySet();
        WebSocketListener hub = new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws) {
                group.add(ws);
                loopThreads.add(Thread.currentThread().getName());
                joined.countDown();
            }

            @Override
            public void onText(WebSocket ws, String text) {
                group.broadcast(PreparedMessage.text(text));
            }

            @Override
            public void onBinary(WebSocket ws, ByteBuffer data) {
                group.broadcast(PreparedMessage.binary(data));
            }

            @Override
            public void onClose(WebSocket ws, CloseStatus status) {
                group.remove(ws);
            }
        };
        WebSocketServer s = serve(Endpoint.of(hub), 3);
        List<WsRecorder> recorders = new ArrayList<>();
        List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            WsRecorder r = new WsRecorder();
            recorders.add(r);
            sockets.add(connect(s, client, r));
        }
        assertThat(joined.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(loopThreads).hasSize(3);
        assertThat(group.size()).isEqualTo(members);

        for (int i = 0; i < members; i++) {
            sockets.get(i).sendText("from-" + i);
        }
        sockets.get(0).sendBinary(new byte[] {42});

        Set<String> expected = new HashSet<>();
        for (int i = 0; i < members; i++) {
            expected.add("from-" + i);
        }
        for (WsRecorder r : recorders) {
            List<Object> got = new ArrayList<>();
            for (int n = 0; n < members + 1; n++) {
                got.add(r.next(WAIT));
            }
            assertThat(got.stream().filter(String.class::isInstance)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(got.stream().filter(byte[].class::isInstance).map(b -> ((byte[]) b)[0])).containsExactly((byte) 42);
            assertThat(r.messages).as("nothing beyond one copy each").isEmpty();
        }

        sockets.get(0).close();
        recorders.get(0).closed.get(10, TimeUnit.SECONDS);
        sockets.get(1).sendText("after-leave");
        for (int i = 1; i < members; i++) {
            assertThat(recorders.get(i).next(WAIT)).isEqualTo("after-leave");
        }
        assertThat(recorders.get(0).messages).isEmpty();
    }
}
