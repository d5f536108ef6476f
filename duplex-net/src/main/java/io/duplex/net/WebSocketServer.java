package io.duplex.net;

import io.duplex.protocol.handshake.HttpRequestParser;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket and HTTP/1.1 server on Duplex's event loops.
 *
 * <pre>{@code
 * WebSocketServer server = WebSocketServer.builder()
 *         .port(8080)
 *         .endpoint("/echo", Endpoint.of(new WebSocketListener() {
 *             public void onText(WebSocket ws, String text) { ws.sendText(text); }
 *         }))
 *         .start();
 * }</pre>
 *
 * <p>Thread-safety: safe to use from any thread; configuration is fixed once started.
 */
public final class WebSocketServer {
    private static final Logger log = LoggerFactory.getLogger(WebSocketServer.class);

    private final Builder config;
    private final Map<String, Endpoint> endpoints;
    private final Map<String, HttpHandler> handlers;
    private final Map<String, HttpHandler> prefixes;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    /** Open connections, HTTP and WebSocket; the loops' selectors know which they are. */
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    /** Told when one of this server's WebSocket sessions ends; also how a loop tells this server's sessions apart. */
    private final java.util.function.Consumer<WebSocketSession> sessionEnded = s -> open.decrementAndGet();
    private final TcpServer tcp;
    private volatile boolean running = true;

    private WebSocketServer(Builder b) throws IOException {
        this.config = b;
        this.endpoints = Map.copyOf(b.endpoints);
        this.handlers = Map.copyOf(b.handlers);
        this.prefixes = Map.copyOf(b.prefixes);
        this.ownsGroup = b.group == null;
        this.group = ownsGroup ? new EventLoopGroup(b.loops, "duplex-server").messageBufferPoolBytes(b.messageBufferPoolBytes)
                : b.group;
        // Watermarks of the HTTP phase; an upgrade switches the connection to its endpoint's own.
        WebSocketOptions o = b.defaultEndpoint != null ? b.defaultEndpoint.options()
                : endpoints.isEmpty() ? WebSocketOptions.SERVER_DEFAULTS : endpoints.values().iterator().next().options();
        ConnectionOptions co = ConnectionOptions.DEFAULTS.withWatermarks(o.highWatermark(), o.lowWatermark());
        try {
            this.tcp = TcpServer.bind(group, new InetSocketAddress(b.host, b.port), b.backlog, co, b.tls,
                    () -> new ServerConnectionHandler(this));
        } catch (IOException | RuntimeException e) {
            if (ownsGroup) {
                group.shutdown();
            }
            throw e;
        }
        log.info("listening on {}:{}", b.host, tcp.port());
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return tcp.port();
    }

    public InetSocketAddress address() {
        return tcp.localAddress();
    }

    /** Connections currently open (HTTP and WebSocket). */
    public int connectionCount() {
        return open.get();
    }

    public EventLoopGroup group() {
        return group;
    }

    boolean isRunning() {
        return running;
    }

    Endpoint endpoint(String path) {
        Endpoint e = endpoints.get(path);
        return e != null ? e : config.defaultEndpoint;
    }

