package io.duplex.hub.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.duplex.hub.Publication;
import io.duplex.hub.StreamPosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * docs/protocol.md, "Client to server" and "Binary frames", as literal messages: what each request decodes to,
 * and for each refusal the exact code, message and id that go back to the client.
 */
class RequestDecoderTest {
    private static final RequestDecoder DECODER = new RequestDecoder(200);
    private static final String ID_RANGE = "field 'id' must be an integer from 1 to 9007199254740991";
    private static final String TOPIC_CHARS = "topic contains a character outside A-Z a-z 0-9 _ - . : @ / = + ~ at index ";
    private static final String RECOVER = "field 'recover' must be {\"epoch\": string, \"offset\": integer >= 0}";
    private static final String SINCE = "field 'since' must be {\"epoch\": string, \"offset\": integer >= 0}";
    private static final String LIMIT = "field 'limit' must be an integer >= 0";
    private static final String KEY = "field 'key' must be a string of 1 to 128 characters";
    private static final String TOKEN = "field 'token' must be a non-empty string of at most 8192 characters";
    private static final String SHORT = "binary frame shorter than its 8-byte minimum";

    private static Request decode(String json) throws ProtocolException {
        return DECODER.decode(json);
    }

    private static ProtocolException refusal(String json) {
        return refusal(() -> DECODER.decode(json), json);
    }

    private static ProtocolException refusal(ThrowingCallable decoding, String input) {
        ProtocolException e = catchThrowableOfType(decoding, ProtocolException.class);
        assertThat(e).as("refusal of %s", input).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        return e;
    }

    private static void refused(String json, String message, long id) {
        ProtocolException e = refusal(json);
        assertThat(e.getMessage()).isEqualTo(message);
        assertThat(e.id()).isEqualTo(id);
    }

    /** For Jackson's own words, which follow our prefix and may change with its version. */
    private static void refusedAsJson(String json, String messageStart) {
        refusedAsJson(json, messageStart, 0);
    }

    private static void refusedAsJson(String json, String messageStart, long id) {
        ProtocolException e = refusal(json);
        assertThat(e.getMessage()).startsWith(messageStart);
        assertThat(e.id()).isEqualTo(id);
    }

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    // ---- every request type, with every optional field

    @Test
    void subscribeMinimal() throws Exception {
        assertThat(decode("{\"type\":\"subscribe\",\"id\":1,\"topic\":\"chat.lobby\"}"))
                .isEqualTo(new Request.Subscribe(1, "chat.lobby", null, false, null));
    }

    @Test
    void subscribeWithEveryField() throws Exception {
        assertThat(decode("{\"type\":\"subscribe\",\"id\":2,\"topic\":\"chat.lobby\",\"recover\":{\"epoch\":"
                + "\"3k9x0a1b2c3d\",\"offset\":41},\"join_leave\":true,\"info\":{\"name\":\"Alice\",\"color\":\"#e33\"}}"))
                .isEqualTo(new Request.Subscribe(2, "chat.lobby", new StreamPosition("3k9x0a1b2c3d", 41), true,
                        json("{\"name\":\"Alice\",\"color\":\"#e33\"}")));
    }

    @Test
    void subscribeNullRecoverAndInfoMeanNone() throws Exception {
        assertThat(decode("{\"type\":\"subscribe\",\"topic\":\"t\",\"recover\":null,\"info\":null,\"join_leave\":false}"))
                .isEqualTo(new Request.Subscribe(0, "t", null, false, null));
    }

    @Test
    void unsubscribe() throws Exception {
        assertThat(decode("{\"type\":\"unsubscribe\",\"id\":3,\"topic\":\"chat.lobby\"}"))
                .isEqualTo(new Request.Unsubscribe(3, "chat.lobby"));
    }

