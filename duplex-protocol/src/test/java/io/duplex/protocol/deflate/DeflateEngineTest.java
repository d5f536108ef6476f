package io.duplex.protocol.deflate;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.protocol.EngineConfig;
import io.duplex.protocol.Event;
import io.duplex.protocol.Role;
import io.duplex.protocol.WebSocketEngine;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7692 sections 6 and 7.2 through the engine: framing, context takeover, limits. */
class DeflateEngineTest {

    /** Two engines wired to each other: what one sends, the other receives, in chunks of {@code chunk} bytes. */
    static final class Pair {
        final List<Event> toServer = new ArrayList<>();
        final List<Event> toClient = new ArrayList<>();
        final ByteArrayOutputStream clientWire = new ByteArrayOutputStream();
        final WebSocketEngine client;
        final WebSocketEngine server;

        Pair(DeflateParams params, PerMessageDeflate pmd, EngineConfig cfg) {
            ByteArrayOutputStream[] serverWire = {new ByteArrayOutputStream()};
            server = new WebSocketEngine(Role.SERVER, cfg, pmd.codec(Role.SERVER, params), e -> toServer.add(copy(e)),
                    (h, p) -> {
                        serverWire[0].writeBytes(bytes(h));
                        if (p != null) {
                            serverWire[0].writeBytes(bytes(p));
                        }
                    });
            client = new WebSocketEngine(Role.CLIENT, cfg, pmd.codec(Role.CLIENT, params), e -> toClient.add(copy(e)),
                    (h, p) -> {
                        clientWire.writeBytes(bytes(h));
                        if (p != null) {
                            clientWire.writeBytes(bytes(p));
                        }
                    });
            this.serverWire = serverWire[0];
        }

        final ByteArrayOutputStream serverWire;

        void pump(int chunk) {
            feed(server, clientWire.toByteArray(), chunk);
            clientWire.reset();
            feed(client, serverWire.toByteArray(), chunk);
            serverWire.reset();
        }

        private static void feed(WebSocketEngine e, byte[] b, int chunk) {
            for (int at = 0; at < b.length; at += chunk) {
                e.receive(ByteBuffer.wrap(java.util.Arrays.copyOfRange(b, at, Math.min(b.length, at + chunk))));
            }
        }
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    static Event copy(Event e) {
        return e instanceof Event.Binary b ? new Event.Binary(ByteBuffer.wrap(bytes(b.data()))) : e;
    }

    static String json(int i) {
        return "{\"id\":" + i + ",\"type\":\"update\",\"payload\":{\"user\":\"alice\",\"text\":\"hello world " + i
                + "\",\"tags\":[\"a\",\"b\",\"c\"]}}";
    }

    @ParameterizedTest(name = "snct={0} cnct={1} chunk={2}")
    @CsvSource({"false,false,1", "true,false,7", "false,true,100", "true,true,65536"})
    @DisplayName("7.2: round trips in both directions, with and without context takeover")
    void roundTrips(boolean snct, boolean cnct, int chunk) {
        PerMessageDeflate pmd = PerMessageDeflate.defaults().withThreshold(0);
        Pair pair = new Pair(new DeflateParams(snct, cnct, 15, 15), pmd, EngineConfig.defaults());
        List<Event> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pair.client.sendText(json(i));
            pair.server.sendText(json(i));
            expected.add(new Event.Text(json(i)));
        }
        byte[] big = new byte[200_000];
        new java.util.Random(1).nextBytes(big);
        pair.client.sendBinary(ByteBuffer.wrap(big));
        pair.server.sendBinary(ByteBuffer.wrap(big));
        expected.add(new Event.Binary(ByteBuffer.wrap(big)));
        pair.pump(chunk);
        assertThat(pair.toServer).containsExactlyElementsOf(expected);
        assertThat(pair.toClient).containsExactlyElementsOf(expected);
    }

    @Test
    @DisplayName("6.1: a compressed message has RSV1 on its frame and is smaller than the text")
    void rsv1AndSmaller() {
        PerMessageDeflate pmd = PerMessageDeflate.defaults().withThreshold(0);
        Pair pair = new Pair(new DeflateParams(false, false, 15, 15), pmd, EngineConfig.defaults());
        String text = json(1).repeat(20);
        pair.server.sendText(text);
        byte[] wire = pair.serverWire.toByteArray();
        assertThat(wire[0] & 0xff).isEqualTo(0xC1);
        assertThat(wire.length).isLessThan(text.length() / 4);
    }

