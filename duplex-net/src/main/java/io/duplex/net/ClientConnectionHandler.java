package io.duplex.net;

import io.duplex.protocol.Role;
import io.duplex.protocol.deflate.DeflateCodec;
import io.duplex.protocol.deflate.PerMessageDeflate;
import io.duplex.protocol.handshake.ExtensionOffer;
import io.duplex.protocol.handshake.ClientHandshake;
import io.duplex.protocol.handshake.ClientHandshakeResult;
import io.duplex.protocol.handshake.HandshakeException;
import io.duplex.protocol.handshake.HttpParseException;
import io.duplex.protocol.handshake.HttpResponse;
import io.duplex.protocol.handshake.HttpResponseParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The client side of one connection: sends the upgrade request, validates the 101 response, then hands the
 * connection to a {@link WebSocketSession}. Confined to the connection's loop.
 */
final class ClientConnectionHandler implements ConnectionHandler {
    private final ClientHandshake handshake;
    private final ClientOptions options;
    private final WebSocketListener listener;
    private final CompletableFuture<WebSocket> result;
    private HttpResponseParser parser = new HttpResponseParser();
    private WebSocketSession session;
    private Timeout timer;
    private Connection conn;

    ClientConnectionHandler(ClientHandshake handshake, ClientOptions options, WebSocketListener listener,
                            CompletableFuture<WebSocket> result) {
        this.handshake = handshake;
        this.options = options;
        this.listener = listener;
        this.result = result;
    }

    @Override
    public void onOpen(Connection connection) {
        conn = connection;
        conn.write(handshake.request());
        timer = conn.loop().schedule(options.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS,
                () -> fail(new TimeoutException("no handshake response within " + options.handshakeTimeout())));
    }

    @Override
    public void onRead(Connection connection, ByteBuffer data) {
        if (session != null) {
            session.onRead(data);
            return;
        }
        if (parser == null) {
            data.position(data.limit());
            return;
        }
        HttpResponse response;
        ClientHandshakeResult accepted;
        try {
            response = parser.feed(data);
            if (response == null) {
                return;
            }
            accepted = handshake.validate(response);
        } catch (HttpParseException e) {
            fail(new IOException("malformed handshake response (" + e.status() + "): " + e.reason(), e));
            return;
        } catch (HandshakeException e) {
            fail(e);
            return;
        }
        DeflateCodec deflate = null;
        for (ExtensionOffer ext : accepted.extensions()) {
            if (ext.name().equalsIgnoreCase(PerMessageDeflate.NAME) && options.deflate() != null) {
                try {
                    deflate = options.deflate().codec(Role.CLIENT, options.deflate().acceptResponse(ext));
                } catch (IllegalArgumentException e) {
                    fail(new HandshakeException(HandshakeException.Reason.MALFORMED_EXTENSIONS, e.getMessage()));
                    return;
                }
            }
        }
        parser = null;
        if (timer != null) {
            timer.cancel();
        }
        session = new WebSocketSession(conn, Role.CLIENT, options.options(), listener, null,
                accepted.subprotocol(), null, deflate, null);
        if (!result.complete(session)) {
            // The caller gave up (timeout or cancel) meanwhile.
            conn.abort();
            return;
        }
        session.start();
        if (data.hasRemaining() && conn.isOpen()) {
            session.onRead(data);
        }
    }

    private void fail(Throwable t) {
        parser = null;
        result.completeExceptionally(t);
        if (conn != null) {
            conn.abort();
        }
    }

    @Override
    public void onWritable(Connection connection) {
        if (session != null) {
            session.onWritable();
        }
    }

    @Override
    public void onClose(Connection connection, Throwable cause) {
        if (timer != null) {
            timer.cancel();
        }
        if (session != null) {
            session.onTransportClosed(cause);
        } else {
            result.completeExceptionally(cause != null ? cause
                    : new IOException("connection closed before the handshake completed"));
        }
    }
}
