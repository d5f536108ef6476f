package io.duplex.protocol.deflate;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JdkMessageDeflaterTest {

    /** A connection compressing with context takeover must not pin its last message until the next one. */
    @Test
    void doesNotKeepItsLastInputReachable() throws InterruptedException {
        JdkMessageDeflater deflater = new JdkMessageDeflater(-1);
        WeakReference<byte[]> input = compressOnce(deflater);
        for (int i = 0; i < 100 && input.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertThat(input.get()).isNull();
        deflater.release();
    }

    private static WeakReference<byte[]> compressOnce(JdkMessageDeflater deflater) {
        byte[] payload = new byte[1 << 20];
        Arrays.fill(payload, (byte) 'a');
        assertThat(deflater.deflate(ByteBuffer.wrap(payload)).remaining()).isPositive();
        return new WeakReference<>(payload);
    }
}
