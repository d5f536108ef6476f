package io.duplex.server.bench;

import static io.duplex.protocol.WebSocketProtocol.B0_FIN;
import static io.duplex.protocol.WebSocketProtocol.B0_OPCODE;
import static io.duplex.protocol.WebSocketProtocol.B1_LENGTH;
import static io.duplex.protocol.WebSocketProtocol.B1_MASK;
import static io.duplex.protocol.WebSocketProtocol.LENGTH_16;
import static io.duplex.protocol.WebSocketProtocol.LENGTH_64;
import static io.duplex.protocol.WebSocketProtocol.MAX_CONTROL_PAYLOAD;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_CLOSE;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_CONTINUATION;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_PING;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_PONG;

import io.duplex.net.Connection;
import io.duplex.net.ConnectionHandler;
import io.duplex.net.Timeout;
import io.duplex.protocol.FrameEncoder;
import io.duplex.protocol.WebSocketProtocol;
import io.duplex.protocol.handshake.ClientHandshake;
import io.duplex.protocol.handshake.HttpResponse;
import io.duplex.protocol.handshake.HttpResponseParser;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One load-generating client connection: the opening handshake (RFC 6455 section 4.1), then a minimal
 * reader of unmasked server frames that hands payload bytes to the subclass straight out of the loop's read
 * buffer, without copying or allocating. Deliberately not a full client: no extensions, no UTF-8 check (the
 * modes compare payloads byte for byte instead), control frames answered only as far as a load test needs.
 *
 * <p>Thread-safety: confined to its connection's event loop, except {@link #upgraded}, which completes on
 * the loop and may be read anywhere.
 */
abstract class LoadConnection implements ConnectionHandler {
    /** Masked close frame with status 1000, sent when the generator ends a connection (section 5.5.1). */
    private static final ByteBuffer CLOSE_1000 = FrameEncoder
            .clientFrame(B0_FIN | OPCODE_CLOSE, ByteBuffer.wrap(new byte[] {0x03, (byte) 0xE8}), 0x5A5A5A5A)
            .asReadOnlyBuffer();

    final BenchStats stats;
    /** Completes with this connection once the 101 was accepted; fails if the connection never got there. */
    final CompletableFuture<LoadConnection> upgraded = new CompletableFuture<>();
    /** Fixed for the connection's life: a load generator need not hide its payload from proxies (section 10.3). */
    final int maskKey = ThreadLocalRandom.current().nextInt();
    final long connectStartNanos = System.nanoTime();

    private final ClientHandshake handshake;
    private final long handshakeTimeoutNanos;
    private HttpResponseParser parser = new HttpResponseParser();
    private Timeout handshakeTimer;
    Connection connection;
    private boolean closedByUs;

    // Frame reader state (section 5.2).
    private final byte[] head = new byte[10];
    private int headLen;
    private int headNeed = 2;
    private boolean inPayload;
    private long payloadLeft;
    private int frameOpcode;
    private boolean frameFin;
    private int messageOpcode;
    private long messageOffset;
    private byte[] control;
    private int controlLen;

    LoadConnection(ClientHandshake handshake, BenchStats stats, long handshakeTimeoutNanos) {
        this.handshake = handshake;
        this.stats = stats;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
    }

    /** The 101 was accepted; frames may be written now. Loop thread. */
    abstract void onUpgraded();

    /** A data message begins (opcode text or binary). */
    abstract void onMessageStart(int opcode);

    /**
     * {@code n} payload bytes of the current message, at {@code data}'s absolute index {@code index}, starting
     * at {@code offset} within the message. Must leave {@code data}'s position and limit as they were.
     */
    abstract void onPayload(ByteBuffer data, int index, int n, long offset);

    /** The current message ended after {@code length} bytes. */
    abstract void onMessageEnd(int opcode, long length);

    /** The connection closed after the upgrade; {@code expected} when the generator asked for it. */
    void onClosed(boolean expected, Throwable cause) {
        if (!expected) {
            stats.error("connection lost" + (cause == null ? "" : ": " + cause));
        }
    }

    @Override
    public final void onOpen(Connection c) {
        connection = c;
        c.write(handshake.request());
        handshakeTimer = c.loop().schedule(handshakeTimeoutNanos, TimeUnit.NANOSECONDS, () -> {
            if (parser != null) {
                upgraded.completeExceptionally(new IllegalStateException("handshake timed out"));
                c.abort();
            }
        });
    }

