package io.duplex.net;

import io.duplex.protocol.FrameEncoder;
import io.duplex.protocol.deflate.DeflateCodec;
import io.duplex.protocol.WebSocketProtocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A message encoded once as a complete server frame and shared, read-only, by every connection it is sent to:
 * broadcast costs one encoding, not one per subscriber. Immutable and thread-safe.
 */
public final class PreparedMessage {
    private final ByteBuffer frame;
    /** The frame in direct memory, made once it has gone to a few connections; null until then. */
    private volatile ByteBuffer directFrame;
    /** Sends so far, counted racily: it only decides when the direct copy pays off. */
    private int sends;
    private final ByteBuffer payload;
    private final boolean text;
    private volatile ByteBuffer compressedFrame;

    private PreparedMessage(boolean text, ByteBuffer payload) {
        this.text = text;
        this.payload = payload.asReadOnlyBuffer();
        int opcode = text ? WebSocketProtocol.OPCODE_TEXT : WebSocketProtocol.OPCODE_BINARY;
        this.frame = FrameEncoder.serverFrame(opcode, true, payload).asReadOnlyBuffer();
    }

    public static PreparedMessage text(String text) {
        return new PreparedMessage(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A text message from bytes the caller guarantees to be valid UTF-8 (e.g. produced by a JSON encoder), which
     * spares a decode and re-encode. The buffer is referenced, not copied: do not modify it afterwards.
     */
    public static PreparedMessage utf8Text(ByteBuffer validUtf8) {
        return new PreparedMessage(true, validUtf8.slice());
    }

    /** Copies {@code data}'s remaining bytes; the buffer is not changed. */
    public static PreparedMessage binary(ByteBuffer data) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
        return new PreparedMessage(false, copy);
    }

    public boolean isText() {
        return text;
    }

    /**
     * A fresh read-only view of the whole server frame. From the fourth send on it is a view of a direct copy, so
     * that a broadcast to many sockets does not have the JDK copy the frame into a temporary direct buffer for each
     * write; a message sent to one or two connections (a reply, a publication with one subscriber) never pays for
     * direct memory.
     */
    ByteBuffer frame() {
        ByteBuffer d = directFrame;
        if (d != null) {
            return d.duplicate();
        }
        if (++sends > 3) {
            synchronized (this) {
                d = directFrame;
                if (d == null) {
                    d = ByteBuffer.allocateDirect(frame.remaining()).put(frame.duplicate()).flip().asReadOnlyBuffer();
                    directFrame = d;
                }
            }
            return d.duplicate();
        }
        return frame.duplicate();
    }

    /** A fresh read-only view of the payload (clients must mask it, so they cannot share the frame). */
    ByteBuffer payload() {
        return payload.duplicate();
    }

    public int frameLength() {
        return frame.remaining();
    }

    int payloadLength() {
        return payload.remaining();
    }

    /**
     * A read-only view of the frame compressed without context (RFC 7692 7.2.1), built on first use with the
     * calling thread's shared compressor and then reused for every connection: valid for any peer that accepts a
     * 15-bit window, whatever its context takeover, because it refers to nothing sent before.
     */
    ByteBuffer compressedFrame(DeflateCodec codec) {
        ByteBuffer f = compressedFrame;
        if (f == null) {
            synchronized (this) {
                f = compressedFrame;
                if (f == null) {
                    ByteBuffer body = codec.compressContextFree(payload.duplicate());
                    int opcode = text ? WebSocketProtocol.OPCODE_TEXT : WebSocketProtocol.OPCODE_BINARY;
                    ByteBuffer frameBuf = FrameEncoder.serverFrame(opcode | WebSocketProtocol.B0_RSV1, true, body);
                    f = frameBuf.asReadOnlyBuffer();
                    compressedFrame = f;
                }
            }
        }
        return f.duplicate();
    }
}
