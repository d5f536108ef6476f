package io.duplex.server.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    @Test
    void binaryNumberIsEightBigEndianBytes() {
        byte[] p = Payloads.pattern(10);
        Payloads.putNumber(p, 0, 8, 0x0102030405060708L, false);
        assertThat(HexFormat.of().formatHex(p)).isEqualTo("0102030405060708" + "696a");
        assertThat(Payloads.getNumber(p, 0, false)).isEqualTo(0x0102030405060708L);
    }

    @Test
    void textNumberIsSixteenHexDigitsAndShortPayloadsKeepTheLowOrderPart() {
        byte[] p = new byte[16];
        Payloads.putNumber(p, 0, 16, 0xabcL, true);
        assertThat(new String(p, StandardCharsets.US_ASCII)).isEqualTo("0000000000000abc");
        assertThat(Payloads.getNumber(p, 0, true)).isEqualTo(0xabcL);
        byte[] shortOne = new byte[3];
        Payloads.putNumber(shortOne, 0, 3, 0xabcdL, true);
        assertThat(new String(shortOne, StandardCharsets.US_ASCII)).isEqualTo("bcd");
        assertThat(Payloads.getNumber("000000000000000g".getBytes(StandardCharsets.US_ASCII), 0, true)).isEqualTo(-1);
    }

    @Test
    void patchingAMaskedFrameEqualsEncodingThePatchedPayload() {
        int mask = 0x37fa213d;
        byte[] plain = Payloads.pattern(300);
        ByteBuffer frame = Payloads.frame(false, plain, mask);
        byte[] number = new byte[8];
        Payloads.putNumber(number, 0, 8, 42L, false);
        Payloads.patch(frame, plain.length, 0, number, 0, 8, mask);
        System.arraycopy(number, 0, plain, 0, 8);
        assertThat(frame).isEqualTo(Payloads.frame(false, plain, mask));
        // RFC 6455 section 5.7: a masked "Hello" with key 37 fa 21 3d.
        ByteBuffer hello = Payloads.frame(true, "Hello".getBytes(StandardCharsets.US_ASCII), mask);
        assertThat(HexFormat.of().formatHex(hello.array(), 0, hello.limit())).isEqualTo("818537fa213d7f9f4d5158");
    }

    @Test
    void regionEqualsRestoresTheBuffersBounds() {
        ByteBuffer data = ByteBuffer.wrap("xxabcdyy".getBytes(StandardCharsets.US_ASCII));
        data.position(1).limit(7);
        ByteBuffer expected = ByteBuffer.wrap("__abcd".getBytes(StandardCharsets.US_ASCII));
        assertThat(LoadConnection.regionEquals(data, 2, 4, expected, 2)).isTrue();
        assertThat(LoadConnection.regionEquals(data, 2, 4, expected, 1)).isFalse();
        assertThat(LoadConnection.regionEquals(data, 2, 5, expected, 2)).isFalse();
        assertThat(data.position()).isEqualTo(1);
        assertThat(data.limit()).isEqualTo(7);
    }
}
