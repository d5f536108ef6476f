package io.duplex.net;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link WebSocketListener} that records what happens to one connection (or, shared, to several), for tests.
 * Callbacks arrive on loop threads; the test thread reads through the concurrent members. Binary payloads are
 * copied, since the listener's view is only valid during the callback.
 */
class WsRecorder implements WebSocketListener {
    /** Text messages as String, binary ones as byte[], in arrival order. */
    final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<String> pings = new LinkedBlockingQueue<>();
    final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
    final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
    final AtomicInteger closeCount = new AtomicInteger();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    /** "attempt:delayMillis" for each onReconnecting, then "reconnected" for each onReconnected. */
    final BlockingQueue<String> reconnects = new LinkedBlockingQueue<>();

    @Override
    public void onOpen(WebSocket ws) {
        opened.complete(ws);
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
    public void onPing(WebSocket ws, ByteBuffer payload) {
        pings.add(utf8(payload));
    }

    @Override
    public void onPong(WebSocket ws, ByteBuffer payload) {
        pongs.add(utf8(payload));
    }

    @Override
    public void onClose(WebSocket ws, CloseStatus status) {
        closeCount.incrementAndGet();
        closed.complete(status);
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        errors.add(error);
    }

    @Override
    public void onReconnecting(WebSocket ws, int attempt, Duration delay) {
        reconnects.add(attempt + ":" + delay.toMillis());
    }

    @Override
    public void onReconnected(WebSocket ws) {
        reconnects.add("reconnected");
    }

    Object next(Duration timeout) throws InterruptedException, TimeoutException {
        return poll(messages, timeout);
    }

    static <T> T poll(BlockingQueue<T> q, Duration timeout) throws InterruptedException, TimeoutException {
        T t = q.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (t == null) {
            throw new TimeoutException("nothing arrived within " + timeout);
        }
        return t;
    }

    private static String utf8(ByteBuffer b) {
        byte[] copy = new byte[b.remaining()];
        b.get(copy);
        return new String(copy, java.nio.charset.StandardCharsets.UTF_8);
    }
}
