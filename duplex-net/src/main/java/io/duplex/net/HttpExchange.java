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
