package io.duplex.server.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HubPayloadsTest {

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void jsonDataIsExactlyTheSizeWhateverTheNumberWidth() {
        assertThat(ascii(HubPayloads.jsonData(7, 20))).isEqualTo("{\"t\":7,\"p\":\"xxxxxx\"}");
        assertThat(HubPayloads.jsonData(Long.MAX_VALUE, HubPayloads.MIN_JSON_SIZE)).hasSize(HubPayloads.MIN_JSON_SIZE);
        assertThat(ascii(HubPayloads.jsonData(Long.MAX_VALUE, HubPayloads.MIN_JSON_SIZE)))
                .isEqualTo("{\"t\":" + Long.MAX_VALUE + ",\"p\":\"\"}");
        assertThatThrownBy(() -> HubPayloads.jsonData(1234567, 15)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonPublishFollowsTheProtocol() {
        assertThat(ascii(HubPayloads.jsonPublish("bench.0", 42, 20)))
                .isEqualTo("{\"type\":\"publish\",\"topic\":\"bench.0\",\"data\":{\"t\":42,\"p\":\"xxxxx\"}}");
        assertThat(ascii(HubPayloads.subscribe(1, "bench.3")))
                .isEqualTo("{\"type\":\"subscribe\",\"id\":1,\"topic\":\"bench.3\"}");
    }

    @Test
    void binaryPublishIsTheDocumentedLayout() {
        // docs/protocol.md: 02, flags 00, id 0, topic with a one-byte length, key length 0, data.
        byte[] b = HubPayloads.binaryPublish("game", 0x0102030405060708L, 10);
        assertThat(HexFormat.of().formatHex(b)).isEqualTo("0200" + "00000000" + "0467616d65" + "00"
                + "0102030405060708" + "696a");
    }

    @Test
    void readsTheSendTimeAndOffsetOfAJsonPublication() {
        byte[] line = bytes("{\"type\":\"pub\",\"topic\":\"bench.0\",\"epoch\":\"3k9x\",\"offset\":46,\"data\":"
                + ascii(HubPayloads.jsonData(123456789, 40)) + "}");
        long[] offset = new long[1];
        assertThat(HubPayloads.kind(line, 0, line.length)).isEqualTo(HubPayloads.Kind.PUB);
        assertThat(HubPayloads.jsonSentAt(line, 0, line.length, 40, offset)).isEqualTo(123456789);
        assertThat(offset[0]).isEqualTo(46);
        assertThat(HubPayloads.jsonSentAt(line, 0, line.length, 41, offset)).as("wrong data size").isEqualTo(-1);
    }

    @Test
    void classifiesEachLineOfABatch() {
        String[] lines = {"{\"type\":\"welcome\",\"client\":\"k\"}",
            "{\"type\":\"ack\",\"id\":1,\"epoch\":\"e\",\"offset\":7}",
            "{\"type\":\"error\",\"code\":\"rate_limited\"}", "{\"type\":\"join\"}"};
        HubPayloads.Kind[] kinds = {HubPayloads.Kind.WELCOME, HubPayloads.Kind.ACK, HubPayloads.Kind.ERROR,
            HubPayloads.Kind.OTHER};
        byte[] batch = bytes(String.join("\n", lines));
        int from = 0;
        for (int i = 0; i < lines.length; i++) {
            int to = from + lines[i].length();
            assertThat(HubPayloads.kind(batch, from, to)).isEqualTo(kinds[i]);
            assertThat(HubPayloads.offset(batch, from, to)).isEqualTo(i == 1 ? 7 : -1);
            from = to + 1;
        }
    }

    @Test
    void readsTheSendTimeAndOffsetOfABinaryPublication() {
        // kind 01, flags 00, topic "game", epoch "ab", offset 5, user "u", data: time then pattern.
        byte[] frame = HexFormat.of().parseHex("0100" + "0467616d65" + "026162" + "0000000000000005" + "0175"
                + "0000000000000309" + "696a");
        long[] offset = new long[1];
        assertThat(HubPayloads.binarySentAt(frame, frame.length, 10, offset)).isEqualTo(0x309);
        assertThat(offset[0]).isEqualTo(5);
        assertThat(HubPayloads.binarySentAt(frame, frame.length, 9, offset)).isEqualTo(-1);
        assertThat(HubPayloads.binarySentAt(frame, 12, 10, offset)).as("truncated").isEqualTo(-1);
        frame[0] = 0x02;
        assertThat(HubPayloads.binarySentAt(frame, frame.length, 10, offset)).isEqualTo(-1);
    }

    @Test
    void topicsAreRoundRobin() {
        assertThat(HubPayloads.topic(0, 100)).isEqualTo("bench.0");
        assertThat(HubPayloads.topic(205, 100)).isEqualTo("bench.5");
    }
}
