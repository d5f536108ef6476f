package io.duplex.net;

import io.duplex.protocol.handshake.HttpRequest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A client connection that reconnects by itself with exponential backoff and jitter, holding a bounded number of
 * outgoing messages while disconnected and sending them, in order, once connected again. The listener sees
 * {@code onOpen} once, {@code onReconnecting} / {@code onReconnected} for each loss, and {@code onClose} only at
 * the end: after {@link #close} or when the attempts are used up.
 *
 * <p>Thread-safe: state changes happen under this object's lock; listener calls run on the current
 * connection's loop.
 */
final class ReconnectingWebSocket implements WebSocket {
    private final URI uri;
    private final ClientOptions options;
    private final ClientOptions.Reconnect policy;
    private final WebSocketListener listener;
    private final CompletableFuture<WebSocket> firstOpen = new CompletableFuture<>();
    private final ArrayDeque<Function<WebSocket, SendResult>> held = new ArrayDeque<>();

    private WebSocket current;
    private boolean everOpened;
    private boolean userClosed;
    private boolean ended;
    private int failures;
    private volatile Object attachment;

    ReconnectingWebSocket(URI uri, ClientOptions options, WebSocketListener listener) {
        this.uri = uri;
        this.options = options;
        this.policy = options.reconnect();
        this.listener = listener;
    }

    CompletableFuture<WebSocket> start() {
        attempt();
        return firstOpen;
    }

    private void attempt() {
        synchronized (this) {
            if (userClosed || ended) {
                // Closed during the backoff: onClose was reported then, no new connection.
                return;
            }
        }
        WebSocketClient.connectOnce(uri, options, new Relay()).whenComplete((ws, e) -> {
            if (e != null) {
                connectionLost(null);
            }
        });
    }

    /** Called with the lost connection's status, or null when an attempt failed before opening. */
    private void connectionLost(CloseStatus status) {
        Duration delay;
        int attemptNo;
        synchronized (this) {
            current = null;
            if (userClosed || ended) {
                return;
            }
            failures++;
            if (policy.maxAttempts() > 0 && failures > policy.maxAttempts()) {
                ended = true;
                held.clear();
                delay = null;
                attemptNo = failures;
            } else {
                attemptNo = failures;
                delay = policy.delay(attemptNo, ThreadLocalRandom.current().nextDouble());
            }
        }
        if (delay == null) {
            Exception gaveUp = new java.io.IOException("gave up after " + (attemptNo - 1) + " reconnect attempts");
            if (!firstOpen.completeExceptionally(gaveUp)) {
                listener.onClose(this, status != null ? status : new CloseStatus(1006, "reconnect attempts exhausted", true, false));
            }
            return;
        }
        if (everOpened) {
            listener.onReconnecting(this, attemptNo, delay);
        }
        WebSocketClient.group(options).next().schedule(delay.toNanos(), TimeUnit.NANOSECONDS, this::attempt);
    }

    /** Forwards one underlying connection's events, presenting this object as the connection. */
    private final class Relay implements WebSocketListener {
        @Override
        public void onOpen(WebSocket ws) {
            boolean first;
            synchronized (ReconnectingWebSocket.this) {
                if (userClosed) {
                    ws.close();
                    return;
                }
                current = ws;
                failures = 0;
                first = !everOpened;
                everOpened = true;
                while (!held.isEmpty()) {
                    held.poll().apply(ws);
                }
            }
            if (first) {
                listener.onOpen(ReconnectingWebSocket.this);
                firstOpen.complete(ReconnectingWebSocket.this);
            } else {
                listener.onReconnected(ReconnectingWebSocket.this);
            }
        }

        @Override
        public void onText(WebSocket ws, String text) {
            listener.onText(ReconnectingWebSocket.this, text);
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            listener.onBinary(ReconnectingWebSocket.this, data);
        }

        @Override
        public void onPing(WebSocket ws, ByteBuffer payload) {
            listener.onPing(ReconnectingWebSocket.this, payload);
        }

        @Override
        public void onPong(WebSocket ws, ByteBuffer payload) {
            listener.onPong(ReconnectingWebSocket.this, payload);
        }

        @Override
        public void onWritable(WebSocket ws) {
            listener.onWritable(ReconnectingWebSocket.this);
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            listener.onError(ReconnectingWebSocket.this, error);
        }

        @Override
        public void onClose(WebSocket ws, CloseStatus status) {
            boolean finalClose;
            boolean report = false;
            synchronized (ReconnectingWebSocket.this) {
                finalClose = userClosed;
                if (finalClose) {
                    // Already ended: close() came while disconnected and reported then; this is the attempt
                    // that was in flight, closed again by onOpen.
                    report = !ended;
                    ended = true;
                    current = null;
                }
            }
            if (report) {
                listener.onClose(ReconnectingWebSocket.this, status);
            } else if (!finalClose) {
                connectionLost(status);
            }
        }
    }

    private SendResult send(Function<WebSocket, SendResult> op) {
        WebSocket ws;
        synchronized (this) {
            if (userClosed || ended) {
                return SendResult.CLOSED;
            }
            ws = current;
            if (ws == null || !ws.isOpen()) {
                if (held.size() >= policy.maxQueuedMessages()) {
                    return SendResult.DROPPED;
                }
                held.add(op);
                // Held until the next connection: report it as queued, not written.
                return SendResult.BACKPRESSURE;
            }
        }
        return op.apply(ws);
    }

    @Override
    public SendResult sendText(String text) {
        return send(ws -> ws.sendText(text));
    }

    @Override
    public SendResult sendBinary(ByteBuffer data) {
        return send(ws -> ws.sendBinary(data.duplicate()));
    }

    @Override
    public SendResult send(PreparedMessage message) {
        return send(ws -> ws.send(message));
    }

    @Override
    public MessageStream stream(boolean text) {
        WebSocket ws;
        synchronized (this) {
            ws = current;
        }
        if (ws == null) {
            throw new IllegalStateException("not connected: streams cannot be held across reconnects");
        }
        return ws.stream(text);
    }

    @Override
    public SendResult ping(ByteBuffer payload) {
        WebSocket ws = currentOrNull();
        return ws == null ? SendResult.CLOSED : ws.ping(payload);
    }

    @Override
    public SendResult pong(ByteBuffer payload) {
        WebSocket ws = currentOrNull();
        return ws == null ? SendResult.CLOSED : ws.pong(payload);
    }

    private synchronized WebSocket currentOrNull() {
        return current;
    }

    @Override
    public void close(int code, String reason) {
        WebSocket ws;
        synchronized (this) {
            if (userClosed) {
                return;
            }
            userClosed = true;
            held.clear();
            ws = current;
            if (ws == null) {
                ended = true;
            }
        }
        if (ws != null) {
            ws.close(code, reason);
        } else {
            listener.onClose(this, new CloseStatus(code, reason == null ? "" : reason, false, false));
        }
    }

    @Override
    public void terminate() {
        WebSocket ws;
        boolean report = false;
        synchronized (this) {
            userClosed = true;
            held.clear();
            ws = current;
            if (ws == null) {
                // Disconnected: no connection will report the end, so report it here, once.
                report = !ended;
                ended = true;
            }
        }
        if (ws != null) {
            ws.terminate();
        } else if (report) {
            listener.onClose(this, new CloseStatus(1006, "", false, false));
        }
    }

    @Override
    public long bufferedAmount() {
        WebSocket ws = currentOrNull();
        return ws == null ? 0 : ws.bufferedAmount();
    }

    @Override
    public void pauseReading() {
        WebSocket ws = currentOrNull();
        if (ws != null) {
            ws.pauseReading();
        }
    }

    @Override
    public void resumeReading() {
        WebSocket ws = currentOrNull();
        if (ws != null) {
            ws.resumeReading();
        }
    }

    @Override
    public synchronized boolean isOpen() {
        return !userClosed && !ended;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        WebSocket ws = currentOrNull();
        return ws == null ? null : ws.remoteAddress();
    }

    @Override
    public HttpRequest request() {
        return null;
    }

    @Override
    public String subprotocol() {
        WebSocket ws = currentOrNull();
        return ws == null ? null : ws.subprotocol();
    }

    @Override
    public String extensions() {
        WebSocket ws = currentOrNull();
        return ws == null ? "" : ws.extensions();
    }

    @Override
    public EventLoop loop() {
        WebSocket ws = currentOrNull();
        return ws == null ? null : ws.loop();
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }
}
