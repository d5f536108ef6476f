package io.duplex.net.interop;

import static io.duplex.net.interop.InteropServer.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.net.ClientOptions;
import io.duplex.net.CloseStatus;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketClient;
import io.duplex.net.WebSocketListener;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Duplex's {@link WebSocketClient} running the interop script against a foreign server (see
 * {@link InteropServer} for the script): the same checks the foreign clients run against us, from our side.
 */
final class DuplexClientScenario {
    static final Duration WAIT = Duration.ofSeconds(10);

    private DuplexClientScenario() {}

    /** Runs every check against {@code uri}; the peer then reports a 4001 "client bye" and a 4000 close. */
    static void run(URI uri, ClientOptions options) throws Exception {
        Inbox in = new Inbox();
        WebSocket ws = WebSocketClient.connect(uri, options, in).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // RFC 7692: our client offers permessage-deflate and both foreign servers here accept it.
        assertThat(ws.extensions()).as("negotiated extensions").startsWith("permessage-deflate");

        String text = "hello, ünïcödé ✓";
        ws.sendText(text);
        assertThat(in.next()).as("text").isEqualTo(text);

        byte[] bin = pattern(256, 1);
        ws.sendBinary(bin.clone());
        assertThat(in.next()).as("binary").isEqualTo(bin);

        WebSocket.MessageStream s = ws.stream(true);
        s.write(utf8("frag-"));
        s.write(utf8("ment-"));
        s.finish(utf8("ed"));
        assertThat(in.next()).as("fragmented text").isEqualTo("frag-ment-ed");

        WebSocket.MessageStream b = ws.stream(false);
        b.write(ByteBuffer.wrap(pattern(10, 2)));
        b.finish(ByteBuffer.wrap(pattern(5, 3)));
        byte[] joined = ByteBuffer.allocate(15).put(pattern(10, 2)).put(pattern(5, 3)).array();
        assertThat(in.next()).as("fragmented binary").isEqualTo(joined);

        ws.sendText("");
        assertThat(in.next()).as("empty text").isEqualTo("");
        ws.sendBinary(new byte[0]);
        assertThat(in.next()).as("empty binary").isEqualTo(new byte[0]);

        ws.sendText("frag-me");
        assertThat(in.next()).as("a message the peer sent in fragments").isEqualTo(InteropServer.FRAGMENTED);

        ws.ping(utf8("client-ping"));
        assertThat(in.pongs.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("pong payload").isEqualTo("client-ping");

        ws.sendText("ping-me");
        assertThat(in.next()).as("the peer got our automatic pong").isEqualTo("pong:srv-ping");

        byte[] big = pattern(1 << 20, 4);
        ws.sendBinary(big.clone());
        assertThat(in.next()).as("1 MiB binary").isEqualTo(big);

        ws.close(4001, "client bye");
        CloseStatus ours = in.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(ours.code()).as("the peer's reply to our close").isEqualTo(4001);
        assertThat(ours.remote()).isFalse();
        assertThat(ours.clean()).isTrue();
        assertThat(in.errors).isEmpty();

        Inbox in2 = new Inbox();
        WebSocket ws2 = WebSocketClient.connect(uri, options, in2).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        ws2.sendText("close:4000:bye");
        assertThat(in2.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("close started by the peer")
                .isEqualTo(new CloseStatus(4000, "bye", true, true));
        assertThat(in2.errors).isEmpty();
    }

    /** What the foreign server prints when a connection ends: the code and reason it received or sent. */
    static void assertPeerSawCloses(Peer server) throws InterruptedException {
        String first = server.awaitLine(l -> l.contains("\"close\""), WAIT);
        String second = server.awaitLine(l -> l.contains("\"close\""), WAIT);
        assertThat(List.of(first, second)).as("the peer's close events\n%s", server.transcript())
                .anySatisfy(l -> assertThat(l).contains("4001").contains("client bye"))
                .anySatisfy(l -> assertThat(l).contains("4000"));
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** Collects what one connection receives. Messages are Strings (text) or byte[] (binary). */
    static final class Inbox implements WebSocketListener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();

        Object next() throws InterruptedException {
            Object m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(m).as("a message within %s (errors: %s, closed: %s)", WAIT, errors, closed.getNow(null))
                    .isNotNull();
            return m;
        }

        @Override
        public void onText(WebSocket ws, String text) {
            messages.add(text);
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            byte[] copy = new byte[data.remaining()];
            data.get(copy);
            messages.add(copy);
        }

        @Override
        public void onPong(WebSocket ws, ByteBuffer payload) {
            pongs.add(StandardCharsets.UTF_8.decode(payload).toString());
        }

        @Override
        public void onClose(WebSocket ws, CloseStatus status) {
            closed.complete(status);
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            errors.add(error);
        }
    }
}
