package io.duplex.net;

import io.duplex.protocol.handshake.ClientHandshake;
import io.duplex.protocol.handshake.ClientHandshakeOptions;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.util.concurrent.CompletableFuture;

/**
 * Opens client WebSocket connections (ws:// and wss://).
 *
 * <pre>{@code
 * WebSocket ws = WebSocketClient.connect(URI.create("ws://127.0.0.1:8080/chat"), ClientOptions.DEFAULTS,
 *         new WebSocketListener() {
 *             public void onText(WebSocket ws, String text) { System.out.println(text); }
 *         }).get();
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class WebSocketClient {
    private WebSocketClient() {}

    private static final class Shared {
        static final EventLoopGroup GROUP = new EventLoopGroup(
                Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())), "duplex-client");
    }

    /**
     * Connects and completes with the open connection (the listener's {@code onOpen} has run or is running), or
     * exceptionally with the cause: {@link java.io.IOException} for the network,
     * {@link io.duplex.protocol.handshake.HandshakeException} for a refused or invalid handshake,
     * {@link java.util.concurrent.TimeoutException} for a timeout. With {@link ClientOptions#reconnect()} set,
     * returns a connection that comes back by itself after it is lost.
     */
    public static CompletableFuture<WebSocket> connect(URI uri, ClientOptions options, WebSocketListener listener) {
        if (options.reconnect() != null) {
            return new ReconnectingWebSocket(uri, options, listener).start();
        }
        return connectOnce(uri, options, listener);
    }

    static EventLoopGroup group(ClientOptions options) {
        return options.group() != null ? options.group() : Shared.GROUP;
    }

    static CompletableFuture<WebSocket> connectOnce(URI uri, ClientOptions options, WebSocketListener listener) {
        CompletableFuture<WebSocket> result = new CompletableFuture<>();
        try {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
            boolean secure = scheme.equals("wss") || scheme.equals("https");
            if (!secure && !scheme.equals("ws") && !scheme.equals("http")) {
                throw new IllegalArgumentException("not a WebSocket URI: " + uri);
            }
            int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
            ClientHandshakeOptions hs = ClientHandshakeOptions.defaults()
                    .withSubprotocols(options.subprotocols().toArray(String[]::new))
                    .withExtraHeaders(options.headers());
            if (options.deflate() != null) {
                hs = hs.withExtensions(java.util.List.of(options.deflate().offer()));
            }
            if (options.origin() != null) {
                hs = hs.withOrigin(options.origin());
            }
            ClientHandshake handshake = ClientHandshake.create(uri, hs);
            TlsConfig tls = null;
            if (secure) {
                tls = options.tls() != null ? options.tls() : TlsConfig.client();
                tls = tls.withServerName(uri.getHost());
            }
            ClientConnectionHandler handler = new ClientConnectionHandler(handshake, options, listener, result);
            ConnectionOptions co = ConnectionOptions.DEFAULTS.withWatermarks(
                    options.options().highWatermark(), options.options().lowWatermark());
            TcpClient.connect(group(options).next(), new InetSocketAddress(uri.getHost(), port), () -> handler,
                    options.connectTimeout(), co, tls).whenComplete((c, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                        }
                    });
        } catch (RuntimeException | GeneralSecurityException e) {
            result.completeExceptionally(e);
        }
        return result;
    }
}
