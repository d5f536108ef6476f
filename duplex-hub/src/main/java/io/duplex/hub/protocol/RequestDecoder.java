package io.duplex.hub.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.duplex.hub.StreamPosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;

/**
 * Turns one client message into a {@link Request}, or a {@link ProtocolException} that says exactly what is
 * wrong. Strict: unknown types and unknown fields are refused, so a typo in a client is found at once instead of
 * being silently ignored. Stateless and thread-safe.
 */
public final class RequestDecoder {
    /** Largest id: JavaScript's Number.MAX_SAFE_INTEGER, so every client can hold it exactly. */
    public static final long MAX_ID = (1L << 53) - 1;
    public static final int MAX_KEY_LENGTH = 128;
    public static final int MAX_TOKEN_LENGTH = 8192;

    private static final Set<String> SUBSCRIBE = Set.of("type", "id", "topic", "recover", "join_leave", "info");
    private static final Set<String> TOPIC_ONLY = Set.of("type", "id", "topic");
    private static final Set<String> PUBLISH = Set.of("type", "id", "topic", "data", "key", "exclude_self");
    private static final Set<String> HISTORY = Set.of("type", "id", "topic", "since", "limit");
    private static final Set<String> REFRESH = Set.of("type", "id", "token");
    private static final Set<String> PING = Set.of("type", "id");

    private final int maxTopicLength;

    public RequestDecoder(int maxTopicLength) {
        this.maxTopicLength = maxTopicLength;
    }

