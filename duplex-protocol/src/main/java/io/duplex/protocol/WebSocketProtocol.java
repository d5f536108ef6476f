package io.duplex.protocol;

/**
 * Wire constants of RFC 6455, in one place.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *  | |1|2|3|       |K|             |                               |
 *  +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *  |     Extended payload length continued, if payload len == 127  |
 *  + - - - - - - - - - - - - - - - +-------------------------------+
 *  |                               | Masking-key, if MASK set to 1 |
 *  +-------------------------------+-------------------------------+
 *  | Masking-key (continued)       |          Payload Data         |
 *  +-------------------------------- - - - - - - - - - - - - - - - +
 * </pre>
 *
 * (RFC 6455 section 5.2.) Not instantiable.
 */
public final class WebSocketProtocol {
    private WebSocketProtocol() {}

    /** The GUID appended to {@code Sec-WebSocket-Key} before hashing (section 1.3). */
    public static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** The only version this implementation speaks (section 4.1). */
    public static final int VERSION = 13;

    // First header byte.
    public static final int B0_FIN = 0x80;
    public static final int B0_RSV1 = 0x40;
    public static final int B0_RSV2 = 0x20;
    public static final int B0_RSV3 = 0x10;
    public static final int B0_RSV_MASK = 0x70;
    public static final int B0_OPCODE = 0x0f;

    // Second header byte.
    public static final int B1_MASK = 0x80;
    public static final int B1_LENGTH = 0x7f;
    /** 7-bit length value announcing a 16-bit extended length. */
    public static final int LENGTH_16 = 126;
    /** 7-bit length value announcing a 64-bit extended length. */
    public static final int LENGTH_64 = 127;

    // Opcodes (section 5.2, 11.8). 0x3-0x7 and 0xB-0xF are reserved.
    public static final int OPCODE_CONTINUATION = 0x0;
    public static final int OPCODE_TEXT = 0x1;
    public static final int OPCODE_BINARY = 0x2;
    public static final int OPCODE_CLOSE = 0x8;
    public static final int OPCODE_PING = 0x9;
    public static final int OPCODE_PONG = 0xA;

    /** Control frames carry at most 125 payload bytes (section 5.5). */
    public static final int MAX_CONTROL_PAYLOAD = 125;
    /** Largest frame header: 2 + 8 (64-bit length) + 4 (mask key). */
    public static final int MAX_HEADER_LENGTH = 14;

    public static boolean isControl(int opcode) {
        return (opcode & 0x8) != 0;
    }

    public static boolean isKnownOpcode(int opcode) {
        return opcode <= OPCODE_BINARY || (opcode >= OPCODE_CLOSE && opcode <= OPCODE_PONG);
    }
}
