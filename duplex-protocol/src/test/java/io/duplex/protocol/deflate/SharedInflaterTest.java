package io.duplex.protocol.deflate;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.protocol.CloseState;
import io.duplex.protocol.EngineConfig;
import io.duplex.protocol.Event;
import io.duplex.protocol.Role;
import io.duplex.protocol.WebSocketEngine;
import io.duplex.protocol.handshake.ExtensionHeader;
import io.duplex.protocol.handshake.NegotiatedExtension;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.zip.Inflater;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * RFC 7692 7.1.1.2: with client_no_context_takeover every client message starts from an empty window, so
 * the server's connections on one thread inflate through one shared decompressor instead of one each. These tests
 * feed many server engines on one thread, interleaved, and check that nothing leaks between them.
 */
class SharedInflaterTest {
    private static final DeflateParams NO_CONTEXT = new DeflateParams(true, true, 15, 15);
    private static final int MASK = 0x37fa213d;

    /** A server-side connection and what it delivered and sent. */
    static final class Conn {
        final List<Event> events = new ArrayList<>();
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        final WebSocketEngine engine;

        Conn(DeflateParams params, EngineConfig config) {
            engine = new WebSocketEngine(Role.SERVER, config, PerMessageDeflate.defaults().codec(Role.SERVER, params),
                    e -> events.add(e), (h, p) -> {
                        sent.writeBytes(DeflateEngineTest.bytes(h));
                        if (p != null) {
                            sent.writeBytes(DeflateEngineTest.bytes(p));
                        }
                    });
        }

        Conn(DeflateParams params) {
            this(params, EngineConfig.defaults());
        }