    /** Decodes one JSON message (one line of a text frame). */
    public Request decode(String text) throws ProtocolException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, describe(e), peekId(text));
        } catch (NumberFormatException e) {
            // Jackson's BigDecimal reading (see Json) refuses an exponent beyond the int range this way.
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "not valid JSON: a number is out of range", 0);
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "a message must be a JSON object", 0);
        }
        long id = id(root);
        JsonNode typeNode = root.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field 'type' must be a string", id);
        }
        String type = typeNode.asText();
        switch (type) {
            case "subscribe" -> {
                known(root, SUBSCRIBE, type, id);
                JsonNode info = root.get("info");
                return new Request.Subscribe(id, topic(root, id), position(root, "recover", id),
                        bool(root, "join_leave", id), info == null || info.isNull() ? null : info);
            }
            case "unsubscribe" -> {
                known(root, TOPIC_ONLY, type, id);
                return new Request.Unsubscribe(id, topic(root, id));
            }
            case "publish" -> {
                known(root, PUBLISH, type, id);
                String topic = topic(root, id);
                JsonNode data = root.get("data");
                if (data == null) {
                    throw new ProtocolException(ErrorCode.BAD_REQUEST, "field 'data' is required", id);
                }
                String json = data.toString();
                if (!Utf8.wellFormed(json)) {
                    // "\ud800" is valid JSON but has no UTF-8 form: encoding the pub message would fail later,
                    // on the delivery path, instead of here with an answer to the publisher.
                    throw new ProtocolException(ErrorCode.BAD_REQUEST,
                            "field 'data' contains an unpaired surrogate (no UTF-8 form)", id);
                }
                return new Request.Publish(id, topic, json, null, key(root, id), bool(root, "exclude_self", id));
            }
            case "presence" -> {
                known(root, TOPIC_ONLY, type, id);
                return new Request.Presence(id, topic(root, id));
            }
            case "history" -> {
                known(root, HISTORY, type, id);
                String topic = topic(root, id);
                int limit = -1;
                JsonNode l = root.get("limit");
                if (l != null && !l.isNull()) {
                    if (!l.canConvertToInt() || !l.isIntegralNumber() || l.intValue() < 0) {
                        throw new ProtocolException(ErrorCode.BAD_REQUEST,
                                "field 'limit' must be an integer >= 0", id);
                    }
                    limit = l.intValue();
                }
                return new Request.History(id, topic, position(root, "since", id), limit);
            }
            case "refresh" -> {
                known(root, REFRESH, type, id);
                JsonNode t = root.get("token");
                if (t == null || !t.isTextual() || t.asText().isEmpty() || t.asText().length() > MAX_TOKEN_LENGTH) {
                    throw new ProtocolException(ErrorCode.BAD_REQUEST,
                            "field 'token' must be a non-empty string of at most " + MAX_TOKEN_LENGTH + " characters",
                            id);
                }
                return new Request.Refresh(id, t.asText());
            }
            case "ping" -> {
                known(root, PING, type, id);
                return new Request.Ping(id);
            }
            default -> throw new ProtocolException(ErrorCode.BAD_REQUEST, "unknown type '" + abbreviate(type) + "'",
                    id);
        }
    }

    /**
     * Decodes a binary publish frame (docs/protocol.md, "Binary frames"): kind 0x02, flags, id (uint32), topic
     * length and topic, key length and key, then the data to the end of the frame. {@code frame} is consumed.
     */
    public Request.Publish decodeBinary(ByteBuffer frame) throws ProtocolException {
        if (!frame.hasRemaining()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "binary frame shorter than its 8-byte minimum", 0);
        }
        int kind = frame.get() & 0xff;
        if (kind != BinaryFrames.KIND_PUBLISH) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "unknown binary frame kind 0x" + Integer.toHexString(kind) + " (0x02 is publish)", 0);
        }
        // docs/protocol.md: a malformed frame is answered "with the id when the frame was long enough to hold one".
        long id = frame.remaining() >= 5 ? frame.getInt(frame.position() + 1) & 0xffffffffL : 0;
        if (frame.remaining() < 7) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "binary frame shorter than its 8-byte minimum", id);
        }
        int flags = frame.get() & 0xff;
        frame.getInt();
        if ((flags & ~BinaryFrames.FLAG_EXCLUDE_SELF) != 0) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "unknown flag bits 0x" + Integer.toHexString(flags), id);
        }
        String topic = shortString(frame, "topic", id);
        String problem = Topics.problem(topic, maxTopicLength);
        if (problem != null) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, problem, id);
        }
        if (!frame.hasRemaining()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "binary frame ends before its key length", id);
        }
        String key = shortString(frame, "key", id);
        if (key.length() > MAX_KEY_LENGTH) {
            // The length byte allows 255 bytes; the protocol allows the same 1 to 128 characters as in JSON.
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "binary frame's key is longer than " + MAX_KEY_LENGTH + " characters", id);
        }
        byte[] data = new byte[frame.remaining()];
        frame.get(data);
        return new Request.Publish(id, topic, null, data, key.isEmpty() ? null : key,
                (flags & BinaryFrames.FLAG_EXCLUDE_SELF) != 0);
    }

    private static String shortString(ByteBuffer frame, String what, long id) throws ProtocolException {
        int len = frame.get() & 0xff;
        if (frame.remaining() < len) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "binary frame ends inside its " + what, id);
        }
        byte[] b = new byte[len];
        frame.get(b);
        String s = new String(b, StandardCharsets.UTF_8);
        if (!java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), b)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "binary frame's " + what + " is not valid UTF-8", id);
        }
        return s;
    }

    /**
     * Why Jackson refused a text, for a client: "not valid JSON at line 1, column 9: ..." without the parser's
     * internal notes, or the nesting limit.
     */
    public static String describe(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.core.exc.StreamConstraintsException
                && e.getOriginalMessage().contains("nesting depth")) {
            return "nested deeper than " + Json.MAX_NESTING + " levels";
        }
        String m = e.getOriginalMessage();
        if (m.startsWith("Trailing token")) {
            m = "more than one JSON value (separate messages with a line feed)";
        }
        int cut = m.indexOf(" (start marker");
        if (cut < 0) {
            cut = m.indexOf("\n");
        }
        if (cut > 0) {
            m = m.substring(0, cut);
        }
        com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
        return at == null ? "not valid JSON: " + m
                : "not valid JSON at line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " + m;
    }

    /**
     * The id of a request refused before it decodes (for rate, or as JSON): the value of the top-level {@code "id"}
     * field when it is a valid id, else 0. A streaming scan that skips nested values, so an {@code "id"} inside
     * {@code data} is not taken for the request's; it reads up to the point where the text stops being JSON, so a
     * message refused for a repeated key (the last one wins, as a lenient reader takes it), for its nesting or for
     * a later syntax error still names its request.
     */
    public static long peekId(String line) {
        long found = 0;
        try (com.fasterxml.jackson.core.JsonParser p = Json.SCAN.createParser(line)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return 0;
            }
            com.fasterxml.jackson.core.JsonToken next = p.nextToken();
            while (next == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                if ("id".equals(name)) {
                    found = value == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                            && p.getNumberType() != com.fasterxml.jackson.core.JsonParser.NumberType.BIG_INTEGER
                            && p.getLongValue() >= 1 && p.getLongValue() <= MAX_ID
                            && endsValue(line, p.getTokenLocation().getCharOffset() + p.getTextLength())
                            ? p.getLongValue() : 0;
                }
                p.skipChildren();
                next = p.nextToken();
            }
            if (next == null) {
                // The text just ends: it may be cut short, and so may an id that was its last value.
                return 0;
            }
        } catch (JsonProcessingException e) {
            if (e instanceof com.fasterxml.jackson.core.io.JsonEOFException
                    || e.getLocation() != null && e.getLocation().getCharOffset() >= line.length()) {
                // The text just ends: it may be cut short, and so may an id that was its last value.
                return 0;
            }
            // Not JSON past this point: the id found so far, if any, is the request's.
        } catch (java.io.IOException | RuntimeException e) {
            // Not JSON past this point: the id found so far, if any, is the request's.
        }
        return found;
    }

    /**
     * Whether a value ending at {@code at} is followed (after whitespace) by a comma or a closing brace: the parser
     * hands out 12 from {@code {"id":12abc}} and fails only at what follows, and 12 is not what the client sent.
     */
    private static boolean endsValue(String line, long at) {
        for (long i = at; i < line.length(); i++) {
            char c = line.charAt((int) i);
            if (c == ',' || c == '}') {
                return true;
            }
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return false;
            }
        }
        return false;
    }

    private static long id(JsonNode root) throws ProtocolException {
        JsonNode n = root.get("id");
        if (n == null || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 1 || n.longValue() > MAX_ID) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field 'id' must be an integer from 1 to " + MAX_ID, 0);
        }
        return n.longValue();
    }

    private static void known(JsonNode root, Set<String> allowed, String type, long id) throws ProtocolException {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST,
                        "unknown field '" + abbreviate(f) + "' in " + type, id);
            }
        }
    }

    private String topic(JsonNode root, long id) throws ProtocolException {
        JsonNode t = root.get("topic");
        if (t == null || !t.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field 'topic' must be a string", id);
        }
        String problem = Topics.problem(t.asText(), maxTopicLength);
        if (problem != null) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, problem, id);
        }
        return t.asText();
    }

    private static StreamPosition position(JsonNode root, String field, long id) throws ProtocolException {
        JsonNode p = root.get(field);
        if (p == null || p.isNull()) {
            return null;
        }
        if (!p.isObject() || p.size() != 2 || !p.path("epoch").isTextual() || !p.path("offset").isIntegralNumber()
                || !p.path("offset").canConvertToLong() || p.path("offset").longValue() < 0
                || p.path("epoch").asText().length() > 64) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field '" + field
                    + "' must be {\"epoch\": string, \"offset\": integer >= 0}", id);
        }
        return new StreamPosition(p.get("epoch").asText(), p.get("offset").longValue());
    }

    private static boolean bool(JsonNode root, String field, long id) throws ProtocolException {
        JsonNode b = root.get(field);
        if (b == null || b.isNull()) {
            return false;
        }
        if (!b.isBoolean()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field '" + field + "' must be true or false", id);
        }
        return b.booleanValue();
    }

    private static String key(JsonNode root, long id) throws ProtocolException {
        JsonNode k = root.get("key");
        if (k == null || k.isNull()) {
            return null;
        }
        if (!k.isTextual() || k.asText().isEmpty() || k.asText().length() > MAX_KEY_LENGTH) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "field 'key' must be a string of 1 to " + MAX_KEY_LENGTH + " characters", id);
        }
        return k.asText();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
