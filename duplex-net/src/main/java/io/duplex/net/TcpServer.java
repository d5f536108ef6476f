package io.duplex.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket. One loop of the group accepts; accepted sockets are spread round-robin over
 * all loops of the group, each getting a fresh handler from the factory.
 *
 * <p>Closing the acceptor does not touch accepted connections: draining them gracefully is the
 * business of the layer above, which knows the protocol's goodbye.
 *
 * <p>Thread-safety: all public methods are safe from any thread.
 */
public final class TcpServer {
    private static final Logger log = LoggerFactory.getLogger(TcpServer.class);

    /** Default listen backlog: room for a burst of connects while the acceptor loop is busy. */
    public static final int DEFAULT_BACKLOG = 1024;
    /** Accepts per readiness event, so that a connect storm cannot starve the acceptor's other keys. */
    private static final int MAX_ACCEPTS_PER_EVENT = 64;

    private final EventLoopGroup group;
    private final EventLoop acceptLoop;
    private final ServerSocketChannel server;
    private final InetSocketAddress localAddress;
    private final Supplier<? extends ConnectionHandler> handlers;
    private final ConnectionOptions options;
    private final TlsConfig tls;
    private final Acceptor acceptor = new Acceptor();
    private final CompletableFuture<Void> acceptorClosed = new CompletableFuture<>();

    private TcpServer(EventLoopGroup group, ServerSocketChannel server, Supplier<? extends ConnectionHandler> handlers,
                      ConnectionOptions options, TlsConfig tls) throws IOException {
        this.group = group;
        this.acceptLoop = group.next();
        this.server = server;
        this.localAddress = (InetSocketAddress) server.getLocalAddress();
        this.handlers = handlers;
        this.options = options;
        this.tls = tls;
    }

    /** Plain TCP server with default options and backlog. */
    public static TcpServer bind(EventLoopGroup group, InetSocketAddress address,
                                 Supplier<? extends ConnectionHandler> handlers) throws IOException {
        return bind(group, address, DEFAULT_BACKLOG, ConnectionOptions.DEFAULTS, null, handlers);
    }

    /**
     * Binds (port 0 picks a free port; see {@link #port()}) and starts accepting.
     *
     * @param tls null for plain TCP; otherwise a server-side configuration
     */
    public static TcpServer bind(EventLoopGroup group, InetSocketAddress address, int backlog,
                                 ConnectionOptions options, TlsConfig tls,
                                 Supplier<? extends ConnectionHandler> handlers) throws IOException {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(handlers, "handlers");
        Objects.requireNonNull(options, "options");
        if (tls != null && tls.isClient()) {
            throw new IllegalArgumentException("server needs a server-side TlsConfig");
        }
        ServerSocketChannel ch = ServerSocketChannel.open();
        TcpServer s;
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, backlog);
            ch.configureBlocking(false);
            s = new TcpServer(group, ch, handlers, options, tls);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        s.startAccepting();
        return s;
    }

    private void startAccepting() throws IOException {
        if (acceptLoop.inEventLoop()) {
            acceptLoop.register(server, SelectionKey.OP_ACCEPT, acceptor);
            return;
        }
        try {
            acceptLoop.submit(() -> acceptLoop.register(server, SelectionKey.OP_ACCEPT, acceptor)).join();
        } catch (CompletionException e) {
            server.close();
            throw new IOException("cannot register acceptor", e.getCause());
        }
    }

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The bound port, useful after binding port 0. */
    public int port() {
        return localAddress.getPort();
    }

    /** Stops accepting and releases the listening socket. Idempotent. */
    public CompletableFuture<Void> closeAcceptor() {
        try {
            acceptLoop.execute(acceptor::close);
        } catch (RejectedExecutionException e) {
            // The loop is gone and closed the channel on its way out.
            acceptor.close();
        }
        return acceptorClosed.copy();
    }

    private final class Acceptor extends Selectable {
        @Override
        void ready(SelectionKey key) {
            for (int i = 0; i < MAX_ACCEPTS_PER_EVENT; i++) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (IOException e) {
                    // EMFILE and friends: keep the acceptor; the next readiness retries.
                    log.warn("accept failed on {}", localAddress, e);
                    return;
                }
                if (ch == null) {
                    return;
                }
                hand(ch);
            }
        }

        private void hand(SocketChannel ch) {
            EventLoop target = group.next();
            if (target.inEventLoop()) {
                open(target, ch);
                return;
            }
            try {
                target.execute(() -> open(target, ch));
            } catch (RejectedExecutionException e) {
                closeQuietly(ch);
            }
        }

        private void open(EventLoop loop, SocketChannel ch) {
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
                InetSocketAddress peer = (InetSocketAddress) ch.getRemoteAddress();
                TlsSession session = tls == null ? null
                        : new TlsSession(tls.newEngine(peer.getHostString(), peer.getPort()), null);
                Connection.register(loop, ch, null, handlers.get(), options, session);
            } catch (IOException | RuntimeException e) {
                log.debug("dropping accepted socket", e);
                closeQuietly(ch);
            }
        }

        /** Loop thread, or any thread once the loop has terminated. */
        void close() {
            if (!server.isOpen()) {
                return;
            }
            try {
                server.close();
            } catch (IOException e) {
                log.debug("closing listener {} failed", localAddress, e);
            }
            if (acceptLoop.inEventLoop()) {
                // The listening socket really goes away only when a select drops its key.
                acceptLoop.runAfterNextSelect(() -> acceptorClosed.complete(null));
            } else {
                acceptorClosed.complete(null);
            }
        }

        @Override
        void closeForShutdown() {
            close();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Already failing; the descriptor is released regardless.
        }
    }
}
