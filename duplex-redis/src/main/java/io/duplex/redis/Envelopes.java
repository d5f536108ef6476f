package io.duplex.redis;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.Member;
import io.duplex.hub.Publication;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * The JSON that travels through Redis: publication envelopes (in the history stream and on the topic's
 * channel), presence members, join and leave events. Stateless and thread-safe.
 *
 * <p>A publication envelope is {@code {"type":"pub","topic":..,"user":..,"json":"<data as a JSON string>"}} or
 * with {@code "binary":"<base64>"} instead of {@code json}, then {@code "epoch"}, {@code "offset"}, {@code "time"}
 * and, on the channel only, {@code "excludedClient"}. Java writes the open prefix; the publish script, which
 * alone knows the position, closes it. The data is carried as a string so that it comes back byte for byte
 * (numbers keep their precision).
 */
final class Envelopes {
    static final ObjectMapper JSON = new ObjectMapper();

    private Envelopes() {}

    /** The envelope up to, not including, the position fields and the closing brace. */
    static String publicationPrefix(Publication p) {
        StringWriter out = new StringWriter(p.dataLength() + 64);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "pub");
            g.writeStringField("topic", p.topic());
            if (p.user() != null) {
                g.writeStringField("user", p.user());
            }
            if (p.isBinary()) {
                ByteBuffer b = p.binary();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                g.writeStringField("binary", Base64.getEncoder().encodeToString(bytes));
            } else {
                g.writeStringField("json", p.json());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String closed = out.toString();
        return closed.substring(0, closed.length() - 1);
    }

    /** A JSON string literal. */
    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Publication publication(JsonNode n) {
        JsonNode json = n.get("json");
        JsonNode binary = n.get("binary");
        return new Publication(n.get("topic").asText(), n.get("epoch").asText(), n.get("offset").asLong(),
                json == null ? null : json.asText(),
                binary == null ? null : Base64.getDecoder().decode(binary.asText()),
                text(n, "user"), n.get("time").asLong(), text(n, "excludedClient"));
    }

    static Publication publication(String envelope) {
        return publication(tree(envelope));
    }

    static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String member(Member m) {
        ObjectNode n = JSON.createObjectNode();
        n.put("client", m.client());
        if (m.user() != null) {
            n.put("user", m.user());
        }
        if (m.userInfo() != null) {
            n.set("userInfo", m.userInfo());
        }
        if (m.info() != null) {
            n.set("info", m.info());
        }
        return n.toString();
    }

    static Member member(JsonNode n) {
        return new Member(n.get("client").asText(), text(n, "user"), node(n, "userInfo"), node(n, "info"));
    }

    /** {@code {"type":"join"|"leave","topic":..,"member":} — open: the member JSON and '}' follow. */
    static String eventPrefix(String type, String topic) {
        return "{\"type\":\"" + type + "\",\"topic\":" + quote(topic) + ",\"member\":";
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static JsonNode node(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v;
    }
}
