package io.duplex.protocol;

import java.nio.ByteBuffer;

/**
 * Where an engine puts the frames it produces, ready to write in order. Called on the thread that called
 * the engine.
 */
@FunctionalInterface
public interface FrameSink {
    /**
     * One frame: {@code header} then {@code payload}. The payload is either {@code null} (everything is in
     * {@code header}) or the caller's own buffer, referenced and not copied; the receiver must not modify
     * either buffer's content and owns their positions.
     */
    void frame(ByteBuffer header, ByteBuffer payload);
}
