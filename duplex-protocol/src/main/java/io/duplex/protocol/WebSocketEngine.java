package io.duplex.protocol;

import static io.duplex.protocol.WebSocketProtocol.B0_FIN;
import static io.duplex.protocol.WebSocketProtocol.B0_OPCODE;
import static io.duplex.protocol.WebSocketProtocol.B0_RSV_MASK;
import static io.duplex.protocol.WebSocketProtocol.B1_LENGTH;
import static io.duplex.protocol.WebSocketProtocol.B1_MASK;
import static io.duplex.protocol.WebSocketProtocol.LENGTH_16;
import static io.duplex.protocol.WebSocketProtocol.LENGTH_64;
import static io.duplex.protocol.WebSocketProtocol.MAX_CONTROL_PAYLOAD;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_BINARY;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_CLOSE;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_CONTINUATION;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_PING;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_PONG;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_TEXT;

import io.duplex.protocol.deflate.DeflateCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The RFC 6455 data-transfer and closing phases for one connection, after the opening handshake: bytes in
 * through {@link #receive}, {@link Event}s out to an {@link EngineListener}, frames out to a {@link FrameSink}.
 * No sockets, threads or clocks.
 *
 * <p>Not thread-safe: one thread at a time (in Duplex, the connection's event loop).
 *
 * <p>Receiving unmasks the input buffer in place. Between reads the engine keeps only what a partial frame
 * needs: a header fragment, a control payload or a message being reassembled; an idle engine holds no buffer.
 * A large uncompressed message is reassembled in a buffer from the {@link MessageBuffers} given to the
 * constructor, when there is one, and otherwise in a heap array that grows with what arrives.
 */
public final class WebSocketEngine {
    private static final int READ_HEADER = 0;
    private static final int READ_PAYLOAD = 1;
    private static final int DISCARD = 2;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final byte[] DEFLATE_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    private final Role role;
    private final EngineConfig config;
    private final EngineListener listener;
    private final FrameSink sink;
    /** permessage-deflate state, or null when the extension was not negotiated. */
    private final DeflateCodec deflate;
    /** Where large messages are reassembled, or null to keep every message in {@link #messageBytes}. */
    private final MessageBuffers buffers;
    private final int allowedRsv;

    private int readState = READ_HEADER;

    // Header bytes of a header split across reads (lazily allocated, 14 bytes).
    private byte[] headerBytes;
    private int headerHave;

    // The frame being read.
    private int frameB0;
    private int frameOpcode;
    private long frameRemaining;
    private boolean frameMasked;
    private int maskKey;
    private int maskPhase;

    // The data message being reassembled; messageOpcode is 0 when none is in progress.
    private int messageOpcode;
    private byte[] messageBytes;
    /** From {@link #buffers}, instead of messageBytes, once a message reaches the threshold. */
    private ByteBuffer messageBuffer;
    private int messageLength;
    private int utf8State;
    private boolean messageCompressed;

    // The control frame being collected.
    private byte[] controlBytes;
    private int controlLength;

    // Closing handshake (section 7).
    private CloseState closeState = CloseState.OPEN;
    private CloseState.Initiator initiator;
    private int sentCode = -1;
    private int receivedCode = -1;
    private String receivedReason;

    // A fragmented message being sent.
    private boolean sendingFragmented;

    public WebSocketEngine(Role role, EngineConfig config, EngineListener listener, FrameSink sink) {
        this(role, config, null, listener, sink);
    }

    /**
     * @param deflate the connection's permessage-deflate codec (RFC 7692) when negotiated, else null; the engine
     *     releases it when the connection ends
     */
    public WebSocketEngine(Role role, EngineConfig config, DeflateCodec deflate, EngineListener listener,
                           FrameSink sink) {
        this(role, config, deflate, null, listener, sink);
    }

    /**
     * @param deflate the connection's permessage-deflate codec (RFC 7692) when negotiated, else null; the engine
     *     releases it when the connection ends
     * @param buffers where large uncompressed messages are reassembled, or null for the engine's own heap arrays
     */
    public WebSocketEngine(Role role, EngineConfig config, DeflateCodec deflate, MessageBuffers buffers,
                           EngineListener listener, FrameSink sink) {
        if (role == null || config == null || listener == null || sink == null) {
            throw new NullPointerException("role, config, listener and sink are required");
        }
        this.role = role;
        this.config = config;
        this.listener = listener;
        this.sink = sink;
        this.deflate = deflate;
        this.buffers = buffers;
        this.allowedRsv = config.extensionRsvBits() | (deflate != null ? WebSocketProtocol.B0_RSV1 : 0);
    }

    /** The permessage-deflate codec, or null when the extension is not in use. */
    public DeflateCodec deflate() {
        return deflate;
    }

    public Role role() {
        return role;
    }

    public CloseState closeState() {
        return closeState;
    }

    /** Who sent the first close frame, or null while open (and when the engine failed without one). */
    public CloseState.Initiator closeInitiator() {
        return initiator;
    }

    /** The code of the close frame this endpoint sent, {@link CloseCodes#NO_STATUS} for an empty one, -1 if none. */
    public int sentCloseCode() {
        return sentCode;
    }

    /** The code of the peer's close frame, {@link CloseCodes#NO_STATUS} for an empty one, -1 if none yet. */
    public int receivedCloseCode() {
        return receivedCode;
    }

    public String receivedCloseReason() {
        return receivedReason;
    }

    /** Whether data frames may still be sent: no close frame has been sent. */
    public boolean canSend() {
        return closeState == CloseState.OPEN;
    }

    // ------------------------------------------------------------------------------------------------ receive

    /**
     * Parses every remaining byte of {@code in} (its position ends at its limit), unmasking in place, and
     * reports what completed to the listener. After a close frame or a failure the rest is discarded.
     */
    public void receive(ByteBuffer in) {
        while (in.hasRemaining()) {
            if (readState == READ_HEADER) {
                if (!readHeader(in) && readState != DISCARD) {
                    return;
                }
            } else if (readState == READ_PAYLOAD) {
                readPayload(in);
            } else {
                in.position(in.limit());
                return;
            }
        }
    }

    /**
     * The transport reached end of stream. Returns true when the closing handshake had completed (or the
     * engine had failed), false when the peer vanished without one: an abnormal closure, code 1006.
     */
    public boolean receiveEof() {
        boolean clean = closeState == CloseState.CLOSED || closeState == CloseState.FAILED;
        readState = DISCARD;
        releaseBuffers();
        return clean;
    }

    private boolean readHeader(ByteBuffer in) {
        int pos = in.position();
        int b0;
        int b1;
        long length;
        int needed;
        if (headerHave == 0 && in.remaining() >= 2) {
            b0 = in.get(pos) & 0xff;
            b1 = in.get(pos + 1) & 0xff;
            needed = headerSize(b1);
            if (in.remaining() < needed) {
                return stashHeader(in);
            }
            int len7 = b1 & B1_LENGTH;
            int at = pos + 2;
            if (len7 == LENGTH_16) {
                length = in.getShort(at) & 0xFFFF;
                at += 2;
            } else if (len7 == LENGTH_64) {
                length = in.getLong(at);
                at += 8;
            } else {
                length = len7;
            }
            maskKey = (b1 & B1_MASK) != 0 ? in.getInt(at) : 0;
            in.position(pos + needed);
        } else {
            if (!stashHeader(in)) {
                return false;
            }
            ByteBuffer h = ByteBuffer.wrap(headerBytes, 0, headerHave);
            b0 = headerBytes[0] & 0xff;
            b1 = headerBytes[1] & 0xff;
            int len7 = b1 & B1_LENGTH;
            int at = 2;
            if (len7 == LENGTH_16) {
                length = h.getShort(at) & 0xFFFF;
                at += 2;
            } else if (len7 == LENGTH_64) {
                length = h.getLong(at);
                at += 8;
            } else {
                length = len7;
            }
            maskKey = (b1 & B1_MASK) != 0 ? h.getInt(at) : 0;
            headerHave = 0;
        }
        return startFrame(b0, b1, length, in);
    }

    private static int headerSize(int b1) {
        int len7 = b1 & B1_LENGTH;
        int n = len7 == LENGTH_16 ? 4 : len7 == LENGTH_64 ? 10 : 2;
        return (b1 & B1_MASK) != 0 ? n + 4 : n;
    }

    /** Copies header bytes until the header is complete; true when it is. */
    private boolean stashHeader(ByteBuffer in) {
        if (headerBytes == null) {
            headerBytes = new byte[WebSocketProtocol.MAX_HEADER_LENGTH];
        }
        while (in.hasRemaining()) {
            int needed = headerHave < 2 ? 2 : headerSize(headerBytes[1] & 0xff);
            if (headerHave >= needed) {
                return true;
            }
            int n = Math.min(needed - headerHave, in.remaining());
            in.get(headerBytes, headerHave, n);
            headerHave += n;
        }
        return headerHave >= 2 && headerHave >= headerSize(headerBytes[1] & 0xff);
    }

    /** Validates a parsed header (section 5.2 and the limits); false when the connection failed. */
    private boolean startFrame(int b0, int b1, long length, ByteBuffer in) {
        int opcode = b0 & B0_OPCODE;
        int rsv = b0 & B0_RSV_MASK;
        boolean masked = (b1 & B1_MASK) != 0;
        // 5.2: RSV1-3 MUST be 0 unless an extension that defines their meaning was negotiated.
        if ((rsv & ~allowedRsv) != 0) {
            return fail(CloseCodes.PROTOCOL_ERROR, "reserved bits set without a negotiated extension");
        }
        // 5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved.
        if (!WebSocketProtocol.isKnownOpcode(opcode)) {
            return fail(CloseCodes.PROTOCOL_ERROR, "reserved opcode 0x" + Integer.toHexString(opcode));
        }
        // 5.1: a server MUST fail on an unmasked frame; a client MUST fail on a masked one.
        if (role == Role.SERVER && !masked) {
            return fail(CloseCodes.PROTOCOL_ERROR, "client frame is not masked");
        }
        if (role == Role.CLIENT && masked) {
            return fail(CloseCodes.PROTOCOL_ERROR, "server frame is masked");
        }
        // 5.2: the most significant bit of a 64-bit length MUST be 0.
        if (length < 0) {
            return fail(CloseCodes.PROTOCOL_ERROR, "64-bit payload length has its most significant bit set");
        }
        boolean fin = (b0 & B0_FIN) != 0;
        boolean compressed = false;
        if (deflate != null && (rsv & WebSocketProtocol.B0_RSV1) != 0) {
            // RFC 7692 6.1: RSV1 marks the first frame of a compressed message, and only that frame.
            if (WebSocketProtocol.isControl(opcode)) {
                return fail(CloseCodes.PROTOCOL_ERROR, "RSV1 set on a control frame");
            }
            if (opcode == OPCODE_CONTINUATION) {
                return fail(CloseCodes.PROTOCOL_ERROR, "RSV1 set on a continuation frame");
            }
            compressed = true;
        }
        if (WebSocketProtocol.isControl(opcode)) {
            // 5.5: control frames MUST NOT be fragmented and carry at most 125 bytes.
            if (!fin) {
                return fail(CloseCodes.PROTOCOL_ERROR, "fragmented control frame");
            }
            if (length > MAX_CONTROL_PAYLOAD) {
                return fail(CloseCodes.PROTOCOL_ERROR, "control frame payload longer than 125 bytes");
            }
        } else if (opcode == OPCODE_CONTINUATION) {
            // 5.4: a continuation belongs to a message started by a non-final text or binary frame.
            if (messageOpcode == 0) {
                return fail(CloseCodes.PROTOCOL_ERROR, "continuation frame without a message in progress");
            }
        } else if (messageOpcode != 0) {
            // 5.4: fragments of different messages MUST NOT be interleaved.
            return fail(CloseCodes.PROTOCOL_ERROR, "new data frame while a fragmented message is in progress");
        }
        // A compressed frame is inflated as it arrives, never buffered, so it may exceed the frame limit by the
        // few bytes DEFLATE adds to incompressible data (at most 5 per 16 KiB block, allowed here with 12.5% slack);
        // what it inflates to is held to maxMessageSize.
        long frameLimit = compressed || (opcode == OPCODE_CONTINUATION && messageCompressed)
                ? config.maxFramePayload() + (config.maxFramePayload() >> 3) + 1024 : config.maxFramePayload();
        if (length > frameLimit) {
            return fail(CloseCodes.MESSAGE_TOO_BIG,
                    "frame payload of " + length + " bytes exceeds the limit of " + frameLimit);
        }
        // A compressed message is measured after inflation, as it is inflated.
        boolean compressedMessage = compressed || (opcode == OPCODE_CONTINUATION && messageCompressed);
        if (!WebSocketProtocol.isControl(opcode) && !compressedMessage
                && messageLength + length > config.maxMessageSize()) {
            return fail(CloseCodes.MESSAGE_TOO_BIG,
                    "message of at least " + (messageLength + length) + " bytes exceeds the limit of "
                            + config.maxMessageSize());
        }
        frameB0 = b0;
        frameOpcode = opcode;
        frameRemaining = length;
        frameMasked = masked;
        maskPhase = 0;
        if (!WebSocketProtocol.isControl(opcode)) {
            if (fin && !compressed && opcode != OPCODE_CONTINUATION && in.remaining() >= length) {
                // Fast path: a whole unfragmented message in this read; hand out a view, copy nothing.
                return deliverWholeMessage(opcode, in, (int) length);
            }
            if (opcode != OPCODE_CONTINUATION) {
                messageOpcode = opcode;
                messageCompressed = compressed;
                utf8State = Utf8Validator.ACCEPT;
            }
        } else {
            controlLength = 0;
        }
        readState = READ_PAYLOAD;
        if (length == 0) {
            return endFrame();
        }
        return true;
    }

    private boolean deliverWholeMessage(int opcode, ByteBuffer in, int length) {
        int pos = in.position();
        if (frameMasked) {
            Masking.mask(in, pos, pos + length, maskKey, 0);
        }
        in.position(pos + length);
        if (opcode == OPCODE_TEXT) {
            int state = Utf8Validator.validate(Utf8Validator.ACCEPT, in, pos, pos + length);
            if (state != Utf8Validator.ACCEPT) {
                return fail(CloseCodes.INVALID_PAYLOAD, state == Utf8Validator.REJECT
                        ? "text message is not valid UTF-8" : "text message ends inside a UTF-8 sequence");
            }
            listener.onEvent(new Event.Text(decodeUtf8(in, pos, length)));
        } else {
            // Read-only: it is a view of the caller's buffer, valid only while the listener runs.
            listener.onEvent(new Event.Binary(in.slice(pos, length).asReadOnlyBuffer()));
        }
        readState = closeState == CloseState.FAILED ? DISCARD : READ_HEADER;
        return true;
    }

    private static String decodeUtf8(ByteBuffer in, int pos, int length) {
        if (in.hasArray()) {
            return new String(in.array(), in.arrayOffset() + pos, length, StandardCharsets.UTF_8);
        }
        byte[] tmp = new byte[length];
        in.get(pos, tmp, 0, length);
        return new String(tmp, StandardCharsets.UTF_8);
    }

    private void readPayload(ByteBuffer in) {
        int pos = in.position();
        int n = (int) Math.min(in.remaining(), frameRemaining);
        if (frameMasked) {
            maskPhase = Masking.mask(in, pos, pos + n, maskKey, maskPhase);
        }
        if (WebSocketProtocol.isControl(frameOpcode)) {
            if (controlBytes == null) {
                controlBytes = new byte[MAX_CONTROL_PAYLOAD];
            }
            in.get(pos, controlBytes, controlLength, n);
            controlLength += n;
        } else if (messageCompressed) {
            in.position(pos + n);
            frameRemaining -= n;
            Inflater inflater = deflate.inflater();
            inflater.setInput(in.slice(pos, n));
            if (inflate(inflater) && frameRemaining == 0) {
                endFrame();
            }
            return;
        } else {
            if (messageOpcode == OPCODE_TEXT) {
                // 8.1: fail as soon as the bytes so far cannot be the start of valid UTF-8.
                utf8State = Utf8Validator.validate(utf8State, in, pos, pos + n);
                if (utf8State == Utf8Validator.REJECT) {
                    in.position(pos + n);
                    fail(CloseCodes.INVALID_PAYLOAD, "text message is not valid UTF-8");
                    return;
                }
            }
            appendMessage(in, pos, n);
        }
        in.position(pos + n);
        frameRemaining -= n;
        if (frameRemaining == 0) {
            endFrame();
        }
    }

    private void appendMessage(ByteBuffer in, int pos, int n) {
        int need = messageLength + n;
        if (messageBuffer != null || (buffers != null && need >= buffers.threshold())) {
            appendToBuffer(in, pos, n, need);
            return;
        }
        if (messageBytes == null || messageBytes.length < need) {
            // Grow with what actually arrived, never with what a header announced: otherwise a few bytes of
            // header on many connections could make us reserve their announced sizes (memory amplification).
            int cap = messageBytes == null ? Math.max(256, need) : Math.max(need, messageBytes.length * 2);
            cap = Math.min(cap, Math.max(need, config.maxMessageSize()));
            messageBytes = messageBytes == null ? new byte[cap] : Arrays.copyOf(messageBytes, cap);
        }
        in.get(pos, messageBytes, messageLength, n);
        messageLength = need;
    }

    /**
     * Appends to a buffer from {@link #buffers}. It is asked for what the headers so far announce, which
     * startFrame held to maxMessageSize: a free pooled buffer that size needs no growth, while a new one is
     * limited by what arrived (see {@link MessageBuffers#acquire}).
     */
    private void appendToBuffer(ByteBuffer in, int pos, int n, int need) {
        ByteBuffer b = messageBuffer;
        if (b == null || b.capacity() < need) {
            // frameRemaining still counts these n bytes.
            ByteBuffer next = buffers.acquire(need, (int) (messageLength + frameRemaining));
            if (next.capacity() < need) {
                throw new IllegalStateException("MessageBuffers returned " + next.capacity() + " bytes for " + need);
            }
            if (b != null) {
                next.put(0, b, 0, messageLength);
                buffers.release(b);
            } else if (messageLength > 0) {
                next.put(0, messageBytes, 0, messageLength);
            }
            messageBytes = null;
            messageBuffer = b = next;
        }
        b.put(messageLength, in, pos, n);
        messageLength = need;
    }

    /**
     * Inflates what the inflater holds into the message buffer, validating text as it appears and stopping at
     * the message limit, so a small compressed frame can never make us allocate more than the limit (1009).
     */
    private boolean inflate(Inflater inflater) {
        try {
            while (true) {
                if (messageBytes == null || messageLength == messageBytes.length) {
                    int cap = messageBytes == null ? 1024 : messageBytes.length * 2;
                    cap = (int) Math.min(cap, (long) config.maxMessageSize() + 1);
                    if (messageBytes != null && cap <= messageBytes.length) {
                        return fail(CloseCodes.MESSAGE_TOO_BIG, "message inflates beyond the limit of "
                                + config.maxMessageSize() + " bytes");
                    }
                    messageBytes = messageBytes == null ? new byte[cap] : Arrays.copyOf(messageBytes, cap);
                }
                int before = messageLength;
                int produced = inflater.inflate(messageBytes, messageLength, messageBytes.length - messageLength);
                messageLength += produced;
                if (messageLength > config.maxMessageSize()) {
                    return fail(CloseCodes.MESSAGE_TOO_BIG, "message inflates beyond the limit of "
                            + config.maxMessageSize() + " bytes");
                }
                if (produced > 0 && messageOpcode == OPCODE_TEXT) {
                    utf8State = Utf8Validator.validate(utf8State, messageBytes, before, messageLength);
                    if (utf8State == Utf8Validator.REJECT) {
                        return fail(CloseCodes.INVALID_PAYLOAD, "text message is not valid UTF-8");
                    }
                }
                if (messageLength < messageBytes.length && (inflater.needsInput() || inflater.finished())) {
                    return true;
                }
                if (produced == 0 && inflater.needsDictionary()) {
                    return fail(CloseCodes.INVALID_PAYLOAD, "compressed data needs a preset dictionary");
                }
            }
        } catch (DataFormatException e) {
            return fail(CloseCodes.INVALID_PAYLOAD, "invalid compressed data");
        }
    }

    private boolean endFrame() {
        readState = READ_HEADER;
        switch (frameOpcode) {
            case OPCODE_PING -> onPing();
            case OPCODE_PONG -> listener.onEvent(new Event.Pong(controlPayload()));
            case OPCODE_CLOSE -> onClose();
            default -> {
                if ((frameB0 & B0_FIN) != 0) {
                    endMessage();
                }
            }
        }
        if (closeState == CloseState.FAILED || readState == DISCARD) {
            readState = DISCARD;
            return false;
        }
        return true;
    }

    private void endMessage() {
        if (messageCompressed) {
            // RFC 7692 7.2.2: append the 00 00 ff ff that the sender removed, then inflate the rest.
            Inflater inflater = deflate.inflater();
            if (!inflater.finished()) {
                inflater.setInput(DEFLATE_TAIL);
                if (!inflate(inflater)) {
                    return;
                }
            }
            if (inflater.finished()) {
                // The sender ended its stream with a final block: the next message starts a new one.
                inflater.reset();
            }
            deflate.endMessage();
            messageCompressed = false;
        }
        int opcode = messageOpcode;
        byte[] bytes = messageBytes;
        ByteBuffer pooled = messageBuffer;
        int length = messageLength;
        messageOpcode = 0;
        messageBytes = null;
        messageBuffer = null;
        messageLength = 0;
        try {
            if (opcode == OPCODE_TEXT) {
                // 8.1: a message that ends inside a code point is invalid.
                if (utf8State != Utf8Validator.ACCEPT) {
                    fail(CloseCodes.INVALID_PAYLOAD, "text message ends inside a UTF-8 sequence");
                    return;
                }
                listener.onEvent(new Event.Text(length == 0 ? ""
                        : pooled != null ? decodeUtf8(pooled, 0, length)
                        : new String(bytes, 0, length, StandardCharsets.UTF_8)));
            } else if (pooled != null) {
                // Read-only: the buffer goes back to its owner, to be reused, once the listener returns.
                listener.onEvent(new Event.Binary(pooled.slice(0, length).asReadOnlyBuffer()));
            } else {
                listener.onEvent(new Event.Binary(length == 0 ? EMPTY.duplicate() : ByteBuffer.wrap(bytes, 0, length)));
            }
        } finally {
            if (pooled != null) {
                buffers.release(pooled);
            }
        }
    }

    private ByteBuffer controlPayload() {
        return controlLength == 0 ? ByteBuffer.allocate(0)
                : ByteBuffer.wrap(Arrays.copyOf(controlBytes, controlLength));
    }

    private void onPing() {
        ByteBuffer payload = controlPayload();
        // 5.5.2: answer with a pong carrying the same application data, unless we are closing.
        if (config.autoPong() && closeState == CloseState.OPEN) {
            sendControl(OPCODE_PONG, payload.duplicate());
        }
        listener.onEvent(new Event.Ping(payload));
    }

    private void onClose() {
        int code;
        String reason;
        if (controlLength == 0) {
            code = CloseCodes.NO_STATUS;
            reason = "";
        } else if (controlLength == 1) {
            // 5.5.1: a body, if present, starts with a two-byte status code.
            fail(CloseCodes.PROTOCOL_ERROR, "close frame payload of 1 byte");
            return;
        } else {
            code = ((controlBytes[0] & 0xff) << 8) | (controlBytes[1] & 0xff);
            if (!CloseCodes.isValidOnWire(code)) {
                // 7.4: codes below 1000, 1004-1006, 1015, unassigned 1016-2999 and 5000+ are invalid.
                fail(CloseCodes.PROTOCOL_ERROR, "invalid close code " + code);
                return;
            }
            // 5.5.1: the reason is UTF-8 text.
            if (!Utf8Validator.isValid(controlBytes, 2, controlLength)) {
                fail(CloseCodes.INVALID_PAYLOAD, "close reason is not valid UTF-8");
                return;
            }
            reason = new String(controlBytes, 2, controlLength - 2, StandardCharsets.UTF_8);
        }
        receivedCode = code;
        receivedReason = reason;
        if (closeState == CloseState.OPEN) {
            // 5.5.1: reply with a close frame, echoing the status code received.
            initiator = CloseState.Initiator.REMOTE;
            writeClose(code == CloseCodes.NO_STATUS ? -1 : code, "");
        }
        closeState = CloseState.CLOSED;
        // 5.5.1: nothing after a close frame is processed.
        readState = DISCARD;
        releaseBuffers();
        listener.onEvent(new Event.CloseReceived(code, reason));
    }

    /** Fails the connection (section 7.1.7): sends a close frame if none was sent, discards further input. */
    private boolean fail(int code, String reason) {
        if (closeState == CloseState.OPEN) {
            writeClose(code, truncateReason(reason));
        }
        closeState = CloseState.FAILED;
        readState = DISCARD;
        releaseBuffers();
        listener.onEvent(new Event.Failure(code, reason));
        return false;
    }

    private void releaseBuffers() {
        if (deflate != null) {
            deflate.release();
        }
        messageCompressed = false;
        messageBytes = null;
        if (messageBuffer != null) {
            ByteBuffer b = messageBuffer;
            messageBuffer = null;
            buffers.release(b);
        }
        messageLength = 0;
        messageOpcode = 0;
        controlBytes = null;
        headerBytes = null;
    }

    private static String truncateReason(String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_CONTROL_PAYLOAD - 2) {
            return reason;
        }
        // Keep whole code points only.
        int end = MAX_CONTROL_PAYLOAD - 2;
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    // --------------------------------------------------------------------------------------------------- send

    /** Sends a text message in one frame. Returns false (and sends nothing) once a close frame was sent. */
    public boolean sendText(String text) {
        return sendText(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Sends UTF-8 bytes the caller vouches for as one text frame; the buffer is referenced, not copied. */
    public boolean sendText(ByteBuffer utf8) {
        return sendFrame(OPCODE_TEXT, true, utf8);
    }

    /** Sends a binary message in one frame; the buffer is referenced, not copied, on the server side. */
    public boolean sendBinary(ByteBuffer data) {
        return sendFrame(OPCODE_BINARY, true, data);
    }

    /**
     * Sends one data frame of a possibly fragmented message (section 5.4): the first frame carries
     * {@code opcode} (text or binary), later ones {@link WebSocketProtocol#OPCODE_CONTINUATION}; the last has
     * {@code fin}. Returns false once a close frame was sent.
     *
     * @throws IllegalStateException if the opcode does not fit the fragmentation state
     */
    public boolean sendFrame(int opcode, boolean fin, ByteBuffer payload) {
        if (opcode == OPCODE_CONTINUATION) {
            if (!sendingFragmented) {
                throw new IllegalStateException("continuation frame without a message in progress");
            }
        } else if (opcode == OPCODE_TEXT || opcode == OPCODE_BINARY) {
            if (sendingFragmented) {
                throw new IllegalStateException("a fragmented message is in progress");
            }
        } else {
            throw new IllegalArgumentException("not a data opcode: " + opcode);
        }
        if (closeState != CloseState.OPEN) {
            return false;
        }
        sendingFragmented = !fin;
        if (fin && opcode != OPCODE_CONTINUATION && deflate != null && deflate.shouldCompress(payload.remaining())) {
            ByteBuffer compressed = deflate.compress(payload);
            // Incompressible data: without context takeover nothing depends on this message, so send it as is.
            if (compressed.remaining() < payload.remaining() || !deflate.compressesWithoutContext()) {
                // RFC 7692 6.1: a compressed message sets RSV1 on its first frame (here, its only frame).
                emit(B0_FIN | WebSocketProtocol.B0_RSV1 | opcode, compressed);
                return true;
            }
        }
        emit((fin ? B0_FIN : 0) | opcode, payload);
        return true;
    }

    /** Sends a ping (at most 125 bytes). Returns false once a close frame was sent. */
    public boolean ping(ByteBuffer payload) {
        return closeState == CloseState.OPEN && sendControl(OPCODE_PING, payload);
    }

    /** Sends an unsolicited pong (section 5.5.3: a unidirectional heartbeat). */
    public boolean pong(ByteBuffer payload) {
        return closeState == CloseState.OPEN && sendControl(OPCODE_PONG, payload);
    }

    private boolean sendControl(int opcode, ByteBuffer payload) {
        if (payload.remaining() > MAX_CONTROL_PAYLOAD) {
            throw new IllegalArgumentException("control frame payload longer than 125 bytes");
        }
        emit(B0_FIN | opcode, payload);
        return true;
    }

    /**
     * Starts (or, after the peer's close, has already finished) the closing handshake (section 7.1.2).
     * {@code code} must be valid on the wire, or -1 for a close frame without a status code; the reason is at
     * most 123 bytes of UTF-8. Returns false when a close frame was already sent.
     */
    public boolean close(int code, String reason) {
        if (code != -1 && !CloseCodes.isValidOnWire(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent");
        }
        if (reason == null) {
            reason = "";
        }
        if (code == -1 && !reason.isEmpty()) {
            throw new IllegalArgumentException("a close reason requires a status code");
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_CONTROL_PAYLOAD - 2) {
            throw new IllegalArgumentException("close reason longer than 123 UTF-8 bytes");
        }
        if (closeState != CloseState.OPEN) {
            return false;
        }
        initiator = CloseState.Initiator.LOCAL;
        writeClose(code, reason);
        closeState = CloseState.CLOSING;
        return true;
    }

    private void writeClose(int code, String reason) {
        sentCode = code == -1 ? CloseCodes.NO_STATUS : code;
        ByteBuffer payload;
        if (code == -1) {
            payload = EMPTY.duplicate();
        } else {
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            payload = ByteBuffer.allocate(2 + r.length).putShort((short) code).put(r).flip();
        }
        emit(B0_FIN | OPCODE_CLOSE, payload);
    }

    private void emit(int b0, ByteBuffer payload) {
        if (role == Role.SERVER) {
            ByteBuffer header = FrameEncoder.header(b0, payload.remaining(), false, 0);
            sink.frame(header, payload.remaining() == 0 ? null : payload.slice());
        } else {
            sink.frame(FrameEncoder.clientFrame(b0, payload, config.maskKeySource().getAsInt()), null);
        }
    }
}
