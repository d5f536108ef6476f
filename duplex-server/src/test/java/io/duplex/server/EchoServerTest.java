package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.net.ClientOptions;
import io.duplex.net.CloseStatus;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketClient;
import io.duplex.net.WebSocketListener;
import io.duplex.net.WebSocketServer;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server {@code duplex echo} runs: /health, echo on any path, /broadcast, large messages. */
@Timeout(60)
class EchoServerTest {
    private static final int MAX_MESSAGE = 64 << 20;
    private static WebSocketServer server;
    private static final ClientOptions CLIENT = ClientOptions.DEFAULTS.withOptions(
            ClientOptions.DEFAULTS.options().withMaxMessageSize(MAX_MESSAGE));

    @BeforeAll
    static void start() throws Exception {
        server = EchoServer.start("127.0.0.1", 0, 2, MAX_MESSAGE);
    }

    @AfterAll
    static void stop() throws Exception {
        server.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
    }

    /** Records messages (binary copied as byte[]) and the close. */
    static final class Client implements WebSocketListener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();

        @Override
        public void onText(WebSocket ws, String text) {
            messages.add(text);
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            messages.add(b);
        }

        @Override
        public void onClose(WebSocket ws, CloseStatus status) {
            closed.complete(status);
        }

        Object next() throws InterruptedException {
            Object o = messages.poll(30, TimeUnit.SECONDS);
            assertThat(o).as("a message within 30 s").isNotNull();
            return o;
        }
    }

    private static WebSocket connect(String path, Client c) throws Exception {
        return WebSocketClient.connect(URI.create("ws://127.0.0.1:" + server.port() + path), CLIENT, c)
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void healthAnswersOverPlainHttp() throws Exception {
        HttpURLConnection http = (HttpURLConnection) URI.create("http://127.0.0.1:" + server.port() + "/health")
                .toURL().openConnection();
        http.setConnectTimeout(10_000);
        http.setReadTimeout(10_000);
        assertThat(http.getResponseCode()).isEqualTo(200);
        assertThat(http.getContentType()).isEqualTo("application/json");
        try (InputStream in = http.getInputStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"ok\"}");
        }
    }

    @Test
    void echoesOnAnyPathIncludingA16MiBMessage() throws Exception {
        Client c = new Client();
        WebSocket ws = connect("/some/arbitrary/path?x=1", c);
        byte[] big = new byte[16 << 20];
        new Random(5).nextBytes(big);

        ws.sendText("hello");
        ws.sendBinary(big.clone());

        assertThat(c.next()).isEqualTo("hello");
        assertThat((byte[]) c.next()).isEqualTo(big);
        ws.close();
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1000, "", false, true));
    }

    @Test
    void broadcastReachesEveryConnectionTheSenderIncluded() throws Exception {
        Client a = new Client();
        WebSocket wa = connect("/broadcast", a);
        // A message comes back to its sender only once the sender has joined.
        wa.sendText("a joined");
        assertThat(a.next()).isEqualTo("a joined");
        Client b = new Client();
        WebSocket wb = connect("/broadcast", b);
        wb.sendText("b joined");
        assertThat(b.next()).isEqualTo("b joined");
        assertThat(a.next()).isEqualTo("b joined");

        wa.sendText("from a");
        wb.sendBinary(new byte[] {7});

        // Two senders on two loops: each member gets both, in either order.
        for (Client c : new Client[] {a, b}) {
            Object first = c.next();
            Object second = c.next();
            Object text = first instanceof String ? first : second;
            Object binary = first instanceof String ? second : first;
            assertThat(text).isEqualTo("from a");
            assertThat(binary).isInstanceOf(byte[].class).isEqualTo(new byte[] {7});
        }
        wa.close();
        wb.close();
        assertThat(a.closed.get(10, TimeUnit.SECONDS).clean()).isTrue();
        assertThat(b.closed.get(10, TimeUnit.SECONDS).clean()).isTrue();
    }
}
