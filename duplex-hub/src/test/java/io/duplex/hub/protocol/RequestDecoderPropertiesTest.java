package io.duplex.hub.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Properties of the protocol codec over arbitrary input. The class name does not end in FuzzTest, so the Jazzer
 * execution leaves it alone; RequestDecoderFuzzTest is the coverage-guided counterpart.
 */
class RequestDecoderPropertiesTest {
    private static final RequestDecoder DECODER = new RequestDecoder(200);
    /** docs/protocol.md, "Limits", written independently of Topics. */
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_\\-.:@/=+~]{1,200}");
    private static final String TOPIC_CHARS = "ABCXYZabcxyz0189_-.:@/=+~";

    @Provide
    Arbitrary<String> topics() {
        return Arbitraries.strings().withChars(TOPIC_CHARS).ofMinLength(1).ofMaxLength(200);
    }

    /** Keys that have a UTF-8 form and fit the frame's length byte; null for none. */
    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.strings().all().ofMinLength(1).ofMaxLength(128)
                .filter(k -> k.equals(new String(k.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)))
                .filter(k -> k.getBytes(StandardCharsets.UTF_8).length <= 255)
                .injectNull(0.2);
    }

    @Property(tries = 1000)
    void binaryPublishRoundTrips(@ForAll("topics") String topic, @ForAll("keys") String key,
                                 @ForAll @LongRange(min = 0, max = 0xffffffffL) long id, @ForAll boolean excludeSelf,
                                 @ForAll byte[] data) throws ProtocolException {
        ByteBuffer frame = ByteBuffer.wrap(BinaryFrames.publish(id, topic, key, excludeSelf, data));
        Request.Publish p = DECODER.decodeBinary(frame);
        assertThat(p.id()).isEqualTo(id);
        assertThat(p.topic()).isEqualTo(topic);
        assertThat(p.key()).isEqualTo(key);
        assertThat(p.excludeSelf()).isEqualTo(excludeSelf);
        assertThat(p.binary()).isEqualTo(data);
        assertThat(p.json()).isNull();
        assertThat(frame.hasRemaining()).isFalse();
    }

    /** Strings crowded with surrogates, paired and not, between ASCII, two- and three-byte characters. */
    @Provide
    Arbitrary<String> surrogateHeavy() {
        return Arbitraries.strings()
                .withCharRange('\ud800', '\udfff').withCharRange('a', 'c').withCharRange('\u07f0', '\u0810')
                .withCharRange('\ufff0', '\uffff').ofMaxLength(40);
    }

    /**
     * What Utf8 promises: the UTF-8 length with each unpaired surrogate counted as U+FFFD (3 bytes). String.getBytes
     * would count it as '?' (1 byte); but such a string never reaches the wire as UTF-8 at all (Jackson escapes it
     * as \\uD800, 6 bytes, or refuses it in raw values), so for a size limit the larger count is the safer one.
     */
    private static int withReplacementCharacter(String s) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)
                .replaceWith(new byte[] {(byte) 0xef, (byte) 0xbf, (byte) 0xbd});
        try {
            return encoder.encode(CharBuffer.wrap(s)).remaining();
        } catch (CharacterCodingException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean encodable(String s) {
        try {
            StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(s));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static void checkUtf8(String s) {
        assertThat(Utf8.length(s)).isEqualTo(withReplacementCharacter(s));
        assertThat(Utf8.wellFormed(s)).isEqualTo(encodable(s));
        if (encodable(s)) {
            assertThat(Utf8.length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Property(tries = 2000)
    void utf8LengthOfAnyString(@ForAll String s) {
        checkUtf8(s);
    }

    @Property(tries = 2000)
    void utf8LengthAroundSurrogates(@ForAll("surrogateHeavy") String s) {
        checkUtf8(s);
    }

    @Property(tries = 2000)
    void utf8LengthOfValidTextEqualsGetBytes(@ForAll("surrogateHeavy") String raw) {
        String s = new String(raw.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        assertThat(Utf8.length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        assertThat(Utf8.wellFormed(s)).isTrue();
    }

    /** Mostly allowed characters, with a sprinkling of near misses (neighbours of the ASCII ranges, *, {, space). */
    @Provide
    Arbitrary<String> topicLike() {
        Arbitrary<Character> good = Arbitraries.of(TOPIC_CHARS.toCharArray());
        Arbitrary<Character> bad = Arbitraries.of('*', '{', '}', ' ', '?', '`', '[', '^', '\\',
                '!', '#', '%', '&', ',', ';', '<', '>', '|', '\n', '\0', '\u00e9', '\u0660', '\ufeff', '\ud800');
        return Arbitraries.frequencyOf(
                        Tuple.of(30, good), Tuple.of(1, bad),
                        Tuple.of(1, Arbitraries.chars()))
                .list().ofMaxSize(210).map(cs -> {
                    StringBuilder b = new StringBuilder();
                    cs.forEach(b::append);
                    return b.toString();
                });
    }

    @Property(tries = 3000)
    void topicsAcceptExactlyTheDocumentedNames(@ForAll("topicLike") String topic) {
        assertThat(Topics.problem(topic, 200) == null).as(topic).isEqualTo(TOPIC.matcher(topic).matches());
    }

    @Property(tries = 1000)
    void topicLengthLimitIsTheConfiguredOne(@ForAll("topics") String topic, @ForAll @IntRange(min = 1, max = 300) int max) {
        assertThat(Topics.problem(topic, max) == null).isEqualTo(topic.length() <= max);
    }

    // ---- decode never throws anything but ProtocolException

    private static void onlyProtocolException(String text) {
        Throwable thrown = catchThrowable(() -> DECODER.decode(text));
        if (thrown != null) {
            assertThat(thrown).as(text).isInstanceOf(ProtocolException.class);
        }
    }

    private static void onlyProtocolException(byte[] frame) {
        Throwable thrown = catchThrowable(() -> DECODER.decodeBinary(ByteBuffer.wrap(frame)));
        if (thrown != null) {
            assertThat(thrown).isInstanceOf(ProtocolException.class);
        }
    }

    @Property(tries = 2000)
    void anyStringOnlyThrowsProtocolException(@ForAll String text) {
        onlyProtocolException(text);
    }

    /** Messages built from the protocol's own words, so that most of them get past the JSON parser. */
    @Provide
    Arbitrary<String> jsonShaped() {
        Arbitrary<String> names = Arbitraries.of("type", "id", "topic", "data", "key", "exclude_self", "recover",
                "since", "epoch", "offset", "limit", "token", "info", "join_leave", "x");
        Arbitrary<String> types = Arbitraries.of("\"subscribe\"", "\"unsubscribe\"", "\"publish\"", "\"presence\"",
                "\"history\"", "\"refresh\"", "\"ping\"");
        Arbitrary<String> scalars = Arbitraries.of("0", "1", "-1", "9007199254740991", "9007199254740992", "1.5",
                "1e400", "1e9999999999", "-0", "true", "false", "null", "\"\"", "\"t\"", "\"chat.lobby\"", "\"a*\"",
                "\"\\ud800\"", "\"\\ud83d\\ude00\"", "[]", "{}", "{\"epoch\":\"e\",\"offset\":1}");
        Arbitrary<String> values = Arbitraries.oneOf(types, scalars, types);
        Arbitrary<String> member = Combinators.combine(names, values)
                .as((n, v) -> "\"" + n + "\":" + v);
        return member.list().ofMaxSize(7).map(ms -> "{" + String.join(",", ms) + "}");
    }

    @Property(tries = 3000)
    void anyJsonShapedMessageOnlyThrowsProtocolException(@ForAll("jsonShaped") String text) {
        onlyProtocolException(text);
    }

    @Property(tries = 2000)
    void anyBytesOnlyThrowProtocolException(@ForAll byte[] frame) {
        onlyProtocolException(frame);
    }

    @Property(tries = 2000)
    void anyPublishShapedBytesOnlyThrowProtocolException(@ForAll @IntRange(min = 0, max = 3) int flags,
                                                          @ForAll byte[] rest) {
        byte[] frame = new byte[rest.length + 2];
        frame[0] = BinaryFrames.KIND_PUBLISH;
        frame[1] = (byte) flags;
        System.arraycopy(rest, 0, frame, 2, rest.length);
        onlyProtocolException(frame);
    }
}
