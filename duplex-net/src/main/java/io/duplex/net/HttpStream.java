package io.duplex.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A response sent in pieces as they become available (server-sent events, long downloads), with chunked transfer
 * coding (RFC 9112 section 7.1). Started by {@link HttpExchange#stream}; the connection carries nothing else
 * until {@link #end()}.
 *
 * <p>Thread-safety: loop thread only ({@link HttpExchange#loop()}), like the rest of the connection's state.
 */
public final class HttpStream {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final ByteBuffer LAST_CHUNK = ByteBuffer.wrap("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))
            .asReadOnlyBuffer();

    private final ServerConnectionHandler owner;
    private final HttpExchange exchange;
    private final Connection conn;
    private boolean ended;

    HttpStream(ServerConnectionHandler owner, HttpExchange exchange, Connection conn) {
        this.owner = owner;
        this.exchange = exchange;
        this.conn = conn;
    }

    /**
     * Sends {@code data} as one chunk (an empty buffer sends nothing: a zero-length chunk would end the body).
     * The buffer is referenced, not copied.
     *
     * @return false when the stream has ended or the connection is gone (nothing was sent)
     */
    public boolean write(ByteBuffer data) {
        conn.loop().assertInLoop();
        if (ended || !conn.isOpen()) {
            return false;
        }
        if (!data.hasRemaining()) {
            return true;
        }
        byte[] size = (Integer.toHexString(data.remaining()) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        conn.write(ByteBuffer.wrap(size), data);
        conn.write(ByteBuffer.wrap(CRLF));
        return true;
    }

    /** Ends the body; the connection then serves its next request (keep-alive) or closes. Idempotent. */
    public void end() {
        conn.loop().assertInLoop();
        if (ended) {
            return;
        }
        ended = true;
        if (conn.isOpen()) {
            conn.write(LAST_CHUNK.duplicate());
        }
        owner.streamEnded(exchange);
    }

    public boolean isOpen() {
        return !ended && conn.isOpen();
    }

    /** Bytes written to this connection but not yet taken by the socket: a reader that falls behind shows here. */
    public long bufferedAmount() {
        return conn.bufferedAmount();
    }
}