    @Override
    public final void onRead(Connection c, ByteBuffer data) {
        if (parser != null) {
            HttpResponse response = parser.feed(data);
            if (response == null) {
                return;
            }
            handshake.validate(response);
            parser = null;
            handshakeTimer.cancel();
            handshakeTimer = null;
            stats.handshake(System.nanoTime() - connectStartNanos);
            onUpgraded();
            upgraded.complete(this);
        }
        while (data.hasRemaining() && c.isOpen()) {
            if (!inPayload) {
                head[headLen++] = data.get();
                if (headLen == 2) {
                    if ((head[1] & B1_MASK) != 0) {
                        throw new IllegalStateException("server sent a masked frame (section 5.1)");
                    }
                    int len7 = head[1] & B1_LENGTH;
                    headNeed = len7 == LENGTH_16 ? 4 : len7 == LENGTH_64 ? 10 : 2;
                }
                if (headLen == headNeed) {
                    startFrame();
                }
            } else {
                int n = (int) Math.min(data.remaining(), payloadLeft);
                int index = data.position();
                if (WebSocketProtocol.isControl(frameOpcode)) {
                    data.get(control, controlLen, n);
                    controlLen += n;
                } else {
                    onPayload(data, index, n, messageOffset);
                    data.position(index + n);
                    messageOffset += n;
                }
                payloadLeft -= n;
                if (payloadLeft == 0) {
                    endFrame();
                }
            }
        }
    }

    private void startFrame() {
        frameFin = (head[0] & B0_FIN) != 0;
        frameOpcode = head[0] & B0_OPCODE;
        int len7 = head[1] & B1_LENGTH;
        payloadLeft = len7 == LENGTH_16 ? ((head[2] & 0xFF) << 8 | (head[3] & 0xFF))
                : len7 == LENGTH_64 ? ByteBuffer.wrap(head, 2, 8).getLong() : len7;
        headLen = 0;
        headNeed = 2;
        if (WebSocketProtocol.isControl(frameOpcode)) {
            if (payloadLeft > MAX_CONTROL_PAYLOAD) {
                throw new IllegalStateException("control frame longer than 125 bytes (section 5.5)");
            }
            if (control == null) {
                control = new byte[MAX_CONTROL_PAYLOAD];
            }
            controlLen = 0;
        } else if (frameOpcode != OPCODE_CONTINUATION) {
            messageOpcode = frameOpcode;
            messageOffset = 0;
            onMessageStart(frameOpcode);
        }
        inPayload = true;
        if (payloadLeft == 0) {
            endFrame();
        }
    }

    private void endFrame() {
        inPayload = false;
        switch (frameOpcode) {
            case OPCODE_PING -> connection.write(FrameEncoder.clientFrame(B0_FIN | OPCODE_PONG,
                    ByteBuffer.wrap(control, 0, controlLen), maskKey));
            case OPCODE_PONG -> { }
            case OPCODE_CLOSE -> {
                // 5.5.1: answer the close, then the server closes TCP first; we just stop.
                if (!closedByUs) {
                    stats.error("server closed the connection"
                            + (controlLen >= 2 ? " with " + ((control[0] & 0xFF) << 8 | (control[1] & 0xFF)) : ""));
                    closedByUs = true;
                    connection.write(CLOSE_1000.duplicate());
                }
                connection.close();
            }
            default -> {
                if (frameFin) {
                    onMessageEnd(messageOpcode, messageOffset);
                }
            }
        }
    }

    /** Sends a close frame and closes; the close is counted as expected. Loop thread. */
    final void closeGracefully() {
        if (connection == null) {
            return;
        }
        if (!closedByUs && connection.isOpen()) {
            closedByUs = true;
            connection.write(CLOSE_1000.duplicate());
        }
        closedByUs = true;
        connection.close();
    }

    @Override
    public final void onClose(Connection c, Throwable cause) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
        }
        if (parser != null) {
            // Never upgraded (or given up on by a timeout): counted as a handshake failure, not as a lost connection.
            upgraded.completeExceptionally(cause != null ? cause
                    : new IllegalStateException("connection closed during the handshake"));
            return;
        }
        stats.open.decrement();
        onClosed(closedByUs, cause);
    }

    /**
     * Whether {@code n} bytes of {@code data} at {@code index} equal {@code expected} from {@code from}.
     * Allocation-free: moves the buffers' bounds and restores them, so the JDK's vectorised mismatch runs.
     */
    static boolean regionEquals(ByteBuffer data, int index, int n, ByteBuffer expected, int from) {
        if (from + n > expected.capacity()) {
            return false;
        }
        int pos = data.position();
        int lim = data.limit();
        data.limit(index + n).position(index);
        expected.limit(from + n).position(from);
        boolean same = data.mismatch(expected) < 0;
        data.limit(lim).position(pos);
        return same;
    }
}