    @Test
    void publishMinimal() throws Exception {
        Request.Publish p = (Request.Publish) decode("{\"type\":\"publish\",\"id\":4,\"topic\":\"chat.lobby\","
                + "\"data\":{\"text\":\"hi\"}}");
        assertPublish(p, 4, "chat.lobby", null, false);
        assertThat(p.json()).isEqualTo("{\"text\":\"hi\"}");
        assertThat(p.binary()).isNull();
    }

    @Test
    void publishWithEveryField() throws Exception {
        Request.Publish p = (Request.Publish) decode("{\"type\":\"publish\",\"id\":5,\"topic\":\"chat.lobby\","
                + "\"data\":\"any JSON value\",\"key\":\"c1-000017\",\"exclude_self\":true}");
        assertPublish(p, 5, "chat.lobby", "c1-000017", true);
        assertThat(p.json()).isEqualTo("\"any JSON value\"");
    }

    @Test
    void publishDataIsCompactedAndEveryJsonValueIsData() throws Exception {
        String[][] cases = {
            {"{ \"a\" : [ 1 , 2 ] }", "{\"a\":[1,2]}"},
            {"null", "null"},
            {"false", "false"},
            {"[]", "[]"},
            {"-7", "-7"},
            {"\"caf\\u00e9 \\ud83d\\ude00\"", "\"café 😀\""},
        };
        for (String[] c : cases) {
            Request.Publish p = (Request.Publish) decode("{\"type\":\"publish\",\"topic\":\"t\",\"data\":" + c[0] + "}");
            assertThat(p.json()).as(c[0]).isEqualTo(c[1]);
        }
    }

