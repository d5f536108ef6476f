package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.jcraft.jzlib.Inflater;
import com.jcraft.jzlib.JZlib;
import io.duplex.protocol.deflate.MessageDeflater;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 7692 7.1.2.1: what a deflater made for N window bits produces must inflate with an inflater whose window is
 * exactly N bits (zlib rejects distances beyond it), message after message with context takeover.
 */
class JZlibDeflaterFactoryTest {

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14, 15})
    void inflatesWithinTheNegotiatedWindow(int bits) throws Exception {
        MessageDeflater d = JZlibDeflaterFactory.INSTANCE.create(bits, -1);
        Inflater inflater = new Inflater(bits, true);
        Random random = new Random(bits);
        byte[] phrase = new byte[300];
        random.nextBytes(phrase);
        for (int message = 0; message < 5; message++) {
            // Repeats of a random phrase at distances up to 40 KiB: far beyond small windows.
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            for (int i = 0; i < 40; i++) {
                plain.writeBytes(phrase);
                byte[] noise = new byte[random.nextInt(1000)];
                random.nextBytes(noise);
                plain.writeBytes(noise);
            }
            byte[] original = plain.toByteArray();
            ByteBuffer compressed = d.deflate(ByteBuffer.wrap(original));
            byte[] in = new byte[compressed.remaining() + 4];
            compressed.get(in, 0, in.length - 4);
            in[in.length - 2] = (byte) 0xff;
            in[in.length - 1] = (byte) 0xff;
            byte[] out = new byte[original.length + 1024];
            inflater.setInput(in, 0, in.length, false);
            inflater.setOutput(out, 0, out.length);
            int rc = inflater.inflate(JZlib.Z_SYNC_FLUSH);
            assertThat(rc).as("inflate rc (%s)", inflater.msg).isIn(JZlib.Z_OK, JZlib.Z_BUF_ERROR);
            assertThat(Arrays.copyOf(out, inflater.next_out_index)).isEqualTo(original);
        }
        d.release();
    }
}
