package io.duplex.protocol;

import static io.duplex.protocol.TestFrames.frameTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.protocol.TestFrames.Harness;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random frame sequences, cut at random byte boundaries and fed in random chunk sizes, yield exactly the events
 * of the whole feed, which are the events the sequence was built from, whether large messages are reassembled in
 * the engine's heap arrays or in buffers from a {@link MessageBuffers}.
 */
class EngineChunkingPropertiesTest {

    /** One message to send: fragments of a data message, with control frames after some fragments. */
    record Message(boolean text, List<byte[]> fragments, List<byte[]> pingsAfterFirst) {}

    @Provide
    Arbitrary<Message> messages() {
        Arbitrary<String> textBody = Arbitraries.strings().all().ofMaxLength(300)
                .filter(s -> StandardCharsets.UTF_8.newEncoder().canEncode(s));
        Arbitrary<byte[]> binaryBody = Arbitraries.bytes().array(byte[].class).ofMaxSize(70_000)
                .edgeCases(c -> c.add(new byte[0]));
        Arbitrary<Integer> pieces = Arbitraries.integers().between(1, 5);
        Arbitrary<List<byte[]>> pings = Arbitraries.bytes().array(byte[].class).ofMaxSize(125).list().ofMaxSize(2);
        Arbitrary<Message> texts = Combinators.combine(textBody, pieces, pings)
                .as((s, n, p) -> new Message(true, split(s.getBytes(StandardCharsets.UTF_8), n), p));
        Arbitrary<Message> binaries = Combinators.combine(binaryBody, pieces, pings)
                .as((b, n, p) -> new Message(false, split(b, n), p));
        return Arbitraries.oneOf(texts, binaries);
    }

    /** Splits anywhere, even inside a UTF-8 sequence: section 8.1 validates the message, not each frame. */
    private static List<byte[]> split(byte[] body, int pieces) {
        List<byte[]> out = new ArrayList<>();
        int step = Math.max(1, body.length / pieces);
        int at = 0;
        for (int i = 0; i < pieces - 1 && at < body.length; i++) {
            out.add(Arrays.copyOfRange(body, at, Math.min(body.length, at + step)));
            at += step;
        }
        out.add(Arrays.copyOfRange(body, Math.min(at, body.length), body.length));
        return out;
    }

    /**
     * Large messages, fragmented or not, in chunks up to the size of a read buffer: the engine's heap arrays and a
     * {@link MessageBuffers} that reuses (and poisons) released buffers give the same events.
     */
    @Provide
    Arbitrary<Message> largeMessages() {
        Arbitrary<byte[]> body = Arbitraries.integers().between(0, 1_100_000).edgeCases(c -> c.add(1 << 20))
                .map(n -> {
                    byte[] b = new byte[n];
                    new java.util.Random(n).nextBytes(b);
                    return b;
                });
        Arbitrary<String> text = Arbitraries.strings().withChars("a\u00e9\u4e2d").ofMinLength(10_000)
                .ofMaxLength(40_000);
        Arbitrary<Integer> pieces = Arbitraries.integers().between(1, 4);
        Arbitrary<List<byte[]>> pings = Arbitraries.bytes().array(byte[].class).ofMaxSize(125).list().ofMaxSize(1);
        return Arbitraries.oneOf(
                Combinators.combine(body, pieces, pings).as((b, n, p) -> new Message(false, split(b, n), p)),
                Combinators.combine(text, pieces, pings)
                        .as((t, n, p) -> new Message(true, split(t.getBytes(StandardCharsets.UTF_8), n), p)));
    }