    HttpHandler httpHandler(String path) {
        HttpHandler h = handlers.get(path);
        if (h != null) {
            return h;
        }
        // The longest prefix that matches whole path segments.
        String best = null;
        for (String prefix : prefixes.keySet()) {
            if (path.startsWith(prefix) && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best == null ? null : prefixes.get(best);
    }

    HttpRequestParser newParser() {
        return new HttpRequestParser(config.maxRequestHeadBytes, config.maxHeaderCount);
    }

    Duration handshakeTimeout() {
        return config.handshakeTimeout;
    }

    Duration closeTimeout() {
        return config.closeTimeout;
    }

    int maxRequestHeadBytes() {
        return config.maxRequestHeadBytes;
    }

    int maxHttpBody() {
        return config.maxHttpBody;
    }

    /** A connection was accepted (its handler is opening). */
    void track() {
        open.incrementAndGet();
    }

    /** A connection that was never upgraded closed. */
    void untrack() {
        open.decrementAndGet();
    }

    /** What an upgraded connection's session calls when it ends. */
    java.util.function.Consumer<WebSocketSession> sessionEnded() {
        return sessionEnded;
    }

    /**
     * On every loop, applies {@code toHttp} to this server's connections that are not upgraded and {@code toWs} to
     * its WebSocket sessions. Any thread.
     */
    private void forEachOwn(java.util.function.Consumer<ServerConnectionHandler> toHttp,
                            java.util.function.Consumer<WebSocketSession> toWs) {
        for (EventLoop loop : group.loops()) {
            try {
                loop.execute(() -> loop.forEachConnection(c -> {
                    if (c.handler() instanceof ServerConnectionHandler h && h.server() == this) {
                        toHttp.accept(h);
                    } else if (c.handler() instanceof WebSocketSession s && s.finishedCallback() == sessionEnded) {
                        toWs.accept(s);
                    }
                }));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // That loop has already stopped, and its connections with it.
            }
        }
    }

    /**
     * Graceful shutdown: stops accepting, closes every WebSocket with 1001 and every HTTP connection, waits for
     * them up to {@code deadline}, terminates what is left, then stops the event loops this server created.
     */
    public CompletableFuture<Void> shutdown(Duration deadline) {
        running = false;
        CompletableFuture<Void> done = new CompletableFuture<>();
        tcp.closeAcceptor().whenComplete((v, e) -> {
            forEachOwn(ServerConnectionHandler::shutdown, s -> s.close(1001, "server shutting down"));
            long until = System.nanoTime() + deadline.toNanos();
            Thread waiter = new Thread(() -> {
                try {
                    while (open.get() > 0 && System.nanoTime() < until) {
                        Thread.sleep(10);
                    }
                    forEachOwn(ServerConnectionHandler::terminate, s -> s.connection().abort());
                    long hard = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                    while (open.get() > 0 && System.nanoTime() < hard) {
                        Thread.sleep(5);
                    }
                    if (ownsGroup) {
                        group.shutdown().get(10, TimeUnit.SECONDS);
                    }
                    done.complete(null);
                } catch (Exception ex) {
                    done.completeExceptionally(ex);
                }
            }, "duplex-server-shutdown");
            waiter.setDaemon(true);
            waiter.start();
        });
        return done;
    }

    /** Not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private int backlog = 1024;
        private int loops = Runtime.getRuntime().availableProcessors();
        private EventLoopGroup group;
        private long messageBufferPoolBytes = MessageBufferPool.DEFAULT_MAX_BYTES;
        private TlsConfig tls;
        private final Map<String, Endpoint> endpoints = new HashMap<>();
        private final Map<String, HttpHandler> handlers = new HashMap<>();
        private final Map<String, HttpHandler> prefixes = new HashMap<>();
        private Endpoint defaultEndpoint;
        private int maxRequestHeadBytes = HttpRequestParser.DEFAULT_MAX_HEAD_BYTES;
        private int maxHeaderCount = HttpRequestParser.DEFAULT_MAX_HEADER_COUNT;
        private int maxHttpBody = 1 << 20;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(5);

        private Builder() {}

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** 0 picks a free port; see {@link WebSocketServer#port()}. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        /** Number of event loops to create (default: available processors). */
        public Builder loops(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("loops must be >= 1");
            }
            this.loops = n;
            return this;
        }

        /**
         * Direct memory per event loop for reassembling large messages (default 16 MiB, 0 for none): see
         * {@link EventLoop#messageBufferPoolBytes}. For a {@link #group} passed in, set it on the group instead.
         */
        public Builder messageBufferPoolBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("messageBufferPoolBytes must not be negative");
            }
            this.messageBufferPoolBytes = bytes;
            return this;
        }

        /** Runs on an existing group, which the server then does not shut down. */
        public Builder group(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        /** Serves wss:// and https://. */
        public Builder tls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        public Builder endpoint(String path, Endpoint endpoint) {
            endpoints.put(path, endpoint);
            return this;
        }

        public Builder endpoint(String path, WebSocketListener listener) {
            return endpoint(path, Endpoint.of(listener));
        }

        /** The endpoint for every path that has neither its own endpoint nor an HTTP handler. */
        public Builder defaultEndpoint(Endpoint endpoint) {
            this.defaultEndpoint = endpoint;
            return this;
        }

        /** A plain HTTP handler for one exact path; it wins over the default endpoint. */
        public Builder http(String path, HttpHandler handler) {
            handlers.put(path, handler);
            return this;
        }

        /**
         * A plain HTTP handler for every path under {@code prefix}, which must end with '/' (static files, say).
         * Exact paths ({@link #http}) win, then the longest prefix; WebSocket endpoints are not affected.
         */
        public Builder httpPrefix(String prefix, HttpHandler handler) {
            if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
                throw new IllegalArgumentException("a prefix starts and ends with '/': " + prefix);
            }
            prefixes.put(prefix, handler);
            return this;
        }

        /** Request line plus headers, default 8 KiB; beyond it 431. */
        public Builder maxRequestHeadBytes(int bytes) {
            this.maxRequestHeadBytes = bytes;
            return this;
        }

        public Builder maxHeaderCount(int n) {
            this.maxHeaderCount = n;
            return this;
        }

        /** Largest plain HTTP request body, default 1 MiB; beyond it 413. */
        public Builder maxHttpBody(int bytes) {
            this.maxHttpBody = bytes;
            return this;
        }

        /** Time allowed for a complete request head (slowloris), default 10 s; then 408 and close. */
        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = d;
            return this;
        }

        /** How long a closing HTTP connection may take to drain before it is dropped, default 5 s. */
        public Builder closeTimeout(Duration d) {
            this.closeTimeout = d;
            return this;
        }

        public WebSocketServer start() throws IOException {
            return new WebSocketServer(this);
        }
    }
}
