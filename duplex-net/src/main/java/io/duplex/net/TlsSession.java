package io.duplex.net;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS layer of one {@link Connection}: feeds received records through the {@link SSLEngine}
 * and wraps queued application buffers into records before they reach the socket queue.
 *
 * <p>Memory: plaintext is unwrapped into the loop's shared buffer and handed straight to the
 * handler; records are wrapped in the loop's shared buffer and copied out at their exact size. The
 * only per-connection buffer is the tail of a partially received record, kept between reads.
 *
 * <p>Delegated handshake tasks (certificate checks, key agreement) run inline on the loop: they
 * are short CPU work, and moving them elsewhere would need a hop back for every handshake.
 *
 * <p>Thread-safety: confined to the connection's loop thread.
 */
final class TlsSession {
    private static final Logger log = LoggerFactory.getLogger(TlsSession.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /** What a plain-HTTP request to a TLS port gets, in plain text, before the connection is closed. */
    private static final byte[] PLAIN_HTTP_ANSWER = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 45\r\nConnection: close\r\n\r\nthis port speaks TLS: use https:// or wss://\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final SSLEngine engine;
    /** The first bytes from the peer have been seen (a server looks at them for plain HTTP). */
    private boolean sawInput;
    private final CompletableFuture<Connection> openFuture;
    private ArrayDeque<ByteBuffer> pendingApplicationData;
    /** Bytes of an incomplete record, in read mode; null when none. */
    private ByteBuffer partialRecord;
    private Timeout handshakeTimer;
    private boolean opened;
    /** Buffer sizes beyond the session's, only after an engine asked for more; normally zero. */
    private int appBufferSize;
    private int packetBufferSize;

    /**
     * @param openFuture completed with the connection when the handshake succeeds, or with the
     *     failure; may be null (server side)
     */
    TlsSession(SSLEngine engine, CompletableFuture<Connection> openFuture) {
        this.engine = engine;
        this.openFuture = openFuture;
    }

    void start(Connection c) {
        long timeoutNanos = c.options().tlsHandshakeTimeout().toNanos();
        handshakeTimer = c.loop().schedule(timeoutNanos, TimeUnit.NANOSECONDS,
                () -> c.closeNow(new SSLException("TLS handshake timed out")));
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            c.closeNow(e);
            return;
        }
        advanceHandshake(c);
    }

    SSLSession session() {
        return opened ? engine.getSession() : null;
    }

    boolean needsNetworkInput() {
        return !opened;
    }

