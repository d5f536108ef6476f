package io.duplex.bench.peers;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * Peer server on Jetty 12.1 with its own (non-Servlet) WebSocket API: a {@link WebSocketUpgradeHandler}
 * maps {@code /broadcast} and {@code /*} to listeners that send asynchronously.
 *
 * <p>Thread-safety: Jetty may call different sessions' listeners on different threads at once, but one
 * session's events in order; the broadcast group is therefore a concurrent set. The handle is safe to
 * use from any thread.
 */
public final class JettyPeer implements PeerServer {

    /** Well past the contract's hour; Jetty's default WebSocket idle timeout is 30 seconds. */
    private static final Duration IDLE_TIMEOUT = Duration.ofDays(1);
    private static final int ACCEPT_QUEUE = 1024;

    private final Server server;
    private final ServerConnector connector;
    private final AtomicBoolean closed = new AtomicBoolean();

    private JettyPeer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    public static void main(String[] args) {
        PeerMain.run("jetty", args, JettyPeer::start);
    }

    public static PeerServer start(String host, int port) throws Exception {
        return start(PeerOptions.defaults().withEndpoint(host, port));
    }

    public static PeerServer start(PeerOptions options) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("jetty-peer");
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        // One acceptor; --threads selectors, the threads that do the network I/O.
        ServerConnector connector = new ServerConnector(server, 1, options.threads(), new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        server.addConnector(connector);

        Set<Session> broadcastGroup = ConcurrentHashMap.newKeySet();
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            configure(container);
            container.addMapping(PeerOptions.BROADCAST_PATH,
                    creator(options.deflate(), () -> new BroadcastListener(broadcastGroup)));
            container.addMapping("/*", creator(options.deflate(), EchoListener::new));
        }));
        server.setStopTimeout(2_000);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new JettyPeer(server, connector);
    }

    private static void configure(ServerWebSocketContainer container) {
        container.setMaxTextMessageSize(PeerOptions.MAX_MESSAGE_BYTES);
        container.setMaxBinaryMessageSize(PeerOptions.MAX_MESSAGE_BYTES);
        container.setMaxFrameSize(PeerOptions.MAX_MESSAGE_BYTES);
        container.setIdleTimeout(IDLE_TIMEOUT);
    }

    /** Jetty accepts permessage-deflate whenever a client offers it; decline unless --deflate. */
    private static WebSocketCreator creator(boolean deflate, Supplier<Object> endpoint) {
        return (request, response, callback) -> {
            if (!deflate) {
                response.setExtensions(List.of());
            }
            return endpoint.get();
        };
    }

    @Override
    public int actualPort() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop cleanly", e);
        }
    }

    /**
     * Echoes each message. A binary payload is released (its callback completed) only after the echo
     * has been written, and Jetty's automatic demand waits for that: a slow reader slows its sender.
     *
     * <p>Public because Jetty binds the listener methods through method handles.
     *
     * <p>Thread-safety: one instance per session; Jetty calls it for one event at a time.
     */
    public static final class EchoListener implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session openedSession) {
            this.session = openedSession;
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            session.sendBinary(payload, callback);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // The connection is gone (usually the client hung up); Jetty closes the session itself.
        }
    }

    /**
     * Sends each message to every session on {@code /broadcast}. Jetty has no pre-encoded frame API, so
     * the one received payload is shared read-only (a slice per receiver) and freed after the last send.
     *
     * <p>Thread-safety: one instance per session; the shared group is a concurrent set.
     */
    public static final class BroadcastListener implements Session.Listener.AutoDemanding {
        private final Set<Session> group;
        private Session session;

        public BroadcastListener(Set<Session> group) {
            this.group = group;
        }

        @Override
        public void onWebSocketOpen(Session openedSession) {
            this.session = openedSession;
            group.add(openedSession);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            group.remove(session);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            group.remove(session);
        }

        @Override
        public void onWebSocketText(String message) {
            for (Session member : group) {
                member.sendText(message, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            List<Session> members = List.copyOf(group);
            if (members.isEmpty()) {
                callback.succeed();
                return;
            }
            AtomicInteger pending = new AtomicInteger(members.size());
            Runnable oneDone = () -> {
                if (pending.decrementAndGet() == 0) {
                    callback.succeed();
                }
            };
            Callback each = Callback.from(oneDone, failure -> oneDone.run());
            for (Session member : members) {
                member.sendBinary(payload.slice(), each);
            }
        }
    }
}