    /** Found while writing these tests: as a double, 1e400 was relayed as Infinity (not JSON), decimals rounded. */
    @Test
    void publishNumbersAreRelayedExactlyAndAsJson() throws Exception {
        String[][] cases = {
            {"1e400", "1E+400"},
            {"[-1e400]", "[-1E+400]"},
            {"0.1000000000000000000001", "0.1000000000000000000001"},
            {"123456789012345678901234567890", "123456789012345678901234567890"},
        };
        for (String[] c : cases) {
            Request.Publish p = (Request.Publish) decode("{\"type\":\"publish\",\"topic\":\"t\",\"data\":" + c[0] + "}");
            assertThat(p.json()).as(c[0]).isEqualTo(c[1]);
            assertThat(new String(publication(p).wire(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"type\":\"pub\",\"topic\":\"t\",\"epoch\":\"e\",\"offset\":1,\"data\":" + c[1] + "}");
        }
    }

    @Test
    void publishNumberWhoseExponentOverflowsIsNotJsonWeAccept() {
        refused("{\"type\":\"publish\",\"id\":9,\"topic\":\"t\",\"data\":1e9999999999}",
                "not valid JSON: a number is out of range", 0);
    }

    /** Found while writing these tests: "\ud800" decoded, then Publication.wire() threw on the delivery path. */
    @Test
    void publishDataWithAnUnpairedSurrogateIsRefused() {
        String message = "field 'data' contains an unpaired surrogate (no UTF-8 form)";
        refused("{\"type\":\"publish\",\"id\":6,\"topic\":\"t\",\"data\":\"\\ud800\"}", message, 6);
        refused("{\"type\":\"publish\",\"id\":6,\"topic\":\"t\",\"data\":[\"x\\udc00y\"]}", message, 6);
        refused("{\"type\":\"publish\",\"id\":6,\"topic\":\"t\",\"data\":{\"\\ude00\":1}}", message, 6);
    }

    @Test
    void presence() throws Exception {
        assertThat(decode("{\"type\":\"presence\",\"id\":6,\"topic\":\"chat.lobby\"}"))
                .isEqualTo(new Request.Presence(6, "chat.lobby"));
    }

    @Test
    void historyWithLimitAndWithSince() throws Exception {
        assertThat(decode("{\"type\":\"history\",\"id\":7,\"topic\":\"chat.lobby\",\"limit\":2}"))
                .isEqualTo(new Request.History(7, "chat.lobby", null, 2));
        assertThat(decode("{\"type\":\"history\",\"id\":8,\"topic\":\"chat.lobby\",\"since\":{\"epoch\":\"3k9x0a1b2c3d\","
                + "\"offset\":44},\"limit\":0}"))
                .isEqualTo(new Request.History(8, "chat.lobby", new StreamPosition("3k9x0a1b2c3d", 44), 0));
        assertThat(decode("{\"type\":\"history\",\"topic\":\"chat.lobby\"}"))
                .isEqualTo(new Request.History(0, "chat.lobby", null, -1));
    }

    @Test
    void refresh() throws Exception {
        assertThat(decode("{\"type\":\"refresh\",\"id\":9,\"token\":\"eyJhbGciOi...\"}"))
                .isEqualTo(new Request.Refresh(9, "eyJhbGciOi..."));
        String longest = "t".repeat(8192);
        assertThat(decode("{\"type\":\"refresh\",\"token\":\"" + longest + "\"}")).isEqualTo(new Request.Refresh(0, longest));
    }

    @Test
    void ping() throws Exception {
        assertThat(decode("{\"type\":\"ping\",\"id\":10}")).isEqualTo(new Request.Ping(10));
        assertThat(decode("{\"id\":9007199254740991,\"type\":\"ping\"}")).isEqualTo(new Request.Ping((1L << 53) - 1));
        assertThat(decode("{\"type\":\"ping\"}\n")).isEqualTo(new Request.Ping(0));
    }

    // ---- refusals

    @Test
    void notJson() {
        refusedAsJson("hello", "not valid JSON at line 1, column 6: Unrecognized token 'hello'");
        refusedAsJson("{\"type\":\"ping\"", "not valid JSON at line 1, column 15: Unexpected end-of-input: expected close marker for Object");
        assertThat(refusal("{\"type\":\"ping\"").getMessage()).doesNotContain("Source");
        refusedAsJson("{'type':'ping'}", "not valid JSON at line 1, column 2: Unexpected character");
    }

    /** Found while writing these tests: whatever followed the first value was silently dropped. */
    @Test
    void anythingAfterTheMessageIsRefused() {
        refusedAsJson("{\"type\":\"ping\",\"id\":1}{\"type\":\"ping\",\"id\":2}",
                "not valid JSON at line 1, column 23: more than one JSON value (separate messages with a line feed)", 1);
        refusedAsJson("{\"type\":\"ping\",\"id\":1} x", "not valid JSON at line 1, column 25: Unrecognized token 'x'", 1);
    }

    @Test
    void notAnObject() {
        for (String s : new String[] {"", "  ", "[]", "[{\"type\":\"ping\"}]", "\"ping\"", "1", "null", "true"}) {
            refused(s, "a message must be a JSON object", 0);
        }
    }

    @Test
    void typeMissingOrNotAString() {
        refused("{\"id\":5}", "field 'type' must be a string", 5);
        refused("{\"type\":1,\"id\":5}", "field 'type' must be a string", 5);
        refused("{\"type\":null}", "field 'type' must be a string", 0);
        refused("{\"type\":[\"ping\"],\"id\":5}", "field 'type' must be a string", 5);
    }

    @Test
    void unknownType() {
        refused("{\"type\":\"Ping\",\"id\":5}", "unknown type 'Ping'", 5);
        refused("{\"type\":\"\"}", "unknown type ''", 0);
        refused("{\"type\":\"" + "x".repeat(41) + "\",\"id\":1}", "unknown type '" + "x".repeat(40) + "...'", 1);
    }

    @Test
    void unknownFieldPerType() {
        String[][] cases = {
            {"subscribe", "\"topic\":\"t\",\"data\":1", "data"},
            {"unsubscribe", "\"topic\":\"t\",\"recover\":null", "recover"},
            {"publish", "\"topic\":\"t\",\"data\":1,\"info\":{}", "info"},
            {"presence", "\"topic\":\"t\",\"limit\":1", "limit"},
            {"history", "\"topic\":\"t\",\"key\":\"k\"", "key"},
            {"refresh", "\"token\":\"x\",\"topic\":\"t\"", "topic"},
            {"ping", "\"Id\":1", "Id"},
        };
        for (String[] c : cases) {
            refused("{\"type\":\"" + c[0] + "\",\"id\":11," + c[1] + "}", "unknown field '" + c[2] + "' in " + c[0], 11);
        }
    }

    @Test
    void duplicateKey() {
        // The id is still found and answered when only a repeated key is wrong (the last value, as most readers do).
        refusedAsJson("{\"type\":\"ping\",\"id\":1,\"id\":2}", "not valid JSON at line 1, column 27: Duplicate field 'id'", 2);
        refusedAsJson("{\"type\":\"publish\",\"id\":7,\"topic\":\"t\",\"data\":{\"a\":1,\"a\":2}}",
                "not valid JSON at line 1, column 55: Duplicate field 'a'", 7);
    }

    /** The id of a request refused for rate before decoding: only a valid top-level id counts. */
    @Test
    void peekIdFindsOnlyTheTopLevelId() {
        assertThat(RequestDecoder.peekId("{\"type\":\"ping\",\"id\":5}")).isEqualTo(5);
        assertThat(RequestDecoder.peekId("{\"data\":{\"id\":9,\"a\":[{\"id\":8}]},\"id\":3}")).isEqualTo(3);
        assertThat(RequestDecoder.peekId("{\"data\":{\"id\":9}}")).isZero();
        assertThat(RequestDecoder.peekId("{\"type\":\"ping\",\"id\":7,\"x\": oops}")).isEqualTo(7);
        // The id counts only when the token after it reads: these numbers are not what the client sent.
        assertThat(RequestDecoder.peekId("{\"type\":\"ping\",\"id\":7, oops}")).isEqualTo(7);
        for (String cut : new String[] {"{\"id\":12abc,\"type\":\"ping\"}", "{\"id\":5 6}", "{\"id\":123_456}"}) {
            assertThat(RequestDecoder.peekId(cut)).as(cut).isZero();
        }
        // A text that just ends may have been cut inside its id.
        assertThat(RequestDecoder.peekId("{\"type\":\"ping\",\"id\":7,")).isZero();
        assertThat(RequestDecoder.peekId("{\"id\":1,\"type\":\"ping\",\"id\":2}")).isEqualTo(2);
        for (String bad : new String[] {"{\"id\":\"5\"}", "{\"id\":0}", "{\"id\":-2}", "{\"id\":1e3}", "{\"id\":1.5}",
                "{\"id\":9007199254740992}", "{\"id\":184467440737095516160}", "{\"id\":null}", "not json", "", "[1]",
                "\"id\": 5"}) {
            assertThat(RequestDecoder.peekId(bad)).as(bad).isZero();
        }
    }

    @Test
    void badId() {
        for (String id : new String[] {"0", "-1", "9007199254740992", "18446744073709551616", "1.5", "1.0", "1e3",
                "\"1\"", "true"}) {
            refused("{\"type\":\"ping\",\"id\":" + id + "}", ID_RANGE, 0);
        }
    }

    @Test
    void badTopic() {
        String ping = "{\"type\":\"subscribe\",\"id\":12,\"topic\":";
        refused(ping + "\"\"}", "topic must be a non-empty string", 12);
        refused(ping + "\"" + "a".repeat(201) + "\"}", "topic is longer than 200 characters", 12);
        refused(ping + "\"chat.*\"}", TOPIC_CHARS + "5", 12);
        refused(ping + "\"user.{sub}\"}", TOPIC_CHARS + "5", 12);
        refused(ping + "\"a}\"}", TOPIC_CHARS + "1", 12);
        refused(ping + "\"chat lobby\"}", TOPIC_CHARS + "4", 12);
        refused(ping + "\"caf\u00e9\"}", TOPIC_CHARS + "3", 12);
        refused(ping + "\"a\\u0000\"}", TOPIC_CHARS + "1", 12);
        refused(ping + "7}", "field 'topic' must be a string", 12);
        refused("{\"type\":\"presence\",\"id\":12}", "field 'topic' must be a string", 12);
    }

    @Test
    void topicOfTheLongestLengthAndEveryAllowedCharacter() throws Exception {
        String every = "AZaz09_-.:@/=+~";
        String longest = "a".repeat(200);
        assertThat(decode("{\"type\":\"presence\",\"topic\":\"" + every + "\"}")).isEqualTo(new Request.Presence(0, every));
        assertThat(decode("{\"type\":\"presence\",\"topic\":\"" + longest + "\"}")).isEqualTo(new Request.Presence(0, longest));
    }

    @Test
    void malformedRecoverAndSince() {
        String[] positions = {
            "{\"offset\":1}",
            "{\"epoch\":\"e\"}",
            "{\"epoch\":\"e\",\"offset\":-1}",
            "{\"epoch\":\"e\",\"offset\":1.5}",
            "{\"epoch\":\"e\",\"offset\":\"1\"}",
            "{\"epoch\":\"e\",\"offset\":18446744073709551616}",
            "{\"epoch\":1,\"offset\":1}",
            "{\"epoch\":\"e\",\"offset\":1,\"extra\":0}",
            "{\"epoch\":\"e\",\"extra\":0}",
            "{\"epoch\":\"" + "e".repeat(65) + "\",\"offset\":1}",
            "[\"e\",1]",
            "\"e:1\"",
        };
        for (String p : positions) {
            refused("{\"type\":\"subscribe\",\"id\":13,\"topic\":\"t\",\"recover\":" + p + "}", RECOVER, 13);
            refused("{\"type\":\"history\",\"id\":14,\"topic\":\"t\",\"since\":" + p + "}", SINCE, 14);
        }
    }

    @Test
    void epochOfSixtyFourCharactersIsAccepted() throws Exception {
        String epoch = "e".repeat(64);
        assertThat(decode("{\"type\":\"history\",\"topic\":\"t\",\"since\":{\"offset\":0,\"epoch\":\"" + epoch + "\"}}"))
                .isEqualTo(new Request.History(0, "t", new StreamPosition(epoch, 0), -1));
    }

    @Test
    void badLimit() {
        for (String l : new String[] {"-1", "1.5", "2.0", "\"3\"", "2147483648", "true"}) {
            refused("{\"type\":\"history\",\"id\":15,\"topic\":\"t\",\"limit\":" + l + "}", LIMIT, 15);
        }
    }

    /** An optional field given as null counts as absent, for every optional field alike. */
    @Test
    void nullOptionalFieldsAreAbsent() throws Exception {
        assertThat(new RequestDecoder(200).decode("{\"type\":\"history\",\"topic\":\"t\",\"limit\":null,\"since\":null}"))
                .isEqualTo(new Request.History(0, "t", null, -1));
        assertThat(new RequestDecoder(200).decode(
                "{\"type\":\"subscribe\",\"topic\":\"t\",\"recover\":null,\"join_leave\":null,\"info\":null}"))
                .isEqualTo(new Request.Subscribe(0, "t", null, false, null));
        Request.Publish p = (Request.Publish) new RequestDecoder(200).decode(
                "{\"type\":\"publish\",\"topic\":\"t\",\"data\":null,\"key\":null,\"exclude_self\":null}");
        assertThat(p.json()).isEqualTo("null");
        assertThat(p.key()).isNull();
        assertThat(p.excludeSelf()).isFalse();
        // "id": null is no id: the request gets no ack, like one without the field.
        assertThat(new RequestDecoder(200).decode("{\"type\":\"ping\",\"id\":null}")).isEqualTo(new Request.Ping(0));
    }

    @Test
    void badKey() throws Exception {
        String publish = "{\"type\":\"publish\",\"id\":16,\"topic\":\"t\",\"data\":1,\"key\":";
        refused(publish + "\"\"}", KEY, 16);
        refused(publish + "\"" + "k".repeat(129) + "\"}", KEY, 16);
        refused(publish + "17}", KEY, 16);
        refused(publish + "[\"k\"]}", KEY, 16);
        Request.Publish p = (Request.Publish) decode(publish + "\"" + "k".repeat(128) + "\"}");
        assertThat(p.key()).isEqualTo("k".repeat(128));
    }

    @Test
    void badBooleans() {
        refused("{\"type\":\"publish\",\"id\":17,\"topic\":\"t\",\"data\":1,\"exclude_self\":1}",
                "field 'exclude_self' must be true or false", 17);
        refused("{\"type\":\"subscribe\",\"id\":17,\"topic\":\"t\",\"join_leave\":\"true\"}",
                "field 'join_leave' must be true or false", 17);
    }

    @Test
    void badToken() {
        refused("{\"type\":\"refresh\",\"id\":18,\"token\":\"\"}", TOKEN, 18);
        refused("{\"type\":\"refresh\",\"id\":18,\"token\":\"" + "t".repeat(8193) + "\"}", TOKEN, 18);
        refused("{\"type\":\"refresh\",\"id\":18}", TOKEN, 18);
        refused("{\"type\":\"refresh\",\"id\":18,\"token\":42}", TOKEN, 18);
    }

    @Test
    void dataMissing() {
        refused("{\"type\":\"publish\",\"id\":19,\"topic\":\"t\"}", "field 'data' is required", 19);
    }

    @Test
    void nestingDeeperThanSixtyFour() throws Exception {
        // The message object is level 1, so data may hold 63 more.
        String ok = "[".repeat(63) + "]".repeat(63);
        Request.Publish p = (Request.Publish) decode("{\"type\":\"publish\",\"topic\":\"t\",\"data\":" + ok + "}");
        assertThat(p.json()).isEqualTo(ok);
        String deep = "[".repeat(64) + "]".repeat(64);
        // Valid JSON, refused for its depth alone: a precise message, and the id wherever it stands.
        refused("{\"type\":\"publish\",\"id\":20,\"topic\":\"t\",\"data\":" + deep + "}",
                "nested deeper than 64 levels", 20);
        refused("{\"type\":\"publish\",\"topic\":\"t\",\"data\":" + deep + ",\"id\":22}",
                "nested deeper than 64 levels", 22);
        // The scan for the id goes no deeper than 1,000 levels: an id behind deeper data is not found.
        String abyss = "[".repeat(1001) + "]".repeat(1001);
        refused("{\"type\":\"publish\",\"id\":23,\"topic\":\"t\",\"data\":" + abyss + "}",
                "nested deeper than 64 levels", 23);
        refused("{\"type\":\"publish\",\"topic\":\"t\",\"data\":" + abyss + ",\"id\":24}",
                "nested deeper than 64 levels", 0);
    }

    @Test
    void anIdBeforeThePointWhereAMessageStopsBeingJsonIsFound() {
        refusedAsJson("{\"type\":\"ping\",\"id\":16,\"x\": oops}", "not valid JSON at line 1", 16);
        refusedAsJson("{\"type\":\"ping\",\"id\":16, oops}", "not valid JSON at line 1, column 25", 16);
        refusedAsJson("{\"type\":\"ping\",\"id\":16x}", "not valid JSON at line 1", 0);
        refusedAsJson("{\"type\":\"ping\", oops, \"id\":16}", "not valid JSON at line 1, column 1", 0);
        refusedAsJson("{\"type\":\"ping\",\"data\":{\"id\":3}, oops}", "not valid JSON at line 1", 0);
        // A message that just ends may have been cut inside its id: 1 could have been 12.
        refusedAsJson("{\"type\":\"ping\",\"id\":1", "not valid JSON at line 1", 0);
        refusedAsJson("{\"type\":\"ping\",\"id\":1,", "not valid JSON at line 1", 0);
    }

    @Test
    void idIsRecoveredOnlyWhenValid() {
        refused("{\"type\":\"publish\",\"id\":21,\"topic\":\"\",\"data\":1}", "topic must be a non-empty string", 21);
        refused("{\"type\":\"publish\",\"id\":0,\"topic\":\"\",\"data\":1}", ID_RANGE, 0);
    }

    // ---- binary publish frames, as hex

    private static ByteBuffer hex(String spaced) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(spaced.replace(" ", "")));
    }