    @Test
    @DisplayName("7.2.3.1: the RFC's example, 'Hello' compressed, and the same with context takeover (7.2.3.2)")
    void rfcExamples() {
        PerMessageDeflate pmd = PerMessageDeflate.defaults();
        List<Event> events = new ArrayList<>();
        WebSocketEngine client = new WebSocketEngine(Role.CLIENT, EngineConfig.defaults(),
                pmd.codec(Role.CLIENT, new DeflateParams(false, false, 15, 15)), events::add, (h, p) -> {});
        client.receive(ByteBuffer.wrap(HexFormat.of().parseHex("c107f248cdc9c90700".replace(" ", ""))));
        // 7.2.3.2: the second "Hello" refers back to the first.
        client.receive(ByteBuffer.wrap(HexFormat.of().parseHex("c105f200110000".replace(" ", ""))));
        // 7.2.3.3: "Hello" in a stored (uncompressed) DEFLATE block.
        client.receive(ByteBuffer.wrap(HexFormat.of().parseHex("c10b 00 0500 faff 48656c6c6f 00".replace(" ", ""))));
        // 6.1 / 7.2.3.1: fragmented: the first frame has RSV1, the continuation does not.
        client.receive(ByteBuffer.wrap(HexFormat.of().parseHex("4103f248cd 8004c9c90700".replace(" ", ""))));
        assertThat(events).containsExactly(new Event.Text("Hello"), new Event.Text("Hello"), new Event.Text("Hello"),
                new Event.Text("Hello"));
    }

    @Test
    @DisplayName("6.1: uncompressed messages may be mixed in; below the threshold nothing is compressed")
    void mixedAndThreshold() {
        PerMessageDeflate pmd = PerMessageDeflate.defaults().withThreshold(100);
        Pair pair = new Pair(new DeflateParams(true, false, 15, 15), pmd, EngineConfig.defaults());
        pair.server.sendText("short");
        assertThat(pair.serverWire.toByteArray()[0] & 0xff).isEqualTo(0x81);
        pair.server.sendText("x".repeat(200));
        pair.pump(3);
        assertThat(pair.toClient).containsExactly(new Event.Text("short"), new Event.Text("x".repeat(200)));
    }

    @Test
    @DisplayName("6.1: RSV1 on a continuation or a control frame fails with 1002")
    void rsv1Misuse() {
        PerMessageDeflate pmd = PerMessageDeflate.defaults();
        List<Event> events = new ArrayList<>();
        WebSocketEngine client = new WebSocketEngine(Role.CLIENT, EngineConfig.defaults(),
                pmd.codec(Role.CLIENT, new DeflateParams(false, false, 15, 15)), events::add, (h, p) -> {});
        client.receive(ByteBuffer.wrap(HexFormat.of().parseHex("0100 c000".replace(" ", ""))));
        assertThat(events).containsExactly(new Event.Failure(1002, "RSV1 set on a continuation frame"));
        events.clear();
        WebSocketEngine other = new WebSocketEngine(Role.CLIENT, EngineConfig.defaults(),
                pmd.codec(Role.CLIENT, new DeflateParams(false, false, 15, 15)), events::add, (h, p) -> {});
        other.receive(ByteBuffer.wrap(HexFormat.of().parseHex("c900".replace(" ", ""))));
        assertThat(events).containsExactly(new Event.Failure(1002, "RSV1 set on a control frame"));
    }

