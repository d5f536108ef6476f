package io.duplex.net;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A server-side listener for tests: echoes text and binary messages and records every open and close, per
 * connection, so a test can assert that onClose fired exactly once and with what. Callbacks run on the
 * loops; the test thread reads through the concurrent members.
 */
class Sessions implements WebSocketListener {
    final BlockingQueue<WebSocket> opened = new LinkedBlockingQueue<>();
    final BlockingQueue<Closed> closed = new LinkedBlockingQueue<>();
    final Map<WebSocket, List<CloseStatus>> closesBy = new ConcurrentHashMap<>();
    final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

    record Closed(WebSocket ws, CloseStatus status) {}

    @Override
    public void onOpen(WebSocket ws) {
        opened.add(ws);
    }

    @Override
    public void onText(WebSocket ws, String text) {
        ws.sendText(text);
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
        ws.sendBinary(copy);
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        errors.add(error);
    }

    @Override
    public void onClose(WebSocket ws, CloseStatus status) {
        closesBy.computeIfAbsent(ws, k -> new CopyOnWriteArrayList<>()).add(status);
        closed.add(new Closed(ws, status));
    }

    WebSocket nextOpen(Duration within) throws InterruptedException, TimeoutException {
        return next(opened, within, "opened");
    }

    Closed nextClose(Duration within) throws InterruptedException, TimeoutException {
        return next(closed, within, "closed");
    }

    private static <T> T next(BlockingQueue<T> q, Duration within, String what)
            throws InterruptedException, TimeoutException {
        T t = q.poll(within.toMillis(), TimeUnit.MILLISECONDS);
        if (t == null) {
            throw new TimeoutException("no connection " + what + " within " + within);
        }
        return t;
    }

    /** Number of onClose calls for {@code ws} so far. */
    int closeCount(WebSocket ws) {
        List<CloseStatus> l = closesBy.get(ws);
        return l == null ? 0 : l.size();
    }
}