    @Property(tries = 300)
    void chunkingDoesNotChangeEvents(
            @ForAll @Size(max = 6) List<@From("messages") Message> messages,
            @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 9000) Integer> chunkSizes,
            @ForAll @IntRange(min = 1, max = 80_000) int poolThreshold,
            @ForAll boolean server) {
        checkChunking(messages, chunkSizes, poolThreshold, server);
    }

    @Property(tries = 25)
    void largeMessagesGiveTheSameEventsPooledOrNot(
            @ForAll @Size(min = 1, max = 4) List<@From("largeMessages") Message> messages,
            @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 65_536) Integer> chunkSizes,
            @ForAll @IntRange(min = 1, max = 80_000) int poolThreshold,
            @ForAll boolean server) {
        checkChunking(messages, chunkSizes, poolThreshold, server);
    }

    private static void checkChunking(List<Message> messages, List<Integer> chunkSizes, int poolThreshold,
                                      boolean server) {
        Role role = server ? Role.SERVER : Role.CLIENT;
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        List<Event> expected = new ArrayList<>();
        for (Message m : messages) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int i = 0; i < m.fragments().size(); i++) {
                boolean first = i == 0;
                boolean last = i == m.fragments().size() - 1;
                int opcode = first ? (m.text() ? 1 : 2) : 0;
                wire.writeBytes(frameTo(role, (last ? 0x80 : 0) | opcode, m.fragments().get(i)));
                body.writeBytes(m.fragments().get(i));
                if (last) {
                    byte[] all = body.toByteArray();
                    expected.add(m.text() ? new Event.Text(new String(all, StandardCharsets.UTF_8))
                            : new Event.Binary(ByteBuffer.wrap(all)));
                }
                if (first) {
                    for (byte[] ping : m.pingsAfterFirst()) {
                        wire.writeBytes(frameTo(role, 0x89, ping));
                        expected.add(new Event.Ping(ByteBuffer.wrap(ping)));
                    }
                }
            }
        }
        byte[] bytes = wire.toByteArray();

        Harness whole = new Harness(role).feed(bytes);
        assertThat(whole.events).containsExactlyElementsOf(expected);

        Harness chunked = feedChunked(new Harness(role), bytes, chunkSizes);
        assertThat(chunked.events).containsExactlyElementsOf(expected);
        assertThat(chunked.sentBytes()).isEqualTo(whole.sentBytes());

        RecordingBuffers buffers = new RecordingBuffers(poolThreshold);
        Harness pooled = feedChunked(new Harness(role, EngineConfig.builder().maskKeySource(() -> TestFrames.TEST_MASK)
                .build(), buffers), bytes, chunkSizes);
        assertThat(pooled.events).containsExactlyElementsOf(expected);
        assertThat(pooled.sentBytes()).isEqualTo(whole.sentBytes());
        assertThat(buffers.outstanding()).isZero();
        assertThat(buffers.released).isEqualTo(buffers.acquired);
    }

    private static Harness feedChunked(Harness h, byte[] bytes, List<Integer> chunkSizes) {
        int at = 0;
        int k = 0;
        while (at < bytes.length) {
            int n = Math.min(chunkSizes.get(k++ % chunkSizes.size()), bytes.length - at);
            h.feed(Arrays.copyOfRange(bytes, at, at + n));
            at += n;
        }
        return h;
    }

    @Property(tries = 200)
    void anyPrefixOfInvalidInputGivesTheSameFailure(
            @ForAll @Size(max = 400) byte[] garbage,
            @ForAll @IntRange(min = 1, max = 50) int chunk,
            @ForAll boolean server) {
        Role role = server ? Role.SERVER : Role.CLIENT;
        Harness whole = new Harness(role);
        whole.engine.receive(ByteBuffer.wrap(garbage.clone()));
        Harness chunked = new Harness(role);
        for (int at = 0; at < garbage.length; at += chunk) {
            chunked.engine.receive(ByteBuffer.wrap(Arrays.copyOfRange(garbage, at, Math.min(garbage.length, at + chunk))));
        }
        assertThat(chunked.events).isEqualTo(whole.events);
        assertThat(chunked.sentBytes()).isEqualTo(whole.sentBytes());
    }
}
