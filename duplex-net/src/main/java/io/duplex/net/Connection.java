package io.duplex.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A non-blocking TCP connection (accepted or connected, plain or TLS) owned by one event loop.
 *
 * <p><b>Writing.</b> {@link #write(ByteBuffer)} appends the buffer itself to the queue: no copy, so
 * the caller must not touch the buffer afterwards (hand over a read-only view of shared data).
 * Everything queued during one read callback, one task or one timer batch goes out in a single
 * gathering write when that callback returns; a write the kernel cannot take completely registers
 * for writability and continues from there. {@link #bufferedAmount()} is what is still queued.
 * Above the high watermark {@link #isWritable()} turns false; once the queue drains to the low
 * watermark it turns true again and {@link ConnectionHandler#onWritable} fires. Nothing is dropped:
 * respecting the watermark is the caller's policy.
 *
 * <p><b>Memory.</b> An idle plain connection holds this object, its channel and its selection key
 * only: the queue is created on the first write and released once it drains, and reads use the
 * loop's shared buffer.
 *
 * <p>Thread-safety: confined to the loop thread ({@link #loop()}); every method except
 * {@link #loop()}, {@link #execute}, {@link #attachment()} and {@link #attach} throws
 * {@link IllegalStateException} elsewhere. Use {@link #execute} to hop onto the loop.
 * {@link #attach}/{@link #attachment()} are plain fields: publish them safely yourself if another
 * thread reads them.
 */
public final class Connection extends Selectable {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /** Reads per readiness event before other connections get their turn. */
    private static final int MAX_READS_PER_EVENT = 16;

    private static final int OPENED = 1;
    private static final int CLOSING = 1 << 1;
    private static final int CLOSED = 1 << 2;
    private static final int READ_PAUSED = 1 << 3;
    private static final int UNWRITABLE = 1 << 4;
    private static final int DIRTY = 1 << 5;
    private static final int WAITING_WRITABLE = 1 << 6;
    private static final int INPUT_SHUTDOWN = 1 << 7;
    private static final int WROTE = 1 << 8;
    /** Close lingering: once the queue is out, half-close and read to the peer's end before closing. */
    private static final int LINGER = 1 << 9;
    /** Output shut down after a lingering close; input is read and discarded until the peer's FIN. */
    private static final int DRAINING = 1 << 10;

    private final EventLoop loop;
    private final SocketChannel channel;
    private ConnectionOptions options;
    /** Replaced once at most, when an upgraded connection hands itself to its WebSocket session. */
    private ConnectionHandler handler;
    private SelectionKey key;
    private Object attachment;
    /** Network bytes waiting for the socket; null while empty. */
    private ArrayDeque<ByteBuffer> queue;
    private long queued;
    private int flags;
    /** Non-null for TLS connections. */
    private final TlsSession tls;

    private Connection(EventLoop loop, SocketChannel channel, ConnectionHandler handler,
                       ConnectionOptions options, TlsSession tls) {
        this.loop = loop;
        this.channel = channel;
        this.handler = handler;
        this.options = options;
        this.tls = tls;
    }

    /**
     * Registers a connected non-blocking channel with {@code loop} (or takes over the key it already
     * has there) and, for plain connections, opens it. Loop thread only. On failure the channel is closed and the exception rethrown.
     */
    static Connection register(EventLoop loop, SocketChannel channel, SelectionKey existingKey,
                               ConnectionHandler handler, ConnectionOptions options, TlsSession tls)
            throws IOException {
        Connection c = new Connection(loop, channel, handler, options, tls);
        try {
            if (existingKey != null) {
                existingKey.attach(c);
                existingKey.interestOps(SelectionKey.OP_READ);
                c.key = existingKey;
            } else {
                c.key = loop.register(channel, SelectionKey.OP_READ, c);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
        if (tls == null) {
            c.open();
        } else {
            tls.start(c);
        }
        return c;
    }

    /** Fires {@link ConnectionHandler#onOpen}; for TLS, called once the handshake completes. */
    void open() {
        flags |= OPENED;
        try {
            handler.onOpen(this);
        } catch (Throwable e) {
            log.warn("onOpen failed; closing {}", this, e);
            closeNow(e);
        }
    }

    public EventLoop loop() {
        return loop;
    }

    /** Runs {@code task} on this connection's loop; callable from any thread. */
    public void execute(Runnable task) {
        loop.execute(task);
    }

    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    public boolean isTls() {
        return tls != null;
    }

    /** The TLS session once the handshake has completed; null for plain connections. */
    public javax.net.ssl.SSLSession tlsSession() {
        loop.assertInLoop();
        return tls == null ? null : tls.session();
    }

    /** Null once the connection is closed. */
    public InetSocketAddress remoteAddress() {
        try {
            return (InetSocketAddress) channel.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /** Null once the connection is closed. */
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /** True until {@link #close()} or {@link #abort()} is called or the connection fails. */
    public boolean isOpen() {
        loop.assertInLoop();
        return (flags & (CLOSING | CLOSED)) == 0;
    }

    // ---- writing ----

    /**
     * Queues {@code data} (its remaining bytes) without copying it. Loop thread only.
     *
     * @return false if the connection is closing or closed and the data was not queued
     */
    public boolean write(ByteBuffer data) {
        loop.assertInLoop();
        if ((flags & (CLOSING | CLOSED)) != 0) {
            return false;
        }
        enqueue(data);
        afterEnqueue();
        return true;
    }

    /** Queues a header and its payload, e.g. a frame header and a shared payload, without copying. */
    public boolean write(ByteBuffer header, ByteBuffer payload) {
        loop.assertInLoop();
        if ((flags & (CLOSING | CLOSED)) != 0) {
            return false;
        }
        enqueue(header);
        enqueue(payload);
        afterEnqueue();
        return true;
    }

    /** Frames up to this size are copied into the loop's write arena rather than queued as they are. */
    static final int ARENA_COPY_MAX = 1024;

    /**
     * Like {@link #write(ByteBuffer, ByteBuffer)} ({@code payload} may be null), for a small frame: header and
     * payload are copied into the loop's direct write arena, next to this connection's other small frames of the
     * same dispatch, so that they leave in one buffer with one plain write and no copy into a temporary direct
     * buffer by the JDK. Larger frames, TLS and a full socket take the
     * ordinary path.
     */
    boolean writeSmall(ByteBuffer header, ByteBuffer payload) {
        int n = header.remaining() + (payload == null ? 0 : payload.remaining());
        if (n > ARENA_COPY_MAX || tls != null || (flags & (WAITING_WRITABLE | CLOSING | CLOSED)) != 0
                || !loop.arenaHasRoom(n)) {
            return payload == null ? write(header)
                    : payload.isReadOnly() ? writeBorrowed(header, payload) : write(header, payload);
        }
        loop.assertInLoop();
        ByteBuffer view = loop.copyToArena(this, queue == null ? null : queue.peekLast(), header, payload, n);
        if (view == null) {
            // It grew the arena view this connection queued last.
            queued += n;
            afterEnqueue();
            return true;
        }
        return write(view);
    }

    /**
     * Like {@link #write(ByteBuffer, ByteBuffer)}, for a payload that may be a view of this loop's read buffer
     * (e.g. a received message echoed as it is): it is written without a copy when the flush that ends the
     * current dispatch writes it completely; if the socket cannot take it all, the rest is copied before the
     * read buffer is reused.
     */
    public boolean writeBorrowed(ByteBuffer header, ByteBuffer payload) {
        if (tls != null || (flags & WAITING_WRITABLE) != 0) {
            // TLS keeps application data in its own queue until wrapped, and a socket known to be full will not
            // take this before the read buffer is reused: copy now.
            return write(header, ByteBuffer.allocate(payload.remaining()).put(payload.duplicate()).flip());
        }
        if (!write(header, payload)) {
            return false;
        }
        if (payload.hasRemaining()) {
            loop.borrowed(this, payload);
        }
        return true;
    }

    /**
     * The loop is about to reuse its read buffer: replace every view in {@code pending} that is still queued by
     * a copy, in one pass over the queue (ArrayDeque has no set()).
     */
    void unborrow(java.util.Set<ByteBuffer> pending) {
        if (queue == null) {
            return;
        }
        ArrayDeque<ByteBuffer> q = new ArrayDeque<>(queue.size());
        for (ByteBuffer b : queue) {
            q.add(pending.contains(b) ? ByteBuffer.allocate(b.remaining()).put(b.duplicate()).flip() : b);
        }
        queue = q;
    }

    private void enqueue(ByteBuffer b) {
        int n = b.remaining();
        if (n == 0) {
            return;
        }
        if (tls != null) {
            tls.queueApplicationData(b);
            queued += n;
        } else {
            queueNetwork(b);
        }
    }

    /** Adds encrypted or plain network bytes to the socket queue and counts them as buffered. */
    void queueNetwork(ByteBuffer b) {
        ArrayDeque<ByteBuffer> q = queue;
        if (q == null) {
            q = queue = new ArrayDeque<>(8);
        }
        q.add(b);
        queued += b.remaining();
    }

    /** TLS: application bytes turned into records are no longer counted as such. */
    void applicationBytesWrapped(long n) {
        queued -= n;
    }

    /** Makes the loop flush this connection when the current dispatch ends. */
    void scheduleFlush() {
        if ((flags & DIRTY) == 0) {
            flags |= DIRTY;
            loop.markDirty(this);
        }
    }

    private void afterEnqueue() {
        if (queued > options.highWatermark()) {
            flags |= UNWRITABLE;
        }
        scheduleFlush();
    }

    /**
     * Bytes accepted by {@code write} and not yet handed to the kernel. For TLS this is application
     * bytes not yet encrypted plus record bytes not yet sent, so it includes record overhead.
     * Loop thread only.
     */
    public long bufferedAmount() {
        loop.assertInLoop();
        return queued;
    }

    /** False between exceeding the high watermark and draining to the low one. Loop thread only. */
    public boolean isWritable() {
        loop.assertInLoop();
        return (flags & UNWRITABLE) == 0;
    }

    /**
     * Writes what is queued now instead of when the current callback returns. Loop thread only.
     * Does nothing while the socket is known to be full; the loop resumes when it drains.
     */
    public void flush() {
        loop.assertInLoop();
        flushNow();
    }

    /** Called by the loop for connections marked dirty. */
    void flushScheduled() {
        flags &= ~DIRTY;
        flushNow();
    }

    private void flushNow() {
        if ((flags & CLOSED) != 0) {
            return;
        }
        if (tls != null && !tls.wrapPending(this)) {
            return;
        }
        if ((flags & WAITING_WRITABLE) == 0) {
            writeQueue();
        }
    }

    /** Socket is writable again after a short write. */
    private void writeReady() {
        flags &= ~WAITING_WRITABLE;
        if (tls != null && !tls.wrapPending(this)) {
            return;
        }
        writeQueue();
    }

    private void writeQueue() {
        boolean becameWritable = false;
        ArrayDeque<ByteBuffer> q;
        ByteBuffer[] gather = loop.gatherArray();
        while ((q = queue) != null && !q.isEmpty()) {
            int n = 0;
            long wanted = 0;
            for (ByteBuffer b : q) {
                gather[n++] = b;
                wanted += b.remaining();
                if (n == gather.length) {
                    break;
                }
            }
            long written;
            try {
                // One buffer (a broadcast frame, a lone echo): a plain write, cheaper than a gathering one.
                written = n == 1 ? channel.write(gather[0]) : channel.write(gather, 0, n);
            } catch (IOException e) {
                // The peer ended TLS with close_notify and may already be gone; failing to deliver our
                // answering close_notify is part of an orderly end, not an error.
                closeNow(tls != null && tls.peerSentCloseNotify() ? null : e);
                return;
            } finally {
                Arrays.fill(gather, 0, n, null);
                loop.countWriteCall();
            }
            while (!q.isEmpty() && !q.peekFirst().hasRemaining()) {
                q.pollFirst();
            }
            queued -= written;
            if (written > 0) {
                flags |= WROTE;
            }
            if ((flags & UNWRITABLE) != 0 && queued <= options.lowWatermark()) {
                flags &= ~UNWRITABLE;
                becameWritable = true;
            }
            if (written < wanted) {
                // The kernel buffer is full: wait for OP_WRITE instead of spinning.
                flags |= WAITING_WRITABLE;
                break;
            }
        }
        if (q != null && q.isEmpty()) {
            // Drained: let go of the deque so an idle connection holds no queue.
            queue = null;
        }
        updateInterest();
        if ((flags & CLOSING) != 0 && queue == null) {
            if ((flags & DRAINING) == 0) {
                finishClose();
            }
            return;
        }
        // Called last, so that a handler writing (or closing) from onWritable finds a consistent queue.
        if (becameWritable) {
            try {
                handler.onWritable(this);
            } catch (Throwable e) {
                log.warn("onWritable failed; closing {}", this, e);
                closeNow(e);
            }
        }
    }

    /** Whether the socket took any bytes since the last call (for the heartbeat's judgement of a slow peer). */
    boolean takeWriteProgress() {
        boolean wrote = (flags & WROTE) != 0;
        flags &= ~WROTE;
        return wrote;
    }

    boolean hasQueuedNetworkBytes() {
        return queue != null && !queue.isEmpty();
    }

    // ---- reading ----

    /** Stops reading from the socket (and so, through TCP flow control, the peer). Loop thread only. */
    public void pauseReading() {
        loop.assertInLoop();
        flags |= READ_PAUSED;
        updateInterest();
    }

    /** Undoes {@link #pauseReading()}. Loop thread only. */
    public void resumeReading() {
        loop.assertInLoop();
        if ((flags & READ_PAUSED) == 0) {
            return;
        }
        flags &= ~READ_PAUSED;
        updateInterest();
        if (tls != null && tls.hasBufferedInput()) {
            // Records already received would otherwise wait for the next packet.
            loop.execute(() -> {
                if (isReadingEnabled()) {
                    tls.processBufferedInput(this);
                }
            });
        }
    }

    public boolean isReadingPaused() {
        loop.assertInLoop();
        return (flags & READ_PAUSED) != 0;
    }

    boolean isClosed() {
        return (flags & CLOSED) != 0;
    }

    private boolean tlsHandshaking() {
        return tls != null && (flags & (CLOSED | INPUT_SHUTDOWN)) == 0 && tls.needsNetworkInput();
    }

    boolean isReadingEnabled() {
        return (flags & (READ_PAUSED | CLOSED | CLOSING | INPUT_SHUTDOWN)) == 0;
    }

    @Override
    void ready(SelectionKey key) {
        int ops;
        try {
            ops = key.readyOps();
        } catch (CancelledKeyException e) {
            return;
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            writeReady();
        }
        if ((ops & SelectionKey.OP_READ) != 0) {
            if ((flags & DRAINING) != 0) {
                drain();
            } else {
                readReady();
            }
        }
    }

    private void readReady() {
        ByteBuffer buf = loop.readBuffer();
        for (int i = 0; i < MAX_READS_PER_EVENT && (flags & DRAINING) == 0 && (isReadingEnabled() || tlsHandshaking());
                i++) {
            buf.clear();
            if (tls != null) {
                // A partial record from the previous read goes in front of the new bytes.
                tls.prefill(buf);
            }
            int n;
            try {
                n = channel.read(buf);
            } catch (IOException e) {
                closeNow(e);
                return;
            }
            if (n < 0) {
                inputShutdown();
                return;
            }
            if (n == 0) {
                return;
            }
            buf.flip();
            if (tls != null) {
                tls.unwrapAndDispatch(this, buf);
            } else {
                deliver(buf);
            }
            // Writes made by this read's callbacks go out together, before the next read.
            loop.flushDirty();
            if (buf.limit() < buf.capacity()) {
                // The socket had less than a full buffer: it is drained.
                return;
            }
        }
    }

    /** Hands application bytes to the handler; a throw closes the connection. */
    void deliver(ByteBuffer data) {
        try {
            handler.onRead(this, data);
        } catch (Throwable e) {
            log.warn("onRead failed; closing {}", this, e);
            closeNow(e);
        }
    }

    /** The peer sent FIN: nothing more will arrive, so send what is queued and close. */
    private void inputShutdown() {
        flags |= INPUT_SHUTDOWN;
        if (tls != null) {
            tls.inputShutdown();
        }
        close();
    }

    // ---- closing ----

    /**
     * Closes after the queued bytes (and, for TLS, close_notify) have been written. Reading stops at
     * once. If the peer never reads, this never completes by itself: pair it with a timer that calls
     * {@link #abort()}. Loop thread only; idempotent.
     */
    public void close() {
        loop.assertInLoop();
        if ((flags & (CLOSING | CLOSED)) != 0) {
            return;
        }
        flags |= CLOSING;
        if (tls != null) {
            tls.closeOutbound(this);
        }
        updateInterest();
        flushNow();
        if ((flags & (CLOSED | DRAINING)) == 0 && !hasQueuedNetworkBytes()) {
            finishClose();
        }
    }

    /**
     * Like {@link #close()}, for an HTTP answer sent before the request was read to its end (a 413, say): once the
     * answer is out, sends FIN and reads and discards what still comes until the peer's FIN, and only then closes.
     * Closing with unread input makes the kernel reset the connection, and a reset can destroy the answer before
     * the peer reads it. Pair it with a timer that calls {@link #abort()}, as for {@code close()}. Plain TCP
     * only; over TLS it is {@code close()}. Loop thread only; idempotent.
     */
    public void closeLingering() {
        loop.assertInLoop();
        if (tls == null && (flags & (CLOSING | CLOSED)) == 0) {
            flags |= LINGER;
        }
        close();
    }

    /** Everything queued is out: close, or half-close and drain for a lingering close. */
    private void finishClose() {
        if ((flags & LINGER) != 0 && (flags & INPUT_SHUTDOWN) == 0) {
            flags = (flags & ~LINGER) | DRAINING;
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                closeNow(null);
                return;
            }
            updateInterest();
            return;
        }
        closeNow(null);
    }

    /** Reads and discards input of a draining connection; its end closes the connection. */
    private void drain() {
        ByteBuffer buf = loop.readBuffer();
        for (int i = 0; i < MAX_READS_PER_EVENT; i++) {
            buf.clear();
            int n;
            try {
                n = channel.read(buf);
            } catch (IOException e) {
                closeNow(null);
                return;
            }
            if (n < 0) {
                closeNow(null);
                return;
            }
            if (n == 0) {
                return;
            }
        }
    }

    /** Closes at once, discarding queued bytes, and resets the TCP connection (RST). Loop thread only. */
    public void abort() {
        loop.assertInLoop();
        if ((flags & CLOSED) != 0) {
            return;
        }
        try {
            // Linger zero turns close() into a reset, freeing both ends without TIME_WAIT.
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            log.debug("cannot set SO_LINGER on {}", this, e);
        }
        closeNow(null);
    }

    /**
     * Writes {@code bytes} to the socket as they are, outside TLS, with one non-blocking attempt, then half-closes
     * and drains what the peer still sends until its FIN (the TLS handshake timer bounds the wait): for the
     * plain-text answer to a plain-HTTP request on a TLS port, before any TLS byte was sent. Closing at once with
     * the request's body unread would reset the connection under the answer.
     */
    void writePlainAndClose(byte[] bytes) {
        if ((flags & (CLOSING | CLOSED)) != 0) {
            return;
        }
        try {
            channel.write(ByteBuffer.wrap(bytes));
            flags |= CLOSING | DRAINING;
            channel.shutdownOutput();
        } catch (IOException e) {
            // The peer is gone already: nothing to tell it.
            closeNow(null);
            return;
        }
        updateInterest();
    }

    /** The single terminal path: releases everything and fires onClose exactly once. */
    void closeNow(Throwable cause) {
        if ((flags & CLOSED) != 0) {
            return;
        }
        flags |= CLOSED;
        if (key != null) {
            key.cancel();
        }
        closeQuietly(channel);
        queue = null;
        queued = 0;
        boolean wasOpen = (flags & OPENED) != 0;
        if (tls != null) {
            tls.closed(this, cause, wasOpen);
        }
        if (wasOpen) {
            try {
                handler.onClose(this, cause);
            } catch (Throwable e) {
                log.warn("onClose failed for {}", this, e);
            }
        }
    }

    @Override
    void closeForShutdown() {
        if ((flags & CLOSED) != 0) {
            return;
        }
        // One last non-blocking attempt so that a close frame already queued has a chance to leave.
        flags |= CLOSING;
        if (tls != null) {
            tls.closeOutbound(this);
        }
        flushNow();
        closeNow(null);
    }

    private void updateInterest() {
        if ((flags & CLOSED) != 0 || !key.isValid()) {
            return;
        }
        int ops = 0;
        if (isReadingEnabled() || tlsHandshaking() || (flags & DRAINING) != 0) {
            ops |= SelectionKey.OP_READ;
        }
        if ((flags & WAITING_WRITABLE) != 0) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    void refreshInterest() {
        updateInterest();
    }

    ConnectionHandler handler() {
        return handler;
    }

    /**
     * Makes {@code next} receive this connection's events from now on, e.g. the WebSocket session once the
     * upgrade is done, so the object that parsed the HTTP head is not kept for the connection's life. Loop thread.
     */
    void handOver(ConnectionHandler next) {
        loop.assertInLoop();
        handler = Objects.requireNonNull(next, "next");
    }

    ConnectionOptions options() {
        return options;
    }

    /** Replaces the watermarks, e.g. once an upgrade has chosen the endpoint whose limits apply. Loop thread only. */
    void watermarks(int high, int low) {
        loop.assertInLoop();
        if (options.highWatermark() != high || options.lowWatermark() != low) {
            // Only endpoints that differ from the server's defaults pay for their own options object.
            options = options.withWatermarks(high, low);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Nothing useful to do: the descriptor is released either way.
        }
    }

    @Override
    public String toString() {
        return "Connection[" + Objects.toString(remoteAddress(), "closed") + (tls != null ? ", tls" : "") + "]";
    }

    /** State for diagnostics: flags, queued bytes, interest and readiness. Loop thread only. */
    String describe() {
        String interest;
        try {
            interest = key == null ? "-" : key.interestOps() + "/" + key.readyOps();
        } catch (CancelledKeyException e) {
            interest = "cancelled";
        }
        return this + " flags=0x" + Integer.toHexString(flags) + " queued=" + queued + " buffers="
                + (queue == null ? 0 : queue.size()) + " interest/ready=" + interest;
    }
}
