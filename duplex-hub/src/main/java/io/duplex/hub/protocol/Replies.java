package io.duplex.hub.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.Member;
import io.duplex.hub.Publication;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * Builds the server's own messages (docs/protocol.md, "Server to client") as UTF-8 JSON, one line each.
 * Publications are not built here: {@link Publication#wire()} encodes each once for everyone.
 */
public final class Replies {
    private Replies() {}

    public static ObjectNode ack(long id) {
        ObjectNode n = Json.NODES.objectNode();
        n.put("type", "ack");
        n.put("id", id);
        return n;
    }

    public static byte[] error(long id, ErrorCode code, String message, long retryAfterMillis) {
        ObjectNode n = Json.NODES.objectNode();
        n.put("type", "error");
        if (id > 0) {
            n.put("id", id);
        }
        n.put("code", code.wire());
        n.put("message", message);
        if (retryAfterMillis > 0) {
            n.put("retry_after_ms", retryAfterMillis);
        }
        return bytes(n);
    }

    public static ObjectNode member(Member m) {
        ObjectNode n = Json.NODES.objectNode();
        n.put("client", m.client());
        if (m.user() != null) {
            n.put("user", m.user());
        }
        if (m.userInfo() != null) {
            n.set("user_info", m.userInfo());
        }
        if (m.info() != null) {
            n.set("info", m.info());
        }
        return n;
    }

    /** A {@code join} or {@code leave} event. */
    public static byte[] presenceEvent(String type, String topic, Member m) {
        ObjectNode n = Json.NODES.objectNode();
        n.put("type", type);
        n.put("topic", topic);
        n.set("member", member(m));
        return bytes(n);
    }

    /** A publication as an element of a {@code history} answer: its delivery form, binary data in base64. */
    public static JsonNode publication(Publication p) {
        ObjectNode n = Json.NODES.objectNode();
        n.put("type", "pub");
        n.put("topic", p.topic());
        n.put("epoch", p.epoch());
        n.put("offset", p.offset());
        if (p.user() != null) {
            n.put("user", p.user());
        }
        if (p.isBinary()) {
            byte[] b = new byte[p.binary().remaining()];
            p.binary().get(b);
            n.put("binary", Base64.getEncoder().encodeToString(b));
        } else {
            try {
                n.set("data", Json.MAPPER.readTree(p.json()));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return n;
    }

    public static ArrayNode array() {
        return Json.NODES.arrayNode();
    }

    public static ObjectNode object(String type) {
        ObjectNode n = Json.NODES.objectNode();
        n.put("type", type);
        return n;
    }

    public static byte[] bytes(JsonNode n) {
        try {
            return Json.MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
