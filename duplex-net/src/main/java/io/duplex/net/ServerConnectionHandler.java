package io.duplex.net;

import io.duplex.protocol.Role;
import io.duplex.protocol.deflate.DeflateCodec;
import io.duplex.protocol.deflate.DeflateParams;
import io.duplex.protocol.deflate.PerMessageDeflate;
import io.duplex.protocol.handshake.NegotiatedExtension;
import io.duplex.protocol.handshake.HandshakeResult;
import io.duplex.protocol.handshake.HttpHeaders;
import io.duplex.protocol.handshake.HttpParseException;
import io.duplex.protocol.handshake.HttpRequest;
import io.duplex.protocol.handshake.HttpRequestParser;
import io.duplex.protocol.handshake.ServerHandshake;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted connection of a {@link WebSocketServer}: HTTP/1.1 until an upgrade succeeds, then a
 * {@link WebSocketSession}. Plain requests get a handler's answer or 404 / 405 / 426, with keep-alive.
 *
 * <p>Thread-safety: confined to the connection's loop, except {@link #respond}, which hops onto it.
 */
final class ServerConnectionHandler implements ConnectionHandler {
    private static final Logger log = LoggerFactory.getLogger(ServerConnectionHandler.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final WebSocketServer server;
    private Connection conn;
    private HttpRequestParser parser;
    /** Set by the upgrade, which hands the connection to its WebSocket session: no event reaches this object after. */
    private boolean upgraded;
    private Timeout headTimer;
    private Timeout abortTimer;
    private boolean closing;

    // A request body being read.
    private HttpRequest bodyRequest;
    private HttpHandler bodyHandler;
    private byte[] body;
    private int bodyHave;

    // A handler that has not answered yet; bytes read meanwhile wait in stash.
    private HttpExchange pending;
    private ByteBuffer stash;
    /** Answers queued above the high watermark: further requests wait in stash until the peer reads. */
    private boolean blocked;

    ServerConnectionHandler(WebSocketServer server) {
        this.server = server;
    }

    @Override
    public void onOpen(Connection connection) {
        conn = connection;
        parser = server.newParser();
        server.track();
        armHeadTimer();
    }

    private void armHeadTimer() {
        // Slowloris: a request head (or the next one on a kept-alive connection) must arrive in time.
        headTimer = conn.loop().schedule(server.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS, () -> {
            headTimer = null;
            if (!upgraded && pending == null && !closing) {
                // No lingering for a head that did not come in time: that would hold a slowloris longer.
                conn.write(HttpResponses.text(408, "request head not received within "
                        + server.handshakeTimeout().toMillis() + " ms", null, false));
                closeGracefully(false);
            }
        });
    }

    private void cancelHeadTimer() {
        if (headTimer != null) {
            headTimer.cancel();
            headTimer = null;
        }
    }

    @Override
    public void onRead(Connection connection, ByteBuffer data) {
        if (pending != null || blocked) {
            stash(data);
        } else {
            process(data);
        }
    }

    private void process(ByteBuffer data) {
        while (data.hasRemaining() && !upgraded && pending == null && !closing) {
            if (!conn.isWritable()) {
                // DESIGN, flow control: a peer that pipelines requests without reading the answers must not
                // grow our queue. The head timer still runs, so one that never reads gets a 408 and is dropped.
                blocked = true;
                conn.pauseReading();
                break;
            }
            if (bodyRequest != null) {
                int n = Math.min(data.remaining(), body.length - bodyHave);
                data.get(body, bodyHave, n);
                bodyHave += n;
                if (bodyHave == body.length) {
                    HttpRequest r = bodyRequest;
                    bodyRequest = null;
                    dispatch(r, bodyHandler, ByteBuffer.wrap(body));
                    body = null;
                }
                continue;
            }
            HttpRequest req;
            try {
                req = parser.feed(data);
            } catch (HttpParseException e) {
                fail(e.status(), e.reason());
                return;
            }
            if (req == null) {
                return;
            }
            parser = server.newParser();
            onRequest(req, data);
        }
        if ((pending != null || blocked) && data.hasRemaining()) {
            stash(data);
        } else if (closing) {
            data.position(data.limit());
        }
    }

    private void stash(ByteBuffer data) {
        ByteBuffer s = ByteBuffer.allocate((stash == null ? 0 : stash.remaining()) + data.remaining());
        if (stash != null) {
            s.put(stash);
        }
        s.put(data);
        stash = s.flip();
        if (stash.remaining() > server.maxRequestHeadBytes() + server.maxHttpBody()) {
            fail(431, "too many bytes sent while waiting for a response");
        }
    }

    private void onRequest(HttpRequest req, ByteBuffer rest) {
        if (req.headers().containsToken("Upgrade", "websocket")) {
            upgrade(req, rest);
            return;
        }
        HttpHandler handler = server.httpHandler(req.path());
        if (handler != null) {
            if (req.isChunked()) {
                fail(411, "chunked request bodies are not supported; send Content-Length");
                return;
            }
            long len = req.contentLength();
            if (len > server.maxHttpBody()) {
                fail(413, "request body of " + len + " bytes exceeds the limit of " + server.maxHttpBody());
                return;
            }
            if (len > 0) {
                bodyRequest = req;
                bodyHandler = handler;
                body = new byte[(int) len];
                bodyHave = 0;
                return;
            }
            dispatch(req, handler, EMPTY);
            return;
        }
        if (server.endpoint(req.path()) != null) {
            if (!"GET".equals(req.method())) {
                fail(405, "method " + req.method() + " not allowed on a WebSocket endpoint",
                        new HttpHeaders().add("Allow", "GET"));
            } else {
                // RFC 9110 15.5.22: tell the client which protocol this resource needs.
                fail(426, "this resource speaks WebSocket only: send an upgrade request",
                        new HttpHeaders().add("Upgrade", "websocket").add("Sec-WebSocket-Version", "13"));
            }
            return;
        }
        fail(404, "nothing at " + req.path());
    }

    private void dispatch(HttpRequest req, HttpHandler handler, ByteBuffer requestBody) {
        cancelHeadTimer();
        HttpExchange ex = new HttpExchange(req, requestBody, conn.remoteAddress(), this);
        pending = ex;
        try {
            handler.handle(ex);
        } catch (Exception e) {
            log.warn("HTTP handler for {} failed", req.path(), e);
            if (!ex.responded()) {
                ex.respond(500, "text/plain; charset=utf-8", "internal error");
            }
        }
        if (pending == ex && !ex.watchesClose()) {
            // The handler answers later: stop reading pipelined requests until it does.
            conn.pauseReading();
        }
    }

    /** Loop thread: the exchange wants to hear of the client leaving, so the connection keeps reading. */
    void watchClose(HttpExchange ex) {
        if (pending == ex && conn.isOpen() && !blocked) {
            conn.resumeReading();
        }
    }

    /** Loop thread: the head of a streamed response; the exchange stays pending until the stream ends. */
    HttpStream startStream(HttpExchange ex, int status, HttpHeaders headers) {
        HttpHeaders h = new HttpHeaders();
        for (java.util.Map.Entry<String, String> e : headers) {
            h.add(e.getKey(), e.getValue());
        }
        h.add("Transfer-Encoding", "chunked");
        StringBuilder sb = new StringBuilder(128);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(HttpResponses.reason(status)).append("\r\n");
        for (java.util.Map.Entry<String, String> e : h) {
            sb.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        }
        sb.append("\r\n");
        if (conn.isOpen()) {
            conn.write(ByteBuffer.wrap(sb.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        }
        return new HttpStream(this, ex, conn);
    }

    /** Loop thread: a streamed response ended; the connection reads its next request. */
    void streamEnded(HttpExchange ex) {
        if (pending != ex || !conn.isOpen()) {
            return;
        }
        pending = null;
        if (closing || !server.isRunning() || !ex.request().keepAlive()) {
            closeGracefully();
            return;
        }
        armHeadTimer();
        conn.resumeReading();
        if (stash != null) {
            ByteBuffer s = stash;
            stash = null;
            process(s);
        }
    }

    /** Any thread. */
    void respond(HttpExchange ex, int status, HttpHeaders headers, byte[] responseBody) {
        if (!conn.loop().inEventLoop()) {
            conn.execute(() -> respond(ex, status, headers, responseBody));
            return;
        }
        if (pending != ex || !conn.isOpen()) {
            return;
        }
        pending = null;
        HttpRequest req = ex.request();
        boolean keepAlive = req.keepAlive() && !closing && server.isRunning();
        conn.write(HttpResponses.response(status, headers, responseBody, keepAlive, "HEAD".equals(req.method())));
        if (!keepAlive) {
            closeGracefully();
            return;
        }
        armHeadTimer();
        conn.resumeReading();
        if (stash != null) {
            ByteBuffer s = stash;
            stash = null;
            process(s);
        }
    }

    private void upgrade(HttpRequest req, ByteBuffer rest) {
        Endpoint ep = server.endpoint(req.path());
        if (ep == null) {
            fail(404, "no WebSocket endpoint at " + req.path());
            return;
        }
        HandshakeResult result = ServerHandshake.accept(req, ep.handshakeOptions());
        if (result instanceof HandshakeResult.Rejected rejected) {
            conn.write(rejected.response());
            closeGracefully();
            return;
        }
        // Set.copyOf sets throw on contains(null): a request without Origin is simply not allowed.
        String origin = req.origin();
        if (!ep.allowedOrigins().isEmpty() && (origin == null || !ep.allowedOrigins().contains(origin))) {
            fail(403, "origin " + origin + " is not allowed");
            return;
        }
        Object attachment = null;
        if (ep.hook() != null) {
            HandshakeHook.Decision decision;
            try {
                decision = ep.hook().onHandshake(req, conn.remoteAddress());
            } catch (Exception e) {
                log.warn("handshake hook failed", e);
                fail(500, "handshake hook failed");
                return;
            }
            if (decision instanceof HandshakeHook.Decision.Reject r) {
                conn.write(ServerHandshake.rejection(r.status(), r.reason(), r.headers()).response());
                closeGracefully();
                return;
            }
            HandshakeHook.Decision.Accept a = (HandshakeHook.Decision.Accept) decision;
            attachment = a.attachment();
            if (a.headers() != null && a.headers().size() > 0) {
                result = ServerHandshake.accept(req, ep.handshakeOptions().withExtraHeaders(a.headers()));
            }
        }
        HandshakeResult.Accepted accepted = (HandshakeResult.Accepted) result;
        cancelHeadTimer();
        parser = null;
        // The connection was accepted before its path was known: from here on the endpoint's watermarks apply.
        conn.watermarks(ep.options().highWatermark(), ep.options().lowWatermark());
        conn.write(accepted.response());
        WebSocketListener listener = ep.listeners().apply(req);
        DeflateCodec deflate = null;
        for (NegotiatedExtension ext : accepted.extensions()) {
            if (ext.name().equals(PerMessageDeflate.NAME) && ext.state() instanceof DeflateParams params) {
                deflate = ep.deflate().codec(Role.SERVER, params);
            }
        }
        WebSocketSession session = new WebSocketSession(conn, Role.SERVER, ep.options(), listener, req, accepted.subprotocol(),
                attachment, deflate, server.sessionEnded());
        // From here the session receives the connection's events itself; this object is no longer needed.
        upgraded = true;
        conn.handOver(session);
        session.start();
        if (!ep.retainRequest()) {
            session.dropRequest();
        }
        if (rest.hasRemaining() && conn.isOpen()) {
            // Frames pipelined behind the upgrade request.
            session.onRead(rest);
        }
    }

    private void fail(int status, String reason) {
        fail(status, reason, null);
    }

    private void fail(int status, String reason, HttpHeaders extra) {
        if (closing) {
            return;
        }
        conn.write(HttpResponses.text(status, reason, extra, false));
        // Refused mid-request: the rest of it (a body refused with 413, say) may still be on its way.
        closeGracefully(true);
    }

    /** Closes after what is queued, lingering when the client may still be sending a request we did not read. */
    private void closeGracefully() {
        closeGracefully(bodyRequest != null || stash != null);
    }

    /**
     * @param linger read and discard what the client still sends until its FIN (or the close timeout): unread
     *     input would turn the close into a reset that can destroy the answer before the client reads it
     */
    private void closeGracefully(boolean linger) {
        if (closing) {
            return;
        }
        closing = true;
        cancelHeadTimer();
        if (linger) {
            conn.closeLingering();
        } else {
            conn.close();
        }
        abortTimer = conn.loop().schedule(server.closeTimeout().toNanos(), TimeUnit.NANOSECONDS, conn::abort);
    }

    /** Loop thread: graceful shutdown of the server. */
    void shutdown() {
        if (pending == null) {
            closeGracefully();
        } else if (pending.isStreaming() || pending.hasShutdownAction()) {
            // A stream or a held request (a long poll) has no natural end: its owner ends it, saying goodbye first.
            pending.shutdown();
        }
    }

    /** Loop thread: the shutdown deadline passed. */
    void terminate() {
        conn.abort();
    }

    Connection connection() {
        return conn;
    }

    WebSocketServer server() {
        return server;
    }

    @Override
    public void onWritable(Connection connection) {
        if (blocked) {
            blocked = false;
            if (!closing) {
                conn.resumeReading();
                if (stash != null) {
                    ByteBuffer s = stash;
                    stash = null;
                    process(s);
                }
            }
        }
    }

    @Override
    public void onClose(Connection connection, Throwable cause) {
        if (pending != null) {
            HttpExchange ex = pending;
            pending = null;
            try {
                ex.closedEarly();
            } catch (RuntimeException e) {
                log.warn("close action of an HTTP exchange failed", e);
            }
        }
        cancelHeadTimer();
        if (abortTimer != null) {
            abortTimer.cancel();
        }
        // Only a connection that was never upgraded gets here: an upgraded one was handed to its session.
        server.untrack();
    }
}