    private static Request.Publish decodeBinary(String hex) throws ProtocolException {
        return DECODER.decodeBinary(hex(hex));
    }

    private static void binaryRefused(String hex, String message, long id) {
        ProtocolException e = refusal(() -> DECODER.decodeBinary(hex(hex)), hex);
        assertThat(e.getMessage()).isEqualTo(message);
        assertThat(e.id()).isEqualTo(id);
    }

    private static void assertPublish(Request.Publish p, long id, String topic, String key, boolean excludeSelf) {
        assertThat(p.id()).isEqualTo(id);
        assertThat(p.topic()).isEqualTo(topic);
        assertThat(p.key()).isEqualTo(key);
        assertThat(p.excludeSelf()).isEqualTo(excludeSelf);
    }

    private static Publication publication(Request.Publish p) {
        return new Publication(p.topic(), "e", 1, p.json(), p.binary(), null, 0, null);
    }

    @Test
    void binaryExampleOfTheProtocolDocument() throws Exception {
        // publish 01 02 03 to "game" with id 12 and no key
        String frame = "02 00 0000000c 04 67616d65 00 010203";
        Request.Publish p = decodeBinary(frame);
        assertPublish(p, 12, "game", null, false);
        assertThat(p.binary()).containsExactly(1, 2, 3);
        assertThat(p.json()).isNull();
        assertThat(BinaryFrames.publish(12, "game", null, false, new byte[] {1, 2, 3})).isEqualTo(hex(frame).array());
    }

