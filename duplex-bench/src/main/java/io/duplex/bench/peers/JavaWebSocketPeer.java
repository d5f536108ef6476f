package io.duplex.bench.peers;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.extensions.IExtension;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * Peer server on Java-WebSocket (TooTallNate): one selector thread plus {@code --threads} decoder
 * threads; {@code /broadcast} uses the library's {@code broadcast(..., Collection)}, which builds the
 * frames once per draft for all receivers.
 *
 * <p>Thread-safety: the library calls {@code onOpen}, {@code onMessage} and {@code onClose} from its
 * decoder threads concurrently, so the broadcast group is a concurrent set; the readiness future is
 * completed once by the selector thread. The handle is safe to use from any thread.
 */
public final class JavaWebSocketPeer extends WebSocketServer implements PeerServer {

    private static final int STOP_TIMEOUT_MILLIS = 2_000;
    private static final long START_TIMEOUT_SECONDS = 10;

    private final Set<WebSocket> broadcastGroup = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private JavaWebSocketPeer(PeerOptions options) {
        super(new InetSocketAddress(options.host(), options.port()), options.threads(), List.of(draft(options)));
        setTcpNoDelay(true);
        setReuseAddr(true);
        // 0 turns off the library's ping-based lost-connection check, its only idle timer.
        setConnectionLostTimeout(0);
    }

    public static void main(String[] args) {
        PeerMain.run("java-websocket", args, JavaWebSocketPeer::start);
    }

    public static PeerServer start(String host, int port) throws Exception {
        return start(PeerOptions.defaults().withEndpoint(host, port));
    }

    public static PeerServer start(PeerOptions options) throws Exception {
        JavaWebSocketPeer peer = new JavaWebSocketPeer(options);
        peer.start();
        try {
            peer.started.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    private static Draft draft(PeerOptions options) {
        List<IExtension> extensions = options.deflate() ? List.of(new PerMessageDeflateExtension()) : List.of();
        return new Draft_6455(extensions, PeerOptions.MAX_MESSAGE_BYTES);
    }

    @Override
    public void onStart() {
        started.complete(null);
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        if (PeerOptions.isBroadcast(handshake.getResourceDescriptor())) {
            broadcastGroup.add(conn);
        }
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        broadcastGroup.remove(conn);
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        if (broadcastGroup.contains(conn)) {
            broadcast(message, broadcastGroup);
        } else {
            conn.send(message);
        }
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        if (broadcastGroup.contains(conn)) {
            broadcast(message, broadcastGroup);
        } else {
            conn.send(message);
        }
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null) {
            // A server-level failure, such as a port already in use, before or after start.
            started.completeExceptionally(ex);
        }
    }

    @Override
    public int actualPort() {
        return getPort();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            stop(STOP_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
