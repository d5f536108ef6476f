package io.duplex.net;

import io.duplex.protocol.handshake.HttpHeaders;
import io.duplex.protocol.handshake.HttpRequest;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One plain HTTP request and its response. {@link #respond} may be called once, from any thread; until then
 * the connection reads no further (pipelined) requests.
 */
public final class HttpExchange {
    private final HttpRequest request;
    private final ByteBuffer body;
    private final InetSocketAddress remote;
    private final ServerConnectionHandler owner;
    private boolean responded;
    private HttpStream stream;
    private Runnable onClose;
    private Runnable onShutdown;

    HttpExchange(HttpRequest request, ByteBuffer body, InetSocketAddress remote, ServerConnectionHandler owner) {
        this.request = request;
        this.body = body;
        this.remote = remote;
        this.owner = owner;
    }

    public HttpRequest request() {
        return request;
    }

    /** The request body (Content-Length bytes), empty when there is none. */
    public ByteBuffer body() {
        return body.asReadOnlyBuffer();
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The event loop of the connection this request came on. */
    public EventLoop loop() {
        return owner.connection().loop();
    }

    /**
     * Starts a streamed response: the status line and {@code headers} (which must not contain Content-Length,
     * Transfer-Encoding or Connection) now, the body in chunks through the returned stream. Loop thread only;
     * instead of {@link #respond}, never both.
     */
    public HttpStream stream(int status, HttpHeaders headers) {
        loop().assertInLoop();
        synchronized (this) {
            if (responded) {
                throw new IllegalStateException("already responded");
            }
            responded = true;
        }
        stream = owner.startStream(this, status, headers);
        return stream;
    }

    /**
     * Runs {@code action} on the loop if the connection closes before the response is complete (the client went
     * away during a long poll or a stream). At most one action; set it on the loop thread.
     */
    public void onClose(Runnable action) {
        loop().assertInLoop();
        this.onClose = action;
        // To notice the client leave, the connection must read (an end of stream shows only to a read); what a
        // client sends meanwhile waits, bounded, as pipelined requests do.
        owner.watchClose(this);
    }

    boolean watchesClose() {
        return onClose != null;
    }

    /**
     * Runs {@code action} on the loop when the server shuts down while this exchange is open (streaming, or held
     * unanswered); the action should answer or end it. Without one a stream is ended as it is, and a held request
     * waits for its handler until the shutdown deadline.
     */
    public void onShutdown(Runnable action) {
        loop().assertInLoop();
        this.onShutdown = action;
    }

    boolean hasShutdownAction() {
        return onShutdown != null;
    }

    boolean isStreaming() {
        return stream != null;
    }

    /** Loop thread: graceful shutdown reached this streaming exchange. */
    void shutdown() {
        Runnable r = onShutdown;
        if (r != null) {
            r.run();
        } else if (stream != null) {
            stream.end();
        }
    }

    /** Loop thread: the connection closed while this exchange was still open. */
    void closedEarly() {
        Runnable r = onClose;
        onClose = null;
        if (r != null) {
            r.run();
        }
    }

    public void respond(int status, String contentType, String body) {
        respond(status, new HttpHeaders().add("Content-Type", contentType), body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends the response; {@code headers} must not contain Content-Length or Connection. */
    public synchronized void respond(int status, HttpHeaders headers, byte[] body) {
        if (responded) {
            throw new IllegalStateException("already responded");
        }
        responded = true;
        owner.respond(this, status, headers, body);
    }

    synchronized boolean responded() {
        return responded;
    }
}
