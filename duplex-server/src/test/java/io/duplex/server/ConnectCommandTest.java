package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.net.CloseStatus;
import io.duplex.net.Endpoint;
import io.duplex.net.HandshakeHook;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketListener;
import io.duplex.net.WebSocketServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code duplex connect}, run in-process through picocli with stdin, stdout and stderr replaced (the tests of
 * this class therefore must not run in parallel with each other).
 */
@Timeout(60)
class ConnectCommandTest {
    private WebSocketServer server;
    /** Released at the end of each test, so that a stdin that never ends lets its reader thread go. */
    private final CountDownLatch endOfStdin = new CountDownLatch(1);

    @AfterEach
    void tearDown() throws Exception {
        endOfStdin.countDown();
        if (server != null) {
            server.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        }
    }

    private static CliRun run(InputStream stdin, String... args) {
        return CliRun.run(stdin, args);
    }

    private static InputStream lines(String... lines) {
        return new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A stdin that stays open until the test ends. */
    private InputStream openStdin() {
        return new InputStream() {
            @Override
            public int read() throws java.io.IOException {
                try {
                    endOfStdin.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                return -1;
            }
        };
    }

    private String url(String path) {
        return "ws://127.0.0.1:" + server.port() + path;
    }

    private WebSocketServer serve(Endpoint endpoint) throws Exception {
        server = WebSocketServer.builder().port(0).loops(1).defaultEndpoint(endpoint).start();
        return server;
    }

    @Test
    void stdinLinesAreEchoedToStdoutAndEndOfStdinClosesCleanly() throws Exception {
        server = EchoServer.start("127.0.0.1", 0, 1, 1 << 20);

        CliRun r = run(lines("one", "two", "three"), "connect", url("/any/path"));

        assertThat(r.out()).isEqualTo("one\ntwo\nthree\n".replace("\n", System.lineSeparator()));
        assertThat(r.err()).contains("closed: 1000");
        assertThat(r.exitCode()).isEqualTo(0);
    }

    @Test
    void headersAndSubprotocolsReachTheServer() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        serve(Endpoint.of(EchoServer.ECHO).withSubprotocols("chat.v2", "chat.v1").withHook((req, remote) -> {
            seen.put("Authorization", String.valueOf(req.headers().get("Authorization")));
            seen.put("X-Trace", String.valueOf(req.headers().get("X-Trace")));
            seen.put("Sec-WebSocket-Protocol", String.join(",", req.headers().all("Sec-WebSocket-Protocol")));
            return HandshakeHook.accept();
        }));

        CliRun r = run(lines("hi"), "connect", "--header", "Authorization: Bearer abc", "-H", "X-Trace:  42 ",
                "--subprotocol", "chat.v1", "-s", "chat.v2", url("/chat"));

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(seen).containsEntry("Authorization", "Bearer abc").containsEntry("X-Trace", "42");
        assertThat(seen.get("Sec-WebSocket-Protocol")).contains("chat.v1").contains("chat.v2");
        assertThat(r.err()).contains("subprotocol: chat.v2");
        assertThat(r.out()).startsWith("hi");
    }

    @Test
    void badHeaderIsAUsageError() {
        CliRun r = run(lines(), "connect", "-H", "no colon here", "ws://127.0.0.1:1/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("bad --header");
    }

    @Test
    void refusedConnectionExitsWith1() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliRun r = run(lines("x"), "connect", "ws://127.0.0.1:" + port + "/");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("connect failed");
    }

    @Test
    void handshakeRefusalExitsWith1() throws Exception {
        serve(Endpoint.of(EchoServer.ECHO).withHook((req, remote) -> HandshakeHook.reject(403, "no")));
        CliRun r = run(lines("x"), "connect", url("/"));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("403");
    }

    @Test
    void serverClosingWith4000ExitsWith3() throws Exception {
        serve(Endpoint.of(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws) {
                ws.close(4000, "go away");
            }
        }));

        CliRun r = run(openStdin(), "connect", url("/"));

        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.err()).contains("closed: 4000 go away");
    }

    @Test
    void echoModeSendsEveryMessageBack() throws Exception {
        BlockingQueue<String> returned = new LinkedBlockingQueue<>();
        BlockingQueue<CloseStatus> serverClose = new LinkedBlockingQueue<>();
        serve(Endpoint.of(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws) {
                ws.sendText("marco");
                ws.sendBinary(new byte[] {1, 2, 3});
            }

            @Override
            public void onText(WebSocket ws, String text) {
                returned.add(text);
            }

            @Override
            public void onBinary(WebSocket ws, java.nio.ByteBuffer data) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                returned.add(java.util.HexFormat.of().formatHex(b));
                ws.close(1000, "thanks");
            }

            @Override
            public void onClose(WebSocket ws, CloseStatus status) {
                serverClose.add(status);
            }
        }));

        CliRun r = run(openStdin(), "connect", "--echo", url("/"));

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(List.of(returned.poll(10, TimeUnit.SECONDS), returned.poll(10, TimeUnit.SECONDS)))
                .containsExactly("marco", "010203");
        assertThat(r.out()).isEmpty();
        assertThat(serverClose.poll(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1000, "", false, true));
    }
}