    @Test
    void binaryWithKeyAndExcludeSelf() throws Exception {
        // flags 01, id 0xfffffffe, topic "a.b", key "k-1", data "hi"
        String frame = "02 01 fffffffe 03 612e62 03 6b2d31 6869";
        Request.Publish p = decodeBinary(frame);
        assertPublish(p, 0xfffffffeL, "a.b", "k-1", true);
        assertThat(p.binary()).containsExactly('h', 'i');
        assertThat(BinaryFrames.publish(0xfffffffeL, "a.b", "k-1", true, "hi".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(hex(frame).array());
    }

    @Test
    void binaryWithNoDataIdZeroAndAMultiByteKey() throws Exception {
        // key "é" is c3 a9
        Request.Publish p = decodeBinary("02 00 00000000 01 74 02 c3a9");
        assertPublish(p, 0, "t", "é", false);
        assertThat(p.binary()).isEmpty();
    }

    @Test
    void binaryTooShort() {
        binaryRefused("", SHORT, 0);
        binaryRefused("02 00 0000", SHORT, 0);
        // Six bytes hold the id: docs/protocol.md wants it back.
        binaryRefused("02 00 0000000c", SHORT, 12);
        binaryRefused("02 00 0000000c 01", SHORT, 12);
    }

    @Test
    void binaryWrongKind() {
        binaryRefused("01 00 0000000c 04 67616d65 00 010203", "unknown binary frame kind 0x1 (0x02 is publish)", 0);
        binaryRefused("ff", "unknown binary frame kind 0xff (0x02 is publish)", 0);
        binaryRefused("7b 22 74 79 70 65 22 3a", "unknown binary frame kind 0x7b (0x02 is publish)", 0);
    }

    @Test
    void binaryUnknownFlags() {
        binaryRefused("02 02 0000000c 01 74 00", "unknown flag bits 0x2", 12);
        binaryRefused("02 81 0000000c 01 74 00", "unknown flag bits 0x81", 12);
    }

    @Test
    void binaryTruncatedTopic() {
        binaryRefused("02 00 0000000c 05 67616d65", "binary frame ends inside its topic", 12);
        binaryRefused("02 00 0000000c ff 67616d65 00", "binary frame ends inside its topic", 12);
    }

    @Test
    void binaryNoKeyLength() {
        binaryRefused("02 00 0000000c 02 6162", "binary frame ends before its key length", 12);
    }

    @Test
    void binaryTruncatedKey() {
        binaryRefused("02 00 0000000c 01 74 04 6b6b6b", "binary frame ends inside its key", 12);
    }

    /** Found while writing these tests: a binary key was only bounded by its 255-byte length field. */
    @Test
    void binaryKeyOverTheLimit() throws Exception {
        byte[] ok = BinaryFrames.publish(12, "t", "k".repeat(128), false, new byte[0]);
        assertThat(DECODER.decodeBinary(ByteBuffer.wrap(ok)).key()).isEqualTo("k".repeat(128));
        byte[] over = BinaryFrames.publish(12, "t", "k".repeat(129), false, new byte[0]);
        ProtocolException e = refusal(() -> DECODER.decodeBinary(ByteBuffer.wrap(over)), "a key of 129 bytes");
        assertThat(e.getMessage()).isEqualTo("binary frame's key is longer than 128 characters");
        assertThat(e.id()).isEqualTo(12);
    }

    @Test
    void binaryInvalidUtf8() {
        String message = "binary frame's topic is not valid UTF-8";
        binaryRefused("02 00 0000000c 01 ff 00", message, 12);
        binaryRefused("02 00 0000000c 02 c0af 00", message, 12); // overlong '/'
        binaryRefused("02 00 0000000c 03 eda080 00", message, 12); // a UTF-8-encoded surrogate
        binaryRefused("02 00 0000000c 01 74 01 80", "binary frame's key is not valid UTF-8", 12);
    }

    @Test
    void binaryBadTopic() {
        binaryRefused("02 00 0000000c 00 00", "topic must be a non-empty string", 12);
        binaryRefused("02 00 0000000c 03 612a62 00", TOPIC_CHARS + "1", 12); // a*b
        binaryRefused("02 00 0000000c 03 617b62 00", TOPIC_CHARS + "1", 12); // a{b
        binaryRefused("02 00 0000000c 03 612062 00", TOPIC_CHARS + "1", 12); // a b
        binaryRefused("02 00 0000000c 02 c3a9 00", TOPIC_CHARS + "0", 12); // é
        String tooLong = "02 00 0000000c c9 " + "61".repeat(201) + " 00";
        binaryRefused(tooLong, "topic is longer than 200 characters", 12);
    }

    @Test
    void binaryFrameIsConsumed() throws Exception {
        ByteBuffer frame = hex("02 00 0000000c 01 74 00 0102");
        DECODER.decodeBinary(frame);
        assertThat(frame.hasRemaining()).isFalse();
    }

    // ---- the error reply a refusal becomes

    @Test
    void refusalAsErrorReply() {
        ProtocolException e = refusal("{\"type\":\"history\",\"id\":15,\"topic\":\"t\",\"limit\":-1}");
        assertThat(new String(Replies.error(e.id(), e.code(), e.getMessage(), 0), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"error\",\"id\":15,\"code\":\"bad_request\",\"message\":\"" + LIMIT + "\"}");
        assertThat(new String(Replies.error(0, ErrorCode.RATE_LIMITED, "slow down", 12), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"slow down\",\"retry_after_ms\":12}");
    }
}
