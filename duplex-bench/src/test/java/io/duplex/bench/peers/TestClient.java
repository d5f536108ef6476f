package io.duplex.bench.peers;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A JDK {@link WebSocket} client that reassembles whole messages and hands them out in arrival order.
 *
 * <p>Thread-safety: the JDK calls the listener methods one at a time on its own threads while the test
 * thread calls {@link #next()}; both sides meet under this object's lock.
 */
final class TestClient implements WebSocket.Listener, AutoCloseable {

    static final long TIMEOUT_SECONDS = 10;

    /** One whole message as received: its kind and its payload (UTF-8 bytes for text). */
    record Received(boolean binary, byte[] payload) {
        static Received text(String text) {
            return new Received(false, text.getBytes(StandardCharsets.UTF_8));
        }

        static Received binary(byte[] payload) {
            return new Received(true, payload);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Received that && binary == that.binary && Arrays.equals(payload, that.payload);
        }

        @Override
        public int hashCode() {
            return 31 * Boolean.hashCode(binary) + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return (binary ? "binary(" : "text(") + payload.length + " bytes)";
        }
    }

    private final Deque<Received> arrived = new ArrayDeque<>();
    private final Deque<CompletableFuture<Received>> waiting = new ArrayDeque<>();
    private final StringBuilder textParts = new StringBuilder();
    private final ByteArrayOutputStream binaryParts = new ByteArrayOutputStream();
    private WebSocket socket;

    private TestClient() {
    }

    static TestClient connect(HttpClient http, int port, String path) throws Exception {
        TestClient client = new TestClient();
        client.socket = http.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(TIMEOUT_SECONDS))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + path), client)
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return client;
    }

    void sendText(String text) throws Exception {
        socket.sendText(text, true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    void sendBinary(byte[] payload) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(payload), true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** The next whole message, waiting at most {@link #TIMEOUT_SECONDS}. */
    Received next() throws Exception {
        CompletableFuture<Received> next;
        synchronized (this) {
            Received ready = arrived.poll();
            next = ready != null ? CompletableFuture.completedFuture(ready) : new CompletableFuture<>();
            if (ready == null) {
                waiting.add(next);
            }
        }
        return next.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        synchronized (this) {
            textParts.append(data);
            if (last) {
                deliver(Received.text(textParts.toString()));
                textParts.setLength(0);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        synchronized (this) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binaryParts.writeBytes(part);
            if (last) {
                deliver(Received.binary(binaryParts.toByteArray()));
                binaryParts.reset();
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public synchronized void onError(WebSocket webSocket, Throwable error) {
        waiting.forEach(future -> future.completeExceptionally(error));
        waiting.clear();
    }

    private void deliver(Received message) {
        CompletableFuture<Received> waiter = waiting.poll();
        if (waiter != null) {
            waiter.complete(message);
        } else {
            arrived.add(message);
        }
    }

    @Override
    public void close() {
        socket.abort();
    }
}