        void feed(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes.clone());
            engine.receive(in);
            assertThat(in.hasRemaining()).isFalse();
        }
    }

    /** One message compressed as a compliant client does with client_no_context_takeover: from an empty window. */
    static byte[] compressAlone(byte[] data) {
        MessageDeflater d = DeflaterFactory.JDK.create(15, 6);
        try {
            return compress(d, data);
        } finally {
            d.release();
        }
    }

    /** Raw DEFLATE without the 00 00 ff ff tail (7.2.1); {@code d} keeps its window for the next message. */
    static byte[] compress(MessageDeflater d, byte[] data) {
        return DeflateEngineTest.bytes(d.deflate(ByteBuffer.wrap(data)));
    }

    /** A masked client frame. */
    static byte[] frame(int b0, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(payload.length + 14);
        b.put((byte) b0);
        if (payload.length < 126) {
            b.put((byte) (0x80 | payload.length));
        } else if (payload.length < 65536) {
            b.put((byte) (0x80 | 126)).putShort((short) payload.length);
        } else {
            b.put((byte) (0x80 | 127)).putLong(payload.length);
        }
        b.putInt(MASK);
        for (int i = 0; i < payload.length; i++) {
            b.put((byte) (payload[i] ^ (MASK >>> (8 * (3 - (i & 3))))));
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /** A text message as frames: compressed (RSV1 on the first frame only, 6.1) or not, cut into {@code pieces}. */
    static byte[] textFrames(String text, boolean compressed, int pieces) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        byte[] payload = compressed ? compressAlone(utf8) : utf8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int step = Math.max(1, payload.length / pieces);
        for (int i = 0, at = 0; i < pieces; i++) {
            int end = i == pieces - 1 ? payload.length : Math.min(payload.length, at + step);
            int b0 = (i == pieces - 1 ? 0x80 : 0) | (i == 0 ? 0x01 | (compressed ? 0x40 : 0) : 0x00);
            out.writeBytes(frame(b0, Arrays.copyOfRange(payload, at, end)));
            at = end;
        }
        return out.toByteArray();
    }

    static String json(Random r, int i) {
        StringBuilder sb = new StringBuilder("{\"seq\":" + i + ",\"items\":[");
        int n = r.nextInt(60);
        for (int k = 0; k < n; k++) {
            sb.append("{\"id\":").append(r.nextInt(100_000)).append(",\"user\":\"user").append(r.nextInt(50))
                    .append("\",\"text\":\"hello wörld ").append(r.nextInt(1000)).append("\"},");
        }
        return sb.append("{}]}").toString();
    }

    @Test
    @DisplayName("7.1.1.2: the server answers client_no_context_takeover by default, offered or not")
    void negotiationAddsClientNoContextTakeover() {
        for (String offer : List.of("permessage-deflate", "permessage-deflate; client_max_window_bits",
                "permessage-deflate; client_no_context_takeover")) {
            List<NegotiatedExtension> r = PerMessageDeflate.defaults().negotiator()
                    .negotiate(ExtensionHeader.parse(List.of(offer)));
            assertThat(r.get(0).responseParams())
                    .isEqualTo("server_no_context_takeover; client_no_context_takeover");
            assertThat(((DeflateParams) r.get(0).state()).clientNoContextTakeover()).isTrue();
        }
        List<NegotiatedExtension> off = PerMessageDeflate.defaults().withClientNoContextTakeover(false).negotiator()
                .negotiate(ExtensionHeader.parse(List.of("permessage-deflate; client_max_window_bits")));
        assertThat(off.get(0).responseParams()).isEqualTo("server_no_context_takeover");
        assertThat(((DeflateParams) off.get(0).state()).clientNoContextTakeover()).isFalse();
    }

    @Test
    @DisplayName("codecs on one thread borrow the same decompressor in turn; another thread has its own")
    void oneDecompressorPerThread() throws Exception {
        DeflateCodec a = PerMessageDeflate.defaults().codec(Role.SERVER, NO_CONTEXT);
        DeflateCodec b = PerMessageDeflate.defaults().codec(Role.SERVER, NO_CONTEXT);
        assertThat(a.inflatesWithoutContext()).isTrue();
        Inflater first = a.inflater();
        a.endMessage();
        assertThat(a.holdsNativeState()).isFalse();
        Inflater second = b.inflater();
        b.endMessage();
        assertThat(second).isSameAs(first);
        Inflater elsewhere = CompletableFuture.supplyAsync(() -> {
            DeflateCodec c = PerMessageDeflate.defaults().codec(Role.SERVER, NO_CONTEXT);
            Inflater i = c.inflater();
            c.endMessage();
            return i;
        }).get();
        assertThat(elsewhere).isNotSameAs(first);
        // While one connection is mid-message, another gets a different decompressor.
        Inflater held = a.inflater();
        assertThat(b.inflater()).isNotSameAs(held);
        a.endMessage();
        b.endMessage();
    }

    @Test
    @DisplayName("with the client's context kept, the connection keeps its own decompressor between messages")
    void contextKeptMeansOwnDecompressor() {
        DeflateCodec a = PerMessageDeflate.defaults().codec(Role.SERVER, new DeflateParams(true, false, 15, 15));
        DeflateCodec b = PerMessageDeflate.defaults().codec(Role.SERVER, new DeflateParams(true, false, 15, 15));
        Inflater mine = a.inflater();
        a.endMessage();
        assertThat(a.holdsNativeState()).isTrue();
        assertThat(a.inflater()).isSameAs(mine);
        assertThat(b.inflater()).isNotSameAs(mine);
        a.release();
        b.release();
    }

    /**
     * Many connections on one thread, each receiving its own messages (compressed or not, in 1-4 frames), with the
     * bytes of all connections cut into random chunks and fed interleaved: every connection gets exactly its own
     * messages, and none holds a decompressor once its messages are complete.
     */
    @Property(tries = 60)
    void interleavedConnectionsInflateCorrectly(@ForAll @IntRange(min = 2, max = 12) int conns,
                                                @ForAll @IntRange(max = 1_000_000) int seed,
                                                @ForAll @IntRange(min = 1, max = 3000) int maxChunk) {
        Random r = new Random(seed);
        List<Conn> servers = new ArrayList<>();
        List<List<Event>> expected = new ArrayList<>();
        List<byte[]> streams = new ArrayList<>();
        for (int c = 0; c < conns; c++) {
            servers.add(new Conn(NO_CONTEXT));
            List<Event> want = new ArrayList<>();
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            int messages = 1 + r.nextInt(6);
            for (int m = 0; m < messages; m++) {
                String text = json(r, m);
                wire.writeBytes(textFrames(text, r.nextInt(5) != 0, 1 + r.nextInt(4)));
                want.add(new Event.Text(text));
            }
            expected.add(want);
            streams.add(wire.toByteArray());
        }
        int[] at = new int[conns];
        int left = conns;
        while (left > 0) {
            int c = r.nextInt(conns);
            byte[] s = streams.get(c);
            if (at[c] == s.length) {
                continue;
            }
            int n = Math.min(s.length - at[c], 1 + r.nextInt(maxChunk));
            servers.get(c).feed(Arrays.copyOfRange(s, at[c], at[c] + n));
            at[c] += n;
            if (at[c] == s.length) {
                left--;
            }
        }
        for (int c = 0; c < conns; c++) {
            assertThat(servers.get(c).events).as("connection %d", c).containsExactlyElementsOf(expected.get(c));
            assertThat(servers.get(c).engine.deflate().holdsNativeState()).isFalse();
        }
        assertThat(DeflateCodec.spareInflaters()).isBetween(1, DeflateCodec.MAX_SPARE_INFLATERS);
    }

    @Test
    @DisplayName("a client keeping its context despite client_no_context_takeover fails with 1007; others are unaffected")
    void clientKeepingContextFails() {
        String text = "{\"type\":\"chat\",\"room\":\"lobby\",\"text\":\"the same message twice, word for word\"}";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        MessageDeflater keepsContext = DeflaterFactory.JDK.create(15, 6);
        byte[] m1 = frame(0xC1, compress(keepsContext, utf8));
        // The second copy is one back-reference into the first message, which a fresh window does not have.
        byte[] m2 = frame(0xC1, compress(keepsContext, utf8));
        keepsContext.release();

        Conn bad = new Conn(NO_CONTEXT);
        Conn good = new Conn(NO_CONTEXT);
        String big = json(new Random(7), 1).repeat(30);
        byte[] goodSplit = textFrames(big, true, 3);
        int half = goodSplit.length / 2;

        good.feed(textFrames(text, true, 1));
        // good is in the middle of a compressed message (holding a decompressor) when bad fails.
        good.feed(Arrays.copyOf(goodSplit, half));
        bad.feed(m1);
        bad.feed(m2);
        good.feed(Arrays.copyOfRange(goodSplit, half, goodSplit.length));
        good.feed(textFrames(text, true, 1));
        // A new connection on the same thread after the failure.
        Conn after = new Conn(NO_CONTEXT);
        after.feed(textFrames(big, true, 1));

        assertThat(bad.events).containsExactly(new Event.Text(text), new Event.Failure(1007, "invalid compressed data"));
        assertThat(bad.engine.closeState()).isEqualTo(CloseState.FAILED);
        byte[] close = bad.sent.toByteArray();
        assertThat(close[0] & 0xff).isEqualTo(0x88);
        assertThat(((close[2] & 0xff) << 8) | (close[3] & 0xff)).isEqualTo(1007);
        assertThat(bad.engine.deflate().holdsNativeState()).isFalse();
        assertThat(good.events).containsExactly(new Event.Text(text), new Event.Text(big), new Event.Text(text));
        assertThat(after.events).containsExactly(new Event.Text(big));
    }

    @Test
    @DisplayName("a back-reference past the message start never reads another connection's message (reset between)")
    void noBackReferenceIntoAnotherConnection() {
        String secret = "{\"to\":\"alice\",\"text\":\"my password is swordfish, do not tell bob.....\"}";
        String mine = "{\"to\":\"bob\",\"text\":\"ask alice for the password of the shared account\"}";
        assertThat(secret).hasSameSizeAs(mine);
        MessageDeflater attacker = DeflaterFactory.JDK.create(15, 6);
        compress(attacker, mine.getBytes(StandardCharsets.UTF_8));
        // Refers back exactly one message length: into whatever the decompressor inflated last, if it kept it.
        byte[] probe = frame(0xC1, compress(attacker, mine.getBytes(StandardCharsets.UTF_8)));
        attacker.release();

        Conn victim = new Conn(NO_CONTEXT);
        Conn spy = new Conn(NO_CONTEXT);
        victim.feed(textFrames(secret, true, 1));
        spy.feed(probe);
        assertThat(spy.events).containsExactly(new Event.Failure(1007, "invalid compressed data"));
        assertThat(victim.events).containsExactly(new Event.Text(secret));
    }

    @Test
    @DisplayName("a failure in the middle of a split message frees that decompressor; the next message is fine")
    void failureMidMessage() {
        Conn bad = new Conn(NO_CONTEXT);
        byte[] payload = compressAlone(json(new Random(3), 0).repeat(20).getBytes(StandardCharsets.UTF_8));
        byte[] corrupt = payload.clone();
        // A reserved block type (BTYPE 11) right after a valid first part: inflating gets that far, then fails.
        byte[] firstHalf = Arrays.copyOf(corrupt, corrupt.length / 2);
        bad.feed(frame(0x41, firstHalf));
        assertThat(bad.engine.deflate().holdsNativeState()).isTrue();
        bad.feed(frame(0x00, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        bad.feed(frame(0x80, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        assertThat(bad.events).singleElement().isInstanceOf(Event.Failure.class);
        assertThat(((Event.Failure) bad.events.get(0)).code()).isIn(1007, 1009);
        assertThat(bad.engine.deflate().holdsNativeState()).isFalse();

        Conn next = new Conn(NO_CONTEXT);
        String text = json(new Random(4), 0);
        next.feed(textFrames(text, true, 2));
        assertThat(next.events).containsExactly(new Event.Text(text));
    }

    @Test
    @DisplayName("a connection that goes away mid-message frees its decompressor")
    void eofMidMessage() {
        Conn gone = new Conn(NO_CONTEXT);
        byte[] frames = textFrames(json(new Random(5), 0), true, 2);
        gone.feed(Arrays.copyOf(frames, frames.length - 3));
        assertThat(gone.engine.deflate().holdsNativeState()).isTrue();
        assertThat(gone.engine.receiveEof()).isFalse();
        assertThat(gone.engine.deflate().holdsNativeState()).isFalse();
    }

    @Test
    @DisplayName("limits are unchanged: a bomb on a shared decompressor stops at the limit with 1009")
    void bombOnSharedDecompressor() {
        byte[] zeros = new byte[4 << 20];
        byte[] bomb = compressAlone(zeros);
        int limit = 1 << 20;
        Conn victim = new Conn(NO_CONTEXT, EngineConfig.builder().maxMessageSize(limit).build());
        victim.feed(frame(0xC2, bomb));
        assertThat(victim.events).containsExactly(
                new Event.Failure(1009, "message inflates beyond the limit of 1048576 bytes"));
        Conn next = new Conn(NO_CONTEXT, EngineConfig.builder().maxMessageSize(limit).build());
        String text = json(new Random(6), 0);
        next.feed(textFrames(text, true, 1));
        assertThat(next.events).containsExactly(new Event.Text(text));
    }
}
