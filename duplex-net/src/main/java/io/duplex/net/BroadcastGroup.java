package io.duplex.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A set of connections that receive the same messages. A broadcast encodes the frame once
 * ({@link PreparedMessage}) and gives each event loop that has members one task, which appends a read-only view
 * of that frame to each member's queue: no per-member copy, encoding or task.
 *
 * <p>Thread-safety: {@link #broadcast} may be called from any thread. {@link #add} and {@link #remove} must be
 * called on the connection's own loop (e.g. from {@code onOpen} and {@code onClose}).
 */
public final class BroadcastGroup {
    private final Map<EventLoop, List<WebSocketSession>> byLoop = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    public void add(WebSocket ws) {
        WebSocketSession s = session(ws);
        byLoop.computeIfAbsent(s.connection().loop(), l -> new ArrayList<>()).add(s);
        size.incrementAndGet();
    }

    public void remove(WebSocket ws) {
        WebSocketSession s = session(ws);
        List<WebSocketSession> members = byLoop.get(s.connection().loop());
        if (members != null && members.remove(s)) {
            size.decrementAndGet();
        }
    }

    public int size() {
        return size.get();
    }

    /** Sends {@code message} to every member, the caller included if it is one. */
    public void broadcast(PreparedMessage message) {
        for (Map.Entry<EventLoop, List<WebSocketSession>> e : byLoop.entrySet()) {
            EventLoop loop = e.getKey();
            List<WebSocketSession> members = e.getValue();
            if (loop.inEventLoop()) {
                deliver(members, message);
            } else {
                loop.execute(() -> deliver(members, message));
            }
        }
    }

    private static void deliver(List<WebSocketSession> members, PreparedMessage message) {
        for (int i = 0, n = members.size(); i < n; i++) {
            members.get(i).send(message);
        }
    }

    private static WebSocketSession session(WebSocket ws) {
        if (ws instanceof WebSocketSession s) {
            return s;
        }
        throw new IllegalArgumentException("only server-side connections of this runtime can join: " + ws);
    }
}
