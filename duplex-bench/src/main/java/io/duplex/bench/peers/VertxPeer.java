package io.duplex.bench.peers;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Peer server on Vert.x 5 core: {@code --threads} event loops and as many instances of one verticle, each
 * with its own {@link HttpServer} on the same port, which Vert.x shares and round-robins connections over.
 *
 * <p>Thread-safety: each verticle instance and each socket's handlers run on one event loop; the
 * broadcast group is a concurrent set written to from every loop (Vert.x hands a write on a socket owned
 * by another loop over to that loop). The handle is safe to use from any thread.
 */
public final class VertxPeer implements PeerServer {

    private static final long TIMEOUT_SECONDS = 10;

    private final Vertx vertx;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private VertxPeer(Vertx vertx, int port) {
        this.vertx = vertx;
        this.port = port;
    }

    public static void main(String[] args) {
        PeerMain.run("vertx", args, VertxPeer::start);
    }

    public static PeerServer start(String host, int port) throws Exception {
        return start(PeerOptions.defaults().withEndpoint(host, port));
    }

    public static PeerServer start(PeerOptions options) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(options.threads())
                .setPreferNativeTransport(options.epoll()));
        try {
            if (options.epoll() && !vertx.isNativeTransportEnabled()) {
                throw new IllegalStateException("--epoll asked for, but native epoll is unavailable",
                        vertx.unavailableNativeTransportCause());
            }
            Set<ServerWebSocket> broadcastGroup = ConcurrentHashMap.newKeySet();
            Set<Integer> boundPorts = ConcurrentHashMap.newKeySet();
            PeerOptions fixedPort = options.port() != 0 ? options : options.withEndpoint(options.host(), freePort(options.host()));
            await(vertx.deployVerticle(() -> new PeerVerticle(fixedPort, broadcastGroup, boundPorts),
                    new DeploymentOptions().setInstances(options.threads())));
            // Vert.x binds the port once and round-robins its connections over the instances.
            if (boundPorts.size() != 1) {
                throw new IllegalStateException("instances bound different ports: " + boundPorts);
            }
            int port = boundPorts.iterator().next();
            return new VertxPeer(vertx, port);
        } catch (Exception | Error e) {
            vertx.close();
            throw e;
        }
    }

    /**
     * Vert.x shares a listening socket between instances by the requested host and port, so instances
     * asked for port 0 would each bind their own random port. Ask the OS for a free port up front
     * instead; another process could take it before Vert.x binds, which then fails the start loudly.
     */
    private static int freePort(String host) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return probe.getLocalPort();
        }
    }

    private static <T> T await(Future<T> future) throws TimeoutException {
        return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public int actualPort() {
        return port;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            await(vertx.close());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Vert.x did not close in time", e);
        }
    }

    /**
     * One HTTP server that upgrades every request to a WebSocket.
     *
     * <p>Thread-safety: Vert.x runs {@code start} and every handler it registers on this instance's event
     * loop; the sets it shares with the other instances are concurrent.
     */
    static final class PeerVerticle extends VerticleBase {
        private final PeerOptions options;
        private final Set<ServerWebSocket> broadcastGroup;
        private final Set<Integer> boundPorts;

        PeerVerticle(PeerOptions options, Set<ServerWebSocket> broadcastGroup, Set<Integer> boundPorts) {
            this.options = options;
            this.broadcastGroup = broadcastGroup;
            this.boundPorts = boundPorts;
        }

        @Override
        public Future<?> start() {
            HttpServerOptions serverOptions = new HttpServerOptions()
                    .setHost(options.host())
                    .setPort(options.port())
                    .setTcpNoDelay(true)
                    .setAcceptBacklog(1024)
                    .setIdleTimeout(0)
                    .setMaxWebSocketFrameSize(PeerOptions.MAX_MESSAGE_BYTES)
                    .setMaxWebSocketMessageSize(PeerOptions.MAX_MESSAGE_BYTES)
                    .setPerFrameWebSocketCompressionSupported(false)
                    .setPerMessageWebSocketCompressionSupported(options.deflate());
            return vertx.createHttpServer(serverOptions)
                    .webSocketHandler(this::accept)
                    .listen()
                    .onSuccess(server -> boundPorts.add(server.actualPort()));
        }

        private void accept(ServerWebSocket socket) {
            if (PeerOptions.isBroadcast(socket.path())) {
                broadcastGroup.add(socket);
                socket.closeHandler(ignored -> broadcastGroup.remove(socket));
                socket.textMessageHandler(this::broadcastText);
                socket.binaryMessageHandler(this::broadcastBinary);
            } else {
                socket.textMessageHandler(text -> {
                    socket.writeTextMessage(text);
                    pauseWhileFull(socket);
                });
                socket.binaryMessageHandler(data -> {
                    socket.writeBinaryMessage(data);
                    pauseWhileFull(socket);
                });
            }
        }

        /** Stops reading from a socket whose echoes the client is not reading, until they drain. */
        private static void pauseWhileFull(ServerWebSocket socket) {
            if (socket.writeQueueFull()) {
                socket.pause();
                socket.drainHandler(ignored -> socket.resume());
            }
        }

        private void broadcastText(String text) {
            for (ServerWebSocket member : broadcastGroup) {
                member.writeTextMessage(text);
            }
        }

        /** One buffer for all members: Vert.x writes a buffer without copying its bytes. */
        private void broadcastBinary(Buffer data) {
            for (ServerWebSocket member : broadcastGroup) {
                member.writeBinaryMessage(data);
            }
        }
    }
}
