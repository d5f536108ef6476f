package io.duplex.net;

import io.duplex.protocol.CloseCodes;
import io.duplex.protocol.CloseState;
import io.duplex.protocol.EngineListener;
import io.duplex.protocol.Event;
import io.duplex.protocol.FrameSink;
import io.duplex.protocol.Role;
import io.duplex.protocol.WebSocketEngine;
import io.duplex.protocol.WebSocketProtocol;
import io.duplex.protocol.deflate.DeflateCodec;
import io.duplex.protocol.handshake.HttpRequest;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell around one {@link WebSocketEngine}: connects it to a {@link Connection}, runs the heartbeat, idle
 * and close timers, applies flow control and reports to the {@link WebSocketListener}.
 *
 * <p>Thread-safety: all state is confined to the connection's loop. Public {@link WebSocket} methods called
 * from other threads hop onto the loop; only {@code open} and {@code attachment} are read across threads.
 */
final class WebSocketSession implements WebSocket, EngineListener, FrameSink, ConnectionHandler, Runnable {
    private static final Logger log = LoggerFactory.getLogger(WebSocketSession.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Connection conn;
    private final WebSocketEngine engine;
    private final WebSocketOptions options;
    private final WebSocketListener listener;
    /** The upgrade request; dropped after onOpen when the endpoint does not retain it. */
    private HttpRequest request;
    private final String subprotocol;
    private final Consumer<WebSocketSession> onFinished;

    private final InetSocketAddress remote;
    private volatile Object attachment;
    /** False once a close frame was sent or the transport closed: cross-thread sends then report CLOSED. */
    private volatile boolean open = true;
    /**
     * True from {@link #stream} until its final fragment. Checked in the caller's thread, because a send hopped
     * onto the loop can no longer throw to its caller: the engine's IllegalStateException would be lost there.
     */
    private volatile boolean streaming;

    private boolean finished;
    private boolean userPaused;
    private boolean autoPaused;
    private boolean awaitingPong;
    /** Bytes arrived since the last heartbeat tick: the peer is alive even if its pong is still behind them. */
    private boolean readSinceTick;
    /** The outstanding ping was queued behind unsent data: the pong is late by the time that data takes. */
    private boolean pingBehindBacklog;
    /**
     * The outstanding ping went out behind data the socket took in the interval before it (or behind our own
     * queue): the kernel's send buffer may still hold that data in front of the ping, so one silent interval is
     * forgiven.
     */
    private boolean pingAfterWrites;
    /** A ping was sent before: writes of the first interval (the upgrade's answer, a greeting) earn no grace. */
    private boolean pingedBefore;
    /** An interval without any sign of life was already forgiven for a ping sent behind a backlog. */
    private boolean graceUsed;
    private boolean terminatedLocally;
    private String failureReason;
    private long lastMessageNanos;
    private Timeout heartbeat;
    private Timeout idle;
    private Timeout closeTimer;

    WebSocketSession(Connection conn, Role role, WebSocketOptions options, WebSocketListener listener,
                     HttpRequest request, String subprotocol, Object attachment, DeflateCodec deflate,
                     Consumer<WebSocketSession> onFinished) {
        this.conn = conn;
        this.options = options;
        this.listener = listener;
        this.request = request;
        this.subprotocol = subprotocol;
        this.attachment = attachment;
        this.onFinished = onFinished;
        this.remote = conn.remoteAddress();
        this.engine = new WebSocketEngine(role, options.engineConfig(), deflate, conn.loop().messageBuffers(), this,
                this);
    }

    /** Loop thread: the handshake is done; start timers and tell the listener. */
    void start() {
        if (!options.pingInterval().isZero()) {
            heartbeat = schedule(options.pingInterval().toNanos(), this);
        }
        if (!options.idleTimeout().isZero()) {
            lastMessageNanos = System.nanoTime();
            idle = schedule(options.idleTimeout().toNanos(), this::idleTick);
        }
        try {
            listener.onOpen(this);
        } catch (Throwable t) {
            listenerFailed(t);
        }
    }

    private Timeout schedule(long nanos, Runnable task) {
        return conn.loop().schedule(nanos, TimeUnit.NANOSECONDS, task);
    }

    Connection connection() {
        return conn;
    }

    /** Loop thread, after {@link #start()}: forget the upgrade request to save its memory. */
    void dropRequest() {
        request = null;
    }

    // ------------------------------------------------------------------------------------ transport events

    // A server connection is handed to its session once upgraded, so the session takes the transport's events.

    @Override
    public void onRead(Connection connection, ByteBuffer data) {
        onRead(data);
    }

    @Override
    public void onWritable(Connection connection) {
        onWritable();
    }

    @Override
    public void onClose(Connection connection, Throwable cause) {
        onTransportClosed(cause);
    }

    /** What this session calls once it has ended; identifies the server that owns it. */
    Consumer<WebSocketSession> finishedCallback() {
        return onFinished;
    }

    void onRead(ByteBuffer data) {
        readSinceTick = true;
        engine.receive(data);
        checkWatermark();
    }

    void onWritable() {
        if (autoPaused) {
            autoPaused = false;
            if (!userPaused) {
                conn.resumeReading();
            }
        }
        if (open) {
            try {
                listener.onWritable(this);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        }
    }

    /** Loop thread, exactly once: the TCP connection is gone. */
    void onTransportClosed(Throwable cause) {
        if (finished) {
            return;
        }
        finished = true;
        open = false;
        cancelTimers();
        if (closeTimer != null) {
            closeTimer.cancel();
        }
        engine.receiveEof();
        CloseStatus status = closeStatus();
        if (cause != null && !status.clean()) {
            safeError(cause);
        }
        try {
            listener.onClose(this, status);
        } catch (Throwable t) {
            log.warn("onClose listener failed", t);
        }
        if (onFinished != null) {
            onFinished.accept(this);
        }
    }

    private CloseStatus closeStatus() {
        CloseState state = engine.closeState();
        if (state == CloseState.CLOSED) {
            return new CloseStatus(engine.receivedCloseCode(), engine.receivedCloseReason(),
                    engine.closeInitiator() == CloseState.Initiator.REMOTE, true);
        }
        if (state == CloseState.FAILED) {
            return new CloseStatus(engine.sentCloseCode(), failureReason == null ? "" : failureReason, false, false);
        }
        boolean remote = state == CloseState.OPEN && !terminatedLocally;
        return new CloseStatus(CloseCodes.ABNORMAL, "", remote, false);
    }

    private void checkWatermark() {
        if (!autoPaused && !conn.isWritable() && conn.isOpen()) {
            // DESIGN: above the high watermark, stop reading from a peer that does not read what we send.
            autoPaused = true;
            conn.pauseReading();
        }
    }

    // ----------------------------------------------------------------------------------------- engine events

    @Override
    public void frame(ByteBuffer header, ByteBuffer payload) {
        // Small frames are copied next to each other into the loop's write arena (one buffer, one plain write);
        // a larger read-only payload may be a view of the read buffer (a received message sent on): no copy
        // unless it stays queued.
        conn.writeSmall(header, payload);
    }

    @Override
    public void onEvent(Event event) {
        try {
            if (event instanceof Event.Text t) {
                touch();
                listener.onText(this, t.text());
            } else if (event instanceof Event.Binary b) {
                touch();
                listener.onBinary(this, b.data());
            } else if (event instanceof Event.Ping p) {
                listener.onPing(this, p.payload());
            } else if (event instanceof Event.Pong p) {
                awaitingPong = false;
                listener.onPong(this, p.payload());
            } else if (event instanceof Event.CloseReceived) {
                open = false;
                cancelTimers();
                if (engine.role() == Role.SERVER) {
                    // 7.1.1: the server closes the TCP connection first.
                    conn.close();
                }
                armCloseTimer();
            } else if (event instanceof Event.Failure f) {
                open = false;
                failureReason = f.reason();
                cancelTimers();
                safeError(new WebSocketProtocolException(f.code(), f.reason()));
                conn.close();
                armCloseTimer();
            }
        } catch (Throwable t) {
            listenerFailed(t);
        }
    }

    private void touch() {
        if (idle != null) {
            lastMessageNanos = System.nanoTime();
        }
    }

    private void listenerFailed(Throwable t) {
        safeError(t);
        if (engine.canSend()) {
            closeOnLoop(CloseCodes.INTERNAL_ERROR, "internal error");
        }
    }

    private void safeError(Throwable t) {
        try {
            listener.onError(this, t);
        } catch (Throwable again) {
            log.warn("onError listener failed", again);
        }
    }

    // ------------------------------------------------------------------------------------------------ timers

    /** The heartbeat timer's task (the session is its own Runnable: one object less per connection). */
    @Override
    public void run() {
        heartbeatTick();
    }

    private void heartbeatTick() {
        heartbeat = null;
        if (!open) {
            return;
        }
        boolean wrote = conn.takeWriteProgress();
        if (awaitingPong) {
            if (peerShowedLife(wrote)) {
                graceUsed = false;
            } else if (pingAfterWrites && !graceUsed) {
                // What we wrote may still sit in the kernel's send buffer, megabytes on a fast link, in front of the
                // ping; nothing here shows the peer reading it. One silent interval is forgiven.
                graceUsed = true;
            } else {
                safeError(new TimeoutException("no pong within " + options.pingInterval() + " and nothing received"
                        + (pingBehindBacklog ? ", nor any queued byte taken by the socket," : "")
                        + (pingAfterWrites ? " for two intervals" : "")
                        + " (" + conn.bufferedAmount() + " bytes queued, reading "
                        + (autoPaused ? "paused by backpressure" : "on") + ")"));
                terminateOnLoop();
                return;
            }
            // Alive, but the pong is not through yet: wait another interval instead of stacking pings behind data.
        } else {
            awaitingPong = true;
            pingBehindBacklog = conn.bufferedAmount() > 0;
            pingAfterWrites = pingBehindBacklog || (wrote && pingedBefore);
            pingedBefore = true;
            graceUsed = false;
            engine.ping(EMPTY.duplicate());
        }
        readSinceTick = false;
        heartbeat = schedule(options.pingInterval().toNanos(), this);
    }

    /**
     * A peer whose pong is late is still alive when the reason is ours or its traffic shows it: bytes arrived
     * since the last tick (the pong may be queued behind them, in particular while we do not read because the
     * peer is slow to take our data), reading is paused by the application (nothing can arrive), or the ping went
     * out behind a backlog and the socket took bytes since the last tick (the peer is reading, slowly: with a
     * backlog, the kernel takes bytes only once the peer has acknowledged others; without one, the ping itself
     * would count). A peer that did none of these for a whole interval is terminated; for a ping sent behind our
     * queue or after the socket took bytes in the interval before it, for two: that data may still sit in the
     * kernel's send buffer in front of the ping, which on a fast link holds megabytes, and the kernel takes more only
     * once the peer has read about half of it, so a slow reader can look silent for a while. (Java offers no view of
     * the socket's unacknowledged bytes that would tell.) Taking bytes counts as life only behind our own queue: with
     * the queue empty, the kernel takes bytes for a dead peer too, until its buffer is full.
     */
    private boolean peerShowedLife(boolean wroteSinceTick) {
        return readSinceTick || userPaused || (wroteSinceTick && pingBehindBacklog);
    }

    private void idleTick() {
        idle = null;
        if (!open) {
            return;
        }
        long idleFor = System.nanoTime() - lastMessageNanos;
        long limit = options.idleTimeout().toNanos();
        if (idleFor >= limit) {
            closeOnLoop(CloseCodes.GOING_AWAY, "idle timeout");
        } else {
            idle = schedule(limit - idleFor, this::idleTick);
        }
    }

    private void armCloseTimer() {
        if (closeTimer == null && !finished) {
            closeTimer = schedule(options.closeTimeout().toNanos(), conn::abort);
        }
    }

    private void cancelTimers() {
        if (heartbeat != null) {
            heartbeat.cancel();
            heartbeat = null;
        }
        if (idle != null) {
            idle.cancel();
            idle = null;
        }
    }

    // --------------------------------------------------------------------------------------------------- send

    private boolean inLoop() {
        return conn.loop().inEventLoop();
    }

    @Override
    public SendResult sendText(String text) {
        checkNotStreaming();
        ByteBuffer utf8 = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        if (!inLoop()) {
            return hop(() -> sendData(WebSocketProtocol.OPCODE_TEXT, utf8));
        }
        return sendData(WebSocketProtocol.OPCODE_TEXT, utf8);
    }

    @Override
    public SendResult sendUtf8(ByteBuffer validUtf8) {
        checkNotStreaming();
        if (!inLoop()) {
            return hop(() -> sendData(WebSocketProtocol.OPCODE_TEXT, validUtf8));
        }
        return sendData(WebSocketProtocol.OPCODE_TEXT, validUtf8);
    }

    @Override
    public SendResult sendBinary(ByteBuffer data) {
        checkNotStreaming();
        if (!inLoop()) {
            // A read-only buffer may be a view of another loop's read buffer, reused once its callback returns.
            ByteBuffer owned = data.isReadOnly() ? ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip()
                    : data;
            return hop(() -> sendData(WebSocketProtocol.OPCODE_BINARY, owned));
        }
        return sendData(WebSocketProtocol.OPCODE_BINARY, data);
    }

    @Override
    public SendResult send(PreparedMessage message) {
        checkNotStreaming();
        if (!inLoop()) {
            return hop(() -> sendPrepared(message));
        }
        return sendPrepared(message);
    }

    private void checkNotStreaming() {
        if (streaming) {
            throw new IllegalStateException("a fragmented message is in progress");
        }
    }

    private SendResult hop(java.util.function.Supplier<SendResult> send) {
        if (!open) {
            return SendResult.CLOSED;
        }
        conn.execute(send::get);
        return SendResult.SENT;
    }

    private SendResult admit(long bytes) {
        if (!engine.canSend() || finished) {
            return SendResult.CLOSED;
        }
        long buffered = conn.bufferedAmount();
        if (buffered > 0 && buffered + bytes > options.maxBackpressure()) {
            if (options.slowConsumerPolicy() == WebSocketOptions.SlowConsumerPolicy.CLOSE) {
                closeOnLoop(CloseCodes.POLICY_VIOLATION, "slow consumer");
            }
            return SendResult.DROPPED;
        }
        return null;
    }

    private SendResult sendData(int opcode, ByteBuffer payload) {
        SendResult refused = admit(payload.remaining());
        if (refused != null) {
            return refused;
        }
        engine.sendFrame(opcode, true, payload);
        return afterSend();
    }

    private SendResult sendPrepared(PreparedMessage message) {
        SendResult refused = admit(message.frameLength());
        if (refused != null) {
            return refused;
        }
        DeflateCodec deflate = engine.deflate();
        if (deflate != null && deflate.shouldCompress(message.payloadLength())) {
            if (engine.role() == Role.SERVER && deflate.outWindowBits() == 15) {
                // Compressed once, without context, for every connection that can read a 15-bit window.
                conn.write(message.compressedFrame(deflate));
            } else {
                int opcode = message.isText() ? WebSocketProtocol.OPCODE_TEXT : WebSocketProtocol.OPCODE_BINARY;
                engine.sendFrame(opcode, true, message.payload());
            }
        } else if (engine.role() == Role.SERVER) {
            conn.write(message.frame());
        } else {
            int opcode = message.isText() ? WebSocketProtocol.OPCODE_TEXT : WebSocketProtocol.OPCODE_BINARY;
            engine.sendFrame(opcode, true, message.payload());
        }
        return afterSend();
    }

    private SendResult afterSend() {
        touch();
        // No pause here, only after a read (onRead): a listener that refills the queue in onWritable would
        // otherwise keep reading paused for good, and pongs and close frames from a healthy peer would never
        // be read (the heartbeat then kills it). Pausing guards against input that makes output, not against
        // sends, which BACKPRESSURE and maxBackpressure already bound.
        return conn.isWritable() ? SendResult.SENT : SendResult.BACKPRESSURE;
    }

    @Override
    public MessageStream stream(boolean text) {
        int first = text ? WebSocketProtocol.OPCODE_TEXT : WebSocketProtocol.OPCODE_BINARY;
        checkNotStreaming();
        streaming = true;
        return new MessageStream() {
            private boolean started;
            private boolean done;

            @Override
            public SendResult write(ByteBuffer chunk) {
                return next(chunk, false);
            }

            @Override
            public SendResult finish(ByteBuffer lastChunk) {
                return next(lastChunk, true);
            }

            private SendResult next(ByteBuffer chunk, boolean fin) {
                if (done) {
                    throw new IllegalStateException("stream already finished");
                }
                int opcode = started ? WebSocketProtocol.OPCODE_CONTINUATION : first;
                started = true;
                done = fin;
                if (fin) {
                    streaming = false;
                }
                if (!inLoop()) {
                    return hop(() -> fragment(opcode, fin, chunk));
                }
                return fragment(opcode, fin, chunk);
            }
        };
    }

    private SendResult fragment(int opcode, boolean fin, ByteBuffer chunk) {
        if (!engine.canSend() || finished) {
            return SendResult.CLOSED;
        }
        // A fragment in progress cannot be dropped without corrupting the message: no slow-consumer check here.
        engine.sendFrame(opcode, fin, chunk);
        return afterSend();
    }

    @Override
    public SendResult ping(ByteBuffer payload) {
        return control(payload, true);
    }

    @Override
    public SendResult pong(ByteBuffer payload) {
        return control(payload, false);
    }

    private SendResult control(ByteBuffer payload, boolean ping) {
        if (payload.remaining() > WebSocketProtocol.MAX_CONTROL_PAYLOAD) {
            throw new IllegalArgumentException("control frame payload longer than 125 bytes");
        }
        if (!inLoop()) {
            return hop(() -> control(payload, ping));
        }
        if (finished) {
            return SendResult.CLOSED;
        }
        boolean sent = ping ? engine.ping(payload) : engine.pong(payload);
        return sent ? afterSend() : SendResult.CLOSED;
    }

    @Override
    public void close(int code, String reason) {
        if (code != -1 && !CloseCodes.isValidOnWire(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent");
        }
        if (reason != null && reason.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("close reason longer than 123 UTF-8 bytes");
        }
        if (!inLoop()) {
            conn.execute(() -> closeOnLoop(code, reason));
            return;
        }
        closeOnLoop(code, reason);
    }

    private void closeOnLoop(int code, String reason) {
        if (finished || !engine.close(code, reason)) {
            return;
        }
        open = false;
        cancelTimers();
        armCloseTimer();
    }

    @Override
    public void terminate() {
        if (!inLoop()) {
            conn.execute(this::terminateOnLoop);
            return;
        }
        terminateOnLoop();
    }

    private void terminateOnLoop() {
        if (finished) {
            return;
        }
        terminatedLocally = true;
        open = false;
        conn.abort();
    }

    @Override
    public long bufferedAmount() {
        if (inLoop()) {
            return conn.bufferedAmount();
        }
        try {
            return conn.loop().submit(conn::bufferedAmount).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return 0;
        }
    }

    @Override
    public void pauseReading() {
        if (!inLoop()) {
            conn.execute(this::pauseReading);
            return;
        }
        userPaused = true;
        conn.pauseReading();
    }

    @Override
    public void resumeReading() {
        if (!inLoop()) {
            conn.execute(this::resumeReading);
            return;
        }
        userPaused = false;
        if (!autoPaused) {
            conn.resumeReading();
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public HttpRequest request() {
        return request;
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public String extensions() {
        DeflateCodec d = engine.deflate();
        if (d == null) {
            return "";
        }
        String params = d.params().toResponseParams();
        return params.isEmpty() ? io.duplex.protocol.deflate.PerMessageDeflate.NAME
                : io.duplex.protocol.deflate.PerMessageDeflate.NAME + "; " + params;
    }

    /** The negotiated permessage-deflate parameters, or null when compression is off. */
    public io.duplex.protocol.deflate.DeflateParams deflateParams() {
        DeflateCodec d = engine.deflate();
        return d == null ? null : d.params();
    }

    @Override
    public EventLoop loop() {
        return connection().loop();
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    @Override
    public String toString() {
        return "WebSocket[" + engine.role() + " " + conn + "]";
    }

    /** State for diagnostics; loop thread only. */
    String describe() {
        return "open=" + open + " autoPaused=" + autoPaused + " userPaused=" + userPaused + " close=" + engine.closeState()
                + " " + conn.describe();
    }
}
