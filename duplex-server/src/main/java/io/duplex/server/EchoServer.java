package io.duplex.server;

import io.duplex.net.BroadcastGroup;
import io.duplex.net.CloseStatus;
import io.duplex.net.Endpoint;
import io.duplex.net.PreparedMessage;
import io.duplex.net.TlsConfig;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketListener;
import io.duplex.net.WebSocketOptions;
import io.duplex.net.WebSocketServer;
import io.duplex.protocol.deflate.PerMessageDeflate;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The server {@code duplex echo} runs: every path echoes each message to its sender; on {@code /broadcast} each
 * message goes to every connection there, the sender included. The benchmarks and conformance checks measure
 * exactly this.
 */
public final class EchoServer {
    private EchoServer() {}

    /** Echo: every message goes back to its sender as it came. */
    static final WebSocketListener ECHO = new WebSocketListener() {
        @Override
        public void onText(WebSocket ws, String text) {
            ws.sendText(text);
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            // Sent as it is: a view of the read buffer is copied by the runtime only if the socket cannot take it.
            ws.sendBinary(data);
        }
    };

    static WebSocketListener broadcaster(BroadcastGroup group) {
        return new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws) {
                group.add(ws);
            }

            @Override
            public void onText(WebSocket ws, String text) {
                group.broadcast(PreparedMessage.text(text));
            }

            @Override
            public void onBinary(WebSocket ws, ByteBuffer data) {
                group.broadcast(PreparedMessage.binary(data));
            }

            @Override
            public void onClose(WebSocket ws, CloseStatus status) {
                group.remove(ws);
            }
        };
    }

    public static WebSocketServer start(String host, int port, int loops, int maxMessage) throws IOException {
        return start(host, port, loops, maxMessage, Endpoint.DEFAULT_DEFLATE);
    }

    /** @param deflate permessage-deflate settings, or null to refuse compression */
    public static WebSocketServer start(String host, int port, int loops, int maxMessage, PerMessageDeflate deflate)
            throws IOException {
        return start(host, port, loops, maxMessage, deflate, null);
    }

    /**
     * @param deflate permessage-deflate settings, or null to refuse compression
     * @param tls the server identity for wss:// and https://, or null for plain ws:// and http://
     */
    public static WebSocketServer start(String host, int port, int loops, int maxMessage, PerMessageDeflate deflate,
            TlsConfig tls) throws IOException {
        WebSocketOptions options = WebSocketOptions.SERVER_DEFAULTS.withMaxMessageSize(maxMessage)
                .withMaxBackpressure(Math.max(2L * maxMessage, 64L << 20), WebSocketOptions.SlowConsumerPolicy.CLOSE);
        BroadcastGroup broadcast = new BroadcastGroup();
        return WebSocketServer.builder()
                .host(host)
                .port(port)
                .loops(loops)
                .tls(tls)
                .defaultEndpoint(Endpoint.of(ECHO).withOptions(options).withDeflate(deflate).withRetainRequest(false))
                .endpoint("/broadcast", Endpoint.of(broadcaster(broadcast)).withOptions(options).withDeflate(deflate)
                        .withRetainRequest(false))
                .http("/health", ex -> ex.respond(200, "application/json", "{\"status\":\"ok\"}"))
                .start();
    }
}