    /** Performs the handshake steps that need no input from the peer. */
    private boolean advanceHandshake(Connection c) {
        while (true) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
            } else if (hs == HandshakeStatus.NEED_WRAP) {
                if (!wrap(c, EMPTY_ARRAY, 0)) {
                    return false;
                }
            } else {
                if (!opened && hs == HandshakeStatus.NOT_HANDSHAKING) {
                    handshakeFinished(c);
                }
                return true;
            }
        }
    }

    private static final ByteBuffer[] EMPTY_ARRAY = {EMPTY};

    private void handshakeFinished(Connection c) {
        if (opened) {
            return;
        }
        opened = true;
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
            handshakeTimer = null;
        }
        c.open();
        if (openFuture != null) {
            openFuture.complete(c);
        }
        c.refreshInterest();
        c.scheduleFlush();
    }

    // ---- inbound ----

    /** Copies a kept partial record to the front of the read buffer before the next socket read. */
    void prefill(ByteBuffer readBuffer) {
        if (partialRecord != null) {
            readBuffer.put(partialRecord.duplicate());
        }
    }

    boolean hasBufferedInput() {
        return partialRecord != null;
    }

    /** {@code net} holds any kept partial record followed by the bytes just read. */
    void unwrapAndDispatch(Connection c, ByteBuffer net) {
        if (!sawInput && net.hasRemaining()) {
            sawInput = true;
            if (openFuture == null && isPlainHttp(net.get(net.position()))) {
                // A TLS record starts with its content type (22 for a ClientHello); a request line with a letter.
                net.position(net.limit());
                log.debug("plain HTTP request on a TLS port from {}: answered 400", c);
                c.writePlainAndClose(PLAIN_HTTP_ANSWER);
                return;
            }
        }
        partialRecord = null;
        unwrapLoop(c, net);
        keepRemainder(net);
    }

    /** Resumed reading: process records that arrived while paused. */
    void processBufferedInput(Connection c) {
        ByteBuffer in = partialRecord;
        if (in == null) {
            return;
        }
        partialRecord = null;
        unwrapLoop(c, in);
        keepRemainder(in);
        c.loop().flushDirty();
    }

    private void keepRemainder(ByteBuffer in) {
        if (in.hasRemaining()) {
            ByteBuffer copy = ByteBuffer.allocate(in.remaining());
            copy.put(in).flip();
            partialRecord = copy;
        }
    }

    private void unwrapLoop(Connection c, ByteBuffer in) {
        while (true) {
            if (c.isClosed() || (opened && !c.isReadingEnabled())) {
                return;
            }
            if (!advanceHandshake(c) || !in.hasRemaining()) {
                return;
            }
            if (opened && !c.isReadingEnabled()) {
                return;
            }
            ByteBuffer app = c.loop().tlsApplicationBuffer(Math.max(appBufferSize, engine.getSession().getApplicationBufferSize()));
            SSLEngineResult r;
            try {
                r = engine.unwrap(in, app);
            } catch (SSLException e) {
                c.closeNow(e);
                return;
            }
            switch (r.getStatus()) {
                case BUFFER_UNDERFLOW:
                    // Incomplete record: wait for more bytes.
                    return;
                case BUFFER_OVERFLOW:
                    // Should not happen with the session's own size; grow rather than spin if it does.
                    appBufferSize = app.capacity() * 2;
                    continue;
                case CLOSED:
                    // The peer sent close_notify: answer with ours and close.
                    deliver(c, app);
                    in.position(in.limit());
                    c.close();
                    return;
                default:
                    break;
            }
            deliver(c, app);
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                handshakeFinished(c);
            }
        }
    }

    private static void deliver(Connection c, ByteBuffer app) {
        if (app.position() > 0) {
            app.flip();
            c.deliver(app);
        }
    }

    /** An HTTP method's first byte (an upper-case letter), which no TLS record starts with. */
    private static boolean isPlainHttp(byte first) {
        return first >= 'A' && first <= 'Z';
    }

    boolean peerSentCloseNotify() {
        return engine.isInboundDone();
    }

    void inputShutdown() {
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // FIN without close_notify. The upper protocol frames its own end, so truncation is
            // reported by it, not here.
            log.debug("peer closed without close_notify: {}", e.getMessage());
        }
    }

    // ---- outbound ----

    void queueApplicationData(ByteBuffer b) {
        ArrayDeque<ByteBuffer> q = pendingApplicationData;
        if (q == null) {
            q = pendingApplicationData = new ArrayDeque<>(8);
        }
        q.add(b);
    }

    /**
     * Wraps queued application data into records. Several small buffers share one record, which is
     * where corking saves the most with TLS.
     *
     * @return false if the connection failed and was closed
     */
    boolean wrapPending(Connection c) {
        ArrayDeque<ByteBuffer> q = pendingApplicationData;
        if (!opened || q == null) {
            return true;
        }
        ByteBuffer[] srcs = c.loop().gatherArray();
        while (!q.isEmpty()) {
            int n = 0;
            for (ByteBuffer b : q) {
                srcs[n++] = b;
                if (n == srcs.length) {
                    break;
                }
            }
            boolean ok;
            try {
                ok = wrap(c, srcs, n);
            } finally {
                Arrays.fill(srcs, 0, n, null);
            }
            if (!ok) {
                return false;
            }
            while (!q.isEmpty() && !q.peekFirst().hasRemaining()) {
                q.pollFirst();
            }
            if (engine.isOutboundDone()) {
                break;
            }
        }
        pendingApplicationData = null;
        return true;
    }

    /** One wrap call; queues the produced record bytes. Returns false if the connection failed. */
    private boolean wrap(Connection c, ByteBuffer[] srcs, int n) {
        while (true) {
            ByteBuffer out = c.loop().tlsPacketBuffer(Math.max(packetBufferSize, engine.getSession().getPacketBufferSize()));
            SSLEngineResult r;
            try {
                r = engine.wrap(srcs, 0, n, out);
            } catch (SSLException e) {
                c.closeNow(e);
                return false;
            }
            c.applicationBytesWrapped(r.bytesConsumed());
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                packetBufferSize = out.capacity() * 2;
                continue;
            }
            if (out.position() > 0) {
                out.flip();
                ByteBuffer record = ByteBuffer.allocate(out.remaining());
                record.put(out).flip();
                c.queueNetwork(record);
                c.scheduleFlush();
            }
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                handshakeFinished(c);
            }
            return true;
        }
    }

    /** Wraps what the application queued, then close_notify, so both reach the socket queue. */
    void closeOutbound(Connection c) {
        if (!wrapPending(c)) {
            return;
        }
        engine.closeOutbound();
        int guard = 0;
        while (!engine.isOutboundDone() && guard++ < 4) {
            if (!wrap(c, EMPTY_ARRAY, 0)) {
                return;
            }
        }
    }

    void closed(Connection c, Throwable cause, boolean wasOpen) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
            handshakeTimer = null;
        }
        pendingApplicationData = null;
        partialRecord = null;
        if (!wasOpen) {
            Throwable failure = cause != null ? cause : new SSLException("connection closed during TLS handshake");
            if (openFuture != null) {
                openFuture.completeExceptionally(failure);
            } else {
                log.debug("TLS handshake failed with {}", c, failure);
            }
        }
        // Releases the engine's key material early instead of waiting for GC.
        engine.closeOutbound();
    }
}
