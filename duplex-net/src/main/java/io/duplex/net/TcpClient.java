package io.duplex.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens outbound connections on an event loop.
 *
 * <p>Thread-safety: stateless; the static methods are safe from any thread.
 */
public final class TcpClient {
    private TcpClient() {
    }

    /** Plain TCP with default options. */
    public static CompletableFuture<Connection> connect(EventLoop loop, InetSocketAddress address,
                                                        Supplier<? extends ConnectionHandler> handler,
                                                        Duration connectTimeout) {
        return connect(loop, address, handler, connectTimeout, ConnectionOptions.DEFAULTS, null);
    }

    /**
     * Connects without blocking. The future completes after {@code onOpen} has run (for TLS, after
     * the handshake), or fails with the connect, timeout or handshake error; in that case the
     * handler sees no callback at all. {@code connectTimeout} covers the TCP connect only; the TLS
     * handshake has its own timeout in the options.
     *
     * @param tls null for plain TCP; otherwise a client-side configuration
     */
    public static CompletableFuture<Connection> connect(EventLoop loop, InetSocketAddress address,
                                                        Supplier<? extends ConnectionHandler> handler,
                                                        Duration connectTimeout, ConnectionOptions options,
                                                        TlsConfig tls) {
        return connect(loop, address, null, handler, connectTimeout, options, tls);
    }

    /**
     * As above, binding the socket to {@code localAddress} first (null: the system picks). A load generator
     * uses this to spread connections over several source addresses (127.0.0.2, 127.0.0.3, ...) once one
     * address's ephemeral ports run out.
     */
    public static CompletableFuture<Connection> connect(EventLoop loop, InetSocketAddress address,
                                                        InetSocketAddress localAddress,
                                                        Supplier<? extends ConnectionHandler> handler,
                                                        Duration connectTimeout, ConnectionOptions options,
                                                        TlsConfig tls) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(options, "options");
        if (tls != null && !tls.isClient()) {
            throw new IllegalArgumentException("client needs a client-side TlsConfig");
        }
        CompletableFuture<Connection> result = new CompletableFuture<>();
        try {
            loop.execute(() -> new Attempt(loop, address, localAddress, handler, connectTimeout, options, tls, result).start());
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /** A connect in progress: the key's attachment until the socket is connected. Loop-confined. */
    private static final class Attempt extends Selectable {
        private final EventLoop loop;
        private final InetSocketAddress address;
        private final InetSocketAddress localAddress;
        private final Supplier<? extends ConnectionHandler> handler;
        private final Duration timeout;
        private final ConnectionOptions options;
        private final TlsConfig tls;
        private final CompletableFuture<Connection> result;
        private SocketChannel channel;
        private SelectionKey key;
        private Timeout timer;

        Attempt(EventLoop loop, InetSocketAddress address, InetSocketAddress localAddress, Supplier<? extends ConnectionHandler> handler,
                Duration timeout, ConnectionOptions options, TlsConfig tls, CompletableFuture<Connection> result) {
            this.loop = loop;
            this.address = address;
            this.localAddress = localAddress;
            this.handler = handler;
            this.timeout = timeout;
            this.options = options;
            this.tls = tls;
            this.result = result;
        }

        void start() {
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
                if (localAddress != null) {
                    channel.bind(localAddress);
                }
                if (channel.connect(address)) {
                    connected();
                    return;
                }
                key = loop.register(channel, SelectionKey.OP_CONNECT, this);
                timer = loop.schedule(timeout.toNanos(), TimeUnit.NANOSECONDS, () ->
                        fail(new SocketTimeoutException("connect to " + address + " timed out after " + timeout)));
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        }

        @Override
        void ready(SelectionKey k) {
            try {
                if (channel.finishConnect()) {
                    connected();
                }
            } catch (IOException e) {
                fail(e);
            }
        }

        private void connected() throws IOException {
            if (timer != null) {
                timer.cancel();
            }
            TlsSession session = tls == null ? null
                    : new TlsSession(tls.newEngine(address.getHostString(), address.getPort()), result);
            // The key is handed over to the connection: cancelling and registering again would fail
            // until the next select had flushed the cancelled key.
            Connection c = Connection.register(loop, channel, key, handler.get(), options, session);
            if (session == null) {
                result.complete(c);
            }
        }

        private void fail(Throwable e) {
            if (timer != null) {
                timer.cancel();
            }
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // Reporting the original failure matters more.
                }
            }
            result.completeExceptionally(e);
        }

        @Override
        void closeForShutdown() {
            fail(new IOException("event loop shut down during connect"));
        }
    }
}
