package io.duplex.protocol;

import static io.duplex.protocol.Utf8Validator.ACCEPT;
import static io.duplex.protocol.Utf8Validator.REJECT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Utf8ValidatorTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** Input and the index of the octet at which validation must fail (fail fast, section 8.1). */
    static Stream<Arguments> invalid() {
        return Stream.of(
                // Continuation octet with no lead.
                Arguments.of("80", 0),
                Arguments.of("BF", 0),
                Arguments.of("41 BF", 1),
                Arguments.of("E2 82 AC 80", 3),
                Arguments.of("C3 A9 A9", 2),
                // C0 and C1 can only start overlong 2-octet forms.
                Arguments.of("C0 80", 0),
                Arguments.of("C0 AF", 0),
                Arguments.of("C1 BF", 0),
                // F5..FF never appear in UTF-8 (RFC 3629 section 1).
                Arguments.of("F5 80 80 80", 0),
                Arguments.of("F7 BF BF BF", 0),
                Arguments.of("F8 88 80 80 80", 0),
                Arguments.of("FC 84 80 80 80 80", 0),
                Arguments.of("FE", 0),
                Arguments.of("FF", 0),
                // A lead octet followed by something other than a continuation.
                Arguments.of("C2 41", 1),
                Arguments.of("C2 C2 80", 1),
                Arguments.of("DF 7F", 1),
                Arguments.of("E1 41 80", 1),
                Arguments.of("E1 80 41", 2),
                Arguments.of("EF BF C0", 2),
                Arguments.of("F1 80 80 41", 3),
                Arguments.of("F3 BF E0 A0 80", 2),
                Arguments.of("F2 80 80 F0", 3),
                // Overlong 3-octet forms (below U+0800).
                Arguments.of("E0 80 80", 1),
                Arguments.of("E0 9F BF", 1),
                // Surrogates U+D800..U+DFFF.
                Arguments.of("ED A0 80", 1),
                Arguments.of("ED AF BF ED B0 80", 1),
                Arguments.of("ED BF BF", 1),
                // Overlong 4-octet forms (below U+10000).
                Arguments.of("F0 80 80 80", 1),
                Arguments.of("F0 8F BF BF", 1),
                // Above U+10FFFF.
                Arguments.of("F4 90 80 80", 1),
                Arguments.of("F4 BF BF BF", 1),
                // After the 8-octet ASCII fast path has run.
                Arguments.of("61 62 63 64 65 66 67 68 69 FF", 9),
                Arguments.of("30 31 32 33 34 35 36 37 38 39 41 42 43 44 45 46 80", 16),
                Arguments.of("30 31 32 33 34 35 36 37 C3 A9 30 31 32 33 34 35 36 37 ED A0 80", 19),
                Arguments.of("CE BA E1 BD B9 CF 83 CE BC CE B5 ED 9F BF ED BF BF", 15),
                // After the 64- and 8-octet skips, mid-way through a 16-octet DFA block, with more after.
                Arguments.of("41 ".repeat(40) + "C0 80" + " 41".repeat(20), 40),
                Arguments.of("41 ".repeat(150) + "C3 A9 C3 41" + " 41".repeat(100), 153),
                Arguments.of("41 ".repeat(33) + "C3 A9 ".repeat(5) + "E2 82 41" + " 41".repeat(40), 45));
    }

    /** Sequences cut short: no octet is invalid, but the message must not end here. */
    static Stream<String> truncated() {
        return Stream.of("C2", "DF", "E0", "E0 A0", "E1 80", "ED 9F", "EF BF", "F0", "F0 90", "F0 9F 98",
                "F1 80 80", "F4 8F BF", "41 42 43 44 45 46 47 48 E2 82",
                "41 ".repeat(70) + "F0 9F 98");
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejectsAtTheFirstInvalidOctet(String input, int badIndex) {
        byte[] a = hex(input);
        int state = ACCEPT;
        for (int i = 0; i < a.length; i++) {
            state = Utf8Validator.validate(state, a, i, i + 1);
            if (i < badIndex) {
                assertThat(state).as("state after octet %d", i).isNotEqualTo(REJECT);
            } else {
                assertThat(state).as("state after octet %d", i).isEqualTo(REJECT);
            }
        }
        assertThat(Utf8Validator.validate(ACCEPT, a, 0, badIndex)).isNotEqualTo(REJECT);
        assertThat(Utf8Validator.validate(ACCEPT, a, 0, badIndex + 1)).isEqualTo(REJECT);
        assertAllSplitsAgree(a, REJECT);
        assertThat(Utf8Validator.isValid(a, 0, a.length)).isFalse();
    }

    @ParameterizedTest
    @MethodSource("truncated")
    void truncatedSequenceIsNeverRejectedButNeverAccepted(String input) {
        byte[] a = hex(input);
        int state = ACCEPT;
        for (int i = 0; i < a.length; i++) {
            state = Utf8Validator.validate(state, a, i, i + 1);
            assertThat(state).isNotEqualTo(REJECT);
        }
        assertThat(state).isNotEqualTo(ACCEPT);
        assertAllSplitsAgree(a, state);
        assertThat(Utf8Validator.isValid(a, 0, a.length)).isFalse();
    }

    @Test
    void boundaryCodePointsAreValid() {
        // U+0000, U+007F, U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF, written out
        // by hand so the test does not lean on the JDK's encoder.
        List<String> encodings = List.of("00", "7F", "C2 80", "DF BF", "E0 A0 80", "ED 9F BF", "EE 80 80",
                "EF BF BF", "F0 90 80 80", "F4 8F BF BF");
        int[] codePoints = {0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF};
        StringBuilder all = new StringBuilder();
        for (int k = 0; k < encodings.size(); k++) {
            byte[] a = hex(encodings.get(k));
            assertThat(new String(a, StandardCharsets.UTF_8).codePointAt(0)).isEqualTo(codePoints[k]);
            assertThat(Utf8Validator.isValid(a, 0, a.length)).as(encodings.get(k)).isTrue();
            assertAllSplitsAgree(a, ACCEPT);
            all.append(encodings.get(k)).append(' ').append("41 ".repeat(k));
        }
        byte[] a = hex(all.toString());
        assertThat(Utf8Validator.isValid(a, 0, a.length)).isTrue();
        assertAllSplitsAgree(a, ACCEPT);
    }

    @Test
    void emptyInputKeepsTheState() {
        assertThat(Utf8Validator.validate(ACCEPT, new byte[0], 0, 0)).isEqualTo(ACCEPT);
        assertThat(Utf8Validator.validate(REJECT, new byte[] {0x41}, 0, 0)).isEqualTo(REJECT);
        assertThat(Utf8Validator.isValid(new byte[0], 0, 0)).isTrue();
    }

    @Test
    void rejectIsSticky() {
        byte[] ascii = "plain ASCII text, long enough for the fast path".getBytes(StandardCharsets.US_ASCII);
        assertThat(Utf8Validator.validate(REJECT, ascii, 0, ascii.length)).isEqualTo(REJECT);
        assertThat(Utf8Validator.validate(REJECT, ByteBuffer.allocateDirect(16), 0, 16)).isEqualTo(REJECT);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> Utf8Validator.validate(1, new byte[1], 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Utf8Validator.validate(ACCEPT, new byte[1], 0, 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
        ByteBuffer limited = ByteBuffer.allocateDirect(16).limit(4);
        assertThatThrownBy(() -> Utf8Validator.validate(ACCEPT, limited, 0, 5))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    /** Whole, split in two at every point, octet by octet, and as heap, sliced and direct buffers. */
    private static void assertAllSplitsAgree(byte[] a, int expected) {
        assertThat(Utf8Validator.validate(ACCEPT, a, 0, a.length)).isEqualTo(expected);
        for (int cut = 0; cut <= a.length; cut++) {
            int s = Utf8Validator.validate(ACCEPT, a, 0, cut);
            assertThat(Utf8Validator.validate(s, a, cut, a.length)).as("split at %d", cut).isEqualTo(expected);
        }
        for (ByteBuffer buf : buffers(a)) {
            int s = ACCEPT;
            for (int i = 0; i < a.length; i++) {
                s = Utf8Validator.validate(s, buf, i, i + 1);
            }
            assertThat(s).isEqualTo(expected);
            assertThat(Utf8Validator.validate(ACCEPT, buf, 0, a.length)).isEqualTo(expected);
        }
    }

    private static List<ByteBuffer> buffers(byte[] a) {
        ByteBuffer direct = ByteBuffer.allocateDirect(a.length).put(a).clear();
        byte[] padded = new byte[a.length + 5];
        System.arraycopy(a, 0, padded, 5, a.length);
        ByteBuffer slice = ByteBuffer.wrap(padded, 5, a.length).slice();
        ByteBuffer readOnly = ByteBuffer.wrap(a).asReadOnlyBuffer(); // no array: takes the buffer path
        return List.of(ByteBuffer.wrap(a), slice, direct, readOnly);
    }

    // ---- properties ----

    @Provide
    Arbitrary<String> texts() {
        // Mostly ASCII runs so the fast path engages, mixed with every encoded length.
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0, 0x7F)),
                Tuple.of(2, Arbitraries.integers().between(0x80, 0x7FF)),
                Tuple.of(2, Arbitraries.integers().between(0x800, 0xFFFF)
                        .filter(c -> c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE)),
                Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10FFFF)));
        return codePoint.list().ofMaxSize(200).map(cps -> {
            StringBuilder sb = new StringBuilder();
            cps.forEach(sb::appendCodePoint);
            return sb.toString();
        });
    }

    @Property
    void encodedStringsAreValidUnderRandomSplits(@ForAll("texts") String text,
                                                 @ForAll List<@IntRange(max = 1000) Integer> cuts) {
        byte[] a = text.getBytes(StandardCharsets.UTF_8);
        TreeSet<Integer> points = new TreeSet<>();
        cuts.forEach(c -> points.add(c % (a.length + 1)));
        points.add(a.length);
        for (ByteBuffer buf : buffers(a)) {
            int state = ACCEPT;
            int start = 0;
            for (int end : points) {
                state = Utf8Validator.validate(state, buf, start, end);
                start = end;
            }
            assertThat(state).isEqualTo(ACCEPT);
        }
        assertThat(Utf8Validator.isValid(a, 0, a.length)).isTrue();
    }

    /** Octets chosen near every class boundary of the RFC 3629 table, so invalid inputs are close misses. */
    @Provide
    Arbitrary<byte[]> nearlyUtf8() {
        Arbitrary<byte[]> edgeOctet = Arbitraries.of(0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0,
                        0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF)
                .map(b -> new byte[] {(byte) (int) b});
        Arbitrary<byte[]> validChar = texts().map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> piece = Arbitraries.frequencyOf(
                Tuple.of(1, edgeOctet),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(4)),
                Tuple.of(3, validChar.filter(b -> b.length < 12)));
        return piece.list().ofMaxSize(8).map(parts -> {
            int n = parts.stream().mapToInt(p -> p.length).sum();
            byte[] out = new byte[n];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        });
    }

    @Property(tries = 2000)
    void agreesWithTheJdkDecoder(@ForAll("nearlyUtf8") byte[] a) {
        assertThat(Utf8Validator.isValid(a, 0, a.length)).isEqualTo(jdkValid(a));
    }

    @Property(tries = 2000)
    void agreesWithTheJdkDecoderOnRandomBytes(@ForAll byte[] a) {
        assertThat(Utf8Validator.isValid(a, 0, a.length)).isEqualTo(jdkValid(a));
    }

    /**
     * Fail fast, checked against the JDK: the prefix before the rejecting octet can still be completed into
     * valid UTF-8, and the prefix including it cannot. A sequence is finished by at most three continuation
     * octets, and the candidates below cover each continuation range the RFC 3629 table distinguishes.
     */
    @Property(tries = 1000)
    void rejectsExactlyWhenNoCompletionExists(@ForAll("nearlyUtf8") byte[] a) {
        int state = ACCEPT;
        int rejectedAt = -1;
        for (int i = 0; i < a.length && rejectedAt < 0; i++) {
            state = Utf8Validator.validate(state, a, i, i + 1);
            if (state == REJECT) {
                rejectedAt = i;
            }
        }
        int prefix = rejectedAt < 0 ? a.length : rejectedAt;
        assertThat(completable(Arrays.copyOf(a, prefix))).isTrue();
        if (rejectedAt >= 0) {
            assertThat(completable(Arrays.copyOf(a, rejectedAt + 1))).isFalse();
        }
    }

    private static final byte[] CONTINUATIONS = hex("80 8F 90 9F A0 BF");

    private static boolean completable(byte[] prefix) {
        return completable(prefix, 0);
    }

    private static boolean completable(byte[] prefix, int added) {
        if (jdkValid(prefix)) {
            return true;
        }
        if (added == 3) {
            return false;
        }
        byte[] longer = Arrays.copyOf(prefix, prefix.length + 1);
        for (byte c : CONTINUATIONS) {
            longer[prefix.length] = c;
            if (completable(longer, added + 1)) {
                return true;
            }
        }
        return false;
    }

    private static boolean jdkValid(byte[] a) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(a));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
