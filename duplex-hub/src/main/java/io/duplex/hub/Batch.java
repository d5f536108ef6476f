package io.duplex.hub;

import io.duplex.net.PreparedMessage;
import java.nio.ByteBuffer;

/** Several publications' JSON lines in one text frame, built once for every session of a loop that gets them. */
final class Batch implements SharedFrame {
    private final byte[] wire;
    private volatile PreparedMessage prepared;

    Batch(byte[] wire) {
        this.wire = wire;
    }

    @Override
    public byte[] wire() {
        return wire;
    }

    @Override
    public PreparedMessage prepared() {
        PreparedMessage p = prepared;
        if (p == null) {
            p = PreparedMessage.utf8Text(ByteBuffer.wrap(wire));
            prepared = p;
        }
        return p;
    }

    @Override
    public boolean isBinary() {
        return false;
    }
}
