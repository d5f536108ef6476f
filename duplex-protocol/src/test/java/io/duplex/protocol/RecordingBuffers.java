package io.duplex.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A {@link MessageBuffers} for tests: lends direct buffers, reuses released ones (the largest first, so a free
 * buffer is often lent at an announced size), checks that no buffer is lent twice or released twice, fills a
 * released buffer with garbage so that a later read of it shows, and counts what it allocated.
 */
final class RecordingBuffers implements MessageBuffers {
    private final int threshold;
    private final List<ByteBuffer> free = new ArrayList<>();
    private final Set<ByteBuffer> lent = Collections.newSetFromMap(new IdentityHashMap<>());
    long allocatedBytes;
    int acquired;
    int released;

    RecordingBuffers(int threshold) {
        this.threshold = threshold;
    }

    @Override
    public int threshold() {
        return threshold;
    }

    @Override
    public ByteBuffer acquire(int received, int announced) {
        if (received > announced) {
            throw new AssertionError("received " + received + " > announced " + announced);
        }
        acquired++;
        ByteBuffer b = null;
        for (ByteBuffer f : free) {
            if (f.capacity() >= received && (b == null || f.capacity() > b.capacity())) {
                b = f;
            }
        }
        if (b != null) {
            free.remove(b);
        } else {
            int size = (int) Math.max(received, Math.min(announced, 2L * received));
            allocatedBytes += size;
            b = ByteBuffer.allocateDirect(size);
        }
        if (!lent.add(b)) {
            throw new AssertionError("buffer lent twice");
        }
        return b.clear();
    }

    @Override
    public void release(ByteBuffer buffer) {
        if (!lent.remove(buffer)) {
            throw new AssertionError("released a buffer that is not lent");
        }
        released++;
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, (byte) 0xA5);
        }
        free.add(buffer);
    }

    int outstanding() {
        return lent.size();
    }
}