    @Test
    @DisplayName("safety: a bomb inflating to 1 GiB stops at the message limit with 1009, allocating at most the limit")
    void decompressionBomb() {
        // 1 GiB of zeros deflates to about 1 MiB; feed it compressed in 64 KiB frames of one fragmented message.
        Deflater d = new Deflater(9, true);
        byte[] zeros = new byte[1 << 20];
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        byte[] out = new byte[1 << 16];
        for (int i = 0; i < 1024; i++) {
            d.setInput(zeros);
            while (!d.needsInput()) {
                int n = d.deflate(out, 0, out.length, Deflater.NO_FLUSH);
                compressed.write(out, 0, n);
            }
        }
        int n;
        do {
            n = d.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
            compressed.write(out, 0, n);
        } while (n == out.length);
        byte[] c = compressed.toByteArray();
        int limit = 1 << 20;
        List<Event> events = new ArrayList<>();
        PerMessageDeflate pmd = PerMessageDeflate.defaults();
        WebSocketEngine client = new WebSocketEngine(Role.CLIENT, EngineConfig.builder().maxMessageSize(limit).build(),
                pmd.codec(Role.CLIENT, new DeflateParams(false, false, 15, 15)), events::add, (h, p) -> {});
        long heapBefore = usedHeap();
        long peak = 0;
        int frame = 1 << 16;
        for (int at = 0; at < c.length && events.isEmpty(); at += frame) {
            int len = Math.min(frame, c.length - at);
            boolean first = at == 0;
            boolean last = at + len >= c.length;
            ByteBuffer f = ByteBuffer.allocate(10 + len);
            f.put((byte) ((last ? 0x80 : 0) | (first ? 0x42 : 0x00)));
            f.put((byte) 127).putLong(len).put(c, at, len).flip();
            client.receive(f);
            peak = Math.max(peak, usedHeap() - heapBefore);
        }
        assertThat(events).containsExactly(new Event.Failure(1009, "message inflates beyond the limit of 1048576 bytes"));
        assertThat(peak).isLessThan(64L << 20);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    @DisplayName("7.2.2: corrupt compressed data fails with 1007")
    void corruptData() {
        List<Event> events = new ArrayList<>();
        WebSocketEngine client = new WebSocketEngine(Role.CLIENT, EngineConfig.defaults(),
                PerMessageDeflate.defaults().codec(Role.CLIENT, new DeflateParams(false, false, 15, 15)), events::add,
                (h, p) -> {});
        client.receive(ByteBuffer.wrap(HexFormat.of().parseHex("c104ffffffff".replace(" ", ""))));
        assertThat(events).containsExactly(new Event.Failure(1007, "invalid compressed data"));
    }

    @Test
    @DisplayName("memory: the codec holds nothing until used and releases native state when the connection ends")
    void lazyAndReleased() {
        PerMessageDeflate pmd = PerMessageDeflate.defaults().withThreshold(0);
        Pair pair = new Pair(new DeflateParams(false, false, 15, 15), pmd, EngineConfig.defaults());
        assertThat(pair.server.deflate().holdsNativeState()).isFalse();
        pair.client.sendText(json(1));
        pair.pump(1000);
        assertThat(pair.server.deflate().holdsNativeState()).isTrue();
        assertThat(pair.client.deflate().holdsNativeState()).isTrue();
        pair.client.close(1000, "");
        pair.pump(1000);
        assertThat(pair.server.deflate().holdsNativeState()).isFalse();
        assertThat(pair.toServer).last().isEqualTo(new Event.CloseReceived(1000, ""));
        assertThat(new String(json(1).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isNotEmpty();
    }

    @Test
    @DisplayName("limits: a compressed frame may exceed maxFramePayload by DEFLATE's overhead only, else 1009 at its header")
    void compressedFrameLimit() {
        int limit = 1024;
        // 1024 + 1024/8 + 1024 = 2176 bytes of compressed payload are allowed; one more is not.
        for (int len : new int[] {2176, 2177}) {
            List<Event> events = new ArrayList<>();
            WebSocketEngine client = new WebSocketEngine(Role.CLIENT,
                    EngineConfig.builder().maxFramePayload(limit).maxMessageSize(1 << 20).build(),
                    PerMessageDeflate.defaults().codec(Role.CLIENT, new DeflateParams(false, false, 15, 15)),
                    events::add, (h, p) -> {});
            ByteBuffer header = ByteBuffer.allocate(4).put((byte) 0x42).put((byte) 126).putShort((short) len).flip();
            client.receive(header);
            if (len == 2176) {
                assertThat(events).isEmpty();
            } else {
                assertThat(events).containsExactly(
                        new Event.Failure(1009, "frame payload of 2177 bytes exceeds the limit of 2176"));
            }
        }
    }
}
