package io.duplex.net.interop;

import static io.duplex.net.interop.DuplexClientScenario.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.net.SelfSignedCertificate;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JDK's own client, {@link java.net.http.WebSocket}, against the Duplex server: always available. */
@Timeout(30)
class JdkClientInteropTest extends InteropTestBase {
    static final long WAIT_S = 10;

    @Test
    void jdkClientAgainstDuplexServer() throws Exception {
        server = InteropServer.plain();
        runScenario(HttpClient.newHttpClient());
    }

    @Test
    void jdkClientAgainstDuplexServerOverTls() throws Exception {
        server = InteropServer.secure();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("duplex-test", SelfSignedCertificate.get("EC").certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        runScenario(HttpClient.newBuilder().sslContext(ssl).build());
    }

    private void runScenario(HttpClient http) throws Exception {
        Inbox in = new Inbox();
        WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(WAIT_S))
                .buildAsync(server.uri("/interop"), in).get(WAIT_S, TimeUnit.SECONDS);

        String text = "hello, ünïcödé ✓";
        await(ws.sendText(text, true));
        assertThat(in.next()).as("text").isEqualTo(text);

        byte[] bin = pattern(256, 1);
        await(ws.sendBinary(ByteBuffer.wrap(bin), true));
        assertThat(in.next()).as("binary").isEqualTo(bin);

        // Each send must complete before the next one starts (java.net.http.WebSocket's rule).
        await(ws.sendText("frag-", false));
        await(ws.sendText("ment-", false));
        await(ws.sendText("ed", true));
        assertThat(in.next()).as("fragmented text").isEqualTo("frag-ment-ed");

        await(ws.sendBinary(ByteBuffer.wrap(pattern(10, 2)), false));
        await(ws.sendBinary(ByteBuffer.wrap(pattern(5, 3)), true));
        byte[] joined = ByteBuffer.allocate(15).put(pattern(10, 2)).put(pattern(5, 3)).array();
        assertThat(in.next()).as("fragmented binary").isEqualTo(joined);

        await(ws.sendText("", true));
        assertThat(in.next()).as("empty text").isEqualTo("");
        await(ws.sendBinary(ByteBuffer.allocate(0), true));
        assertThat(in.next()).as("empty binary").isEqualTo(new byte[0]);

        await(ws.sendText("frag-me", true));
        assertThat(in.next()).as("a message the server sent in fragments").isEqualTo(InteropServer.FRAGMENTED);

        await(ws.sendPing(InteropServer.utf8("client-ping")));
        assertThat(in.pongs.poll(WAIT_S, TimeUnit.SECONDS)).as("pong payload").isEqualTo("client-ping");
        assertThat(server.nextPing(Duration.ofSeconds(1))).isEqualTo("client-ping");

        await(ws.sendText("ping-me", true));
        assertThat(in.next()).as("the server got the JDK's automatic pong").isEqualTo("pong:srv-ping");

        byte[] big = pattern(1 << 20, 4);
        await(ws.sendBinary(ByteBuffer.wrap(big), true));
        assertThat(in.next()).as("1 MiB binary").isEqualTo(big);

        await(ws.sendClose(4001, "client bye"));
        assertThat(in.closed.get(WAIT_S, TimeUnit.SECONDS)).as("the server's reply to our close")
                .startsWith("4001 ");
        assertThat(in.errors).isEmpty();

        Inbox in2 = new Inbox();
        WebSocket ws2 = http.newWebSocketBuilder().buildAsync(server.uri("/interop"), in2)
                .get(WAIT_S, TimeUnit.SECONDS);
        await(ws2.sendText("close:4000:bye", true));
        assertThat(in2.closed.get(WAIT_S, TimeUnit.SECONDS)).as("close started by the server").isEqualTo("4000 bye");
        assertThat(in2.errors).isEmpty();

        server.assertScenarioCloses(Duration.ofSeconds(5));
    }

    private static void await(CompletableFuture<WebSocket> send) throws Exception {
        send.get(WAIT_S, TimeUnit.SECONDS);
    }

    /** Reassembles partial messages; messages are Strings (text) or byte[] (binary). */
    private static final class Inbox implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        /** "CODE REASON" of the close frame received. */
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        Object next() throws InterruptedException {
            Object m = messages.poll(WAIT_S, TimeUnit.SECONDS);
            assertThat(m).as("a message within %d s (errors: %s, closed: %s)", WAIT_S, errors, closed.getNow(null))
                    .isNotNull();
            return m;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            pongs.add(StandardCharsets.UTF_8.decode(message).toString());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            errors.add(error);
            closed.completeExceptionally(error);
        }
    }
}
