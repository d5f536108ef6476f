package io.duplex.hub.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.Hub;
import io.duplex.hub.StreamPosition;
import io.duplex.hub.broker.Broker;
import io.duplex.hub.broker.BrokerException;
import io.duplex.hub.broker.TopicLimitException;
import io.duplex.hub.protocol.ErrorCode;
import io.duplex.hub.protocol.Json;
import io.duplex.hub.protocol.Replies;
import io.duplex.hub.protocol.RequestDecoder;
import io.duplex.hub.protocol.Topics;
import io.duplex.hub.protocol.Utf8;
import io.duplex.net.HttpExchange;
import io.duplex.net.HttpHandler;
import io.duplex.net.WebSocketServer;
import io.duplex.protocol.handshake.HttpHeaders;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side HTTP API (docs/protocol.md, "HTTP API"): a backend publishes, reads presence and history
 * without a WebSocket. Every call needs the API key ({@code Authorization: Bearer <key>} or {@code X-API-Key});
 * without the right one it gets 401, and when no key is configured every call gets 401.
 *
 * <p>Thread-safe; handlers answer when the broker does, from whatever thread that is.
 */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final Set<String> PUBLISH_FIELDS = Set.of("topic", "data", "key");

    private final Hub hub;
    private final byte[] key;

    /** @param apiKey the key callers must present, or null to refuse every call */
    public HttpApi(Hub hub, String apiKey) {
        this.hub = hub;
        this.key = apiKey == null || apiKey.isEmpty() ? null : apiKey.getBytes(StandardCharsets.UTF_8);
    }

    /** Mounts {@code /api/publish}, {@code /api/presence} and {@code /api/history} on a server being built. */
    public WebSocketServer.Builder mount(WebSocketServer.Builder server) {
        return server.http("/api/publish", guarded(this::publish, "POST"))
                .http("/api/presence", guarded(this::presence, "GET"))
                .http("/api/history", guarded(this::history, "GET"));
    }

    private HttpHandler guarded(HttpHandler h, String method) {
        return ex -> {
            if (!authorized(ex)) {
                error(ex, 401, ErrorCode.UNAUTHORIZED, key == null
                        ? "the HTTP API is disabled: no API key is configured on the server"
                        : "missing or wrong API key (send Authorization: Bearer <key> or X-API-Key)");
                return;
            }
            String m = ex.request().method();
            if (!m.equals(method) && !(method.equals("GET") && m.equals("HEAD"))) {
                ex.respond(405, new HttpHeaders().add("Content-Type", "application/json").add("Allow", method),
                        errorBody(ErrorCode.BAD_REQUEST, "use " + method));
                return;
            }
            h.handle(ex);
        };
    }

    private boolean authorized(HttpExchange ex) {
        if (key == null) {
            return false;
        }
        String given = ex.request().headers().get("X-API-Key");
        if (given == null) {
            String auth = ex.request().headers().get("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                given = auth.substring(7).trim();
            }
        }
        return given != null && MessageDigest.isEqual(key, given.getBytes(StandardCharsets.UTF_8));
    }

    private void publish(HttpExchange ex) {
        String type = ex.request().headers().get("Content-Type");
        Map<String, String> q = query(ex);
        CompletableFuture<Broker.PublishOutcome> f;
        try {
            if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/octet-stream")) {
                String topic = topic(q.get("topic"));
                ByteBuffer body = ex.body();
                byte[] data = new byte[body.remaining()];
                body.get(data);
                checkSize(data.length);
                f = hub.publishBinary(topic, data, key(q.get("key")));
            } else {
                JsonNode root = Json.MAPPER.readTree(StandardCharsets.UTF_8.decode(ex.body()).toString());
                if (root == null || !root.isObject()) {
                    throw new BadRequest(ErrorCode.BAD_REQUEST, "the body must be a JSON object");
                }
                for (var it = root.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    if (!PUBLISH_FIELDS.contains(field)) {
                        throw new BadRequest(ErrorCode.BAD_REQUEST, "unknown field '" + field + "'");
                    }
                }
                String topic = topic(root.path("topic").isTextual() ? root.get("topic").asText() : null);
                JsonNode data = root.get("data");
                if (data == null) {
                    throw new BadRequest(ErrorCode.BAD_REQUEST, "field 'data' is required");
                }
                String json = data.toString();
                if (!Utf8.wellFormed(json)) {
                    throw new BadRequest(ErrorCode.BAD_REQUEST, "field 'data' contains an unpaired surrogate");
                }
                checkSize(Utf8.length(json));
                JsonNode k = root.get("key");
                if (k != null && !k.isNull() && !k.isTextual()) {
                    throw new BadRequest(ErrorCode.BAD_REQUEST, "field 'key' must be a string");
                }
                f = hub.publish(topic, json, key(k == null || k.isNull() ? null : k.asText()));
            }
        } catch (BadRequest e) {
            error(ex, e.code == ErrorCode.TOO_LARGE ? 413 : 400, e.code, e.getMessage());
            return;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            error(ex, 400, ErrorCode.BAD_REQUEST, "the body is refused: " + RequestDecoder.describe(e));
            return;
        } catch (NumberFormatException e) {
            error(ex, 400, ErrorCode.BAD_REQUEST, "the body is not valid JSON: a number is out of range");
            return;
        }
        f.whenComplete((o, e) -> {
            if (e != null) {
                brokerError(ex, e);
                return;
            }
            ObjectNode n = Json.NODES.objectNode();
            n.put("epoch", o.position().epoch());
            n.put("offset", o.position().offset());
            if (o.duplicate()) {
                n.put("duplicate", true);
            }
            ok(ex, n);
        });
    }

    private void presence(HttpExchange ex) throws BadRequest {
        String topic;
        try {
            topic = topic(query(ex).get("topic"));
        } catch (BadRequest e) {
            error(ex, 400, e.code, e.getMessage());
            return;
        }
        hub.broker().presence(topic).whenComplete((members, e) -> {
            if (e != null) {
                brokerError(ex, e);
            } else {
                ok(ex, Hub.presenceAnswer(Json.NODES.objectNode(), members, Integer.MAX_VALUE));
            }
        });
    }

    private void history(HttpExchange ex) {
        Map<String, String> q = query(ex);
        String topic;
        StreamPosition since = null;
        int limit = hub.config().historySize();
        try {
            topic = topic(q.get("topic"));
            if (q.containsKey("limit")) {
                limit = Math.min(limit, nonNegative(q.get("limit"), "limit"));
            }
            if (q.containsKey("epoch") != q.containsKey("offset")) {
                throw new BadRequest(ErrorCode.BAD_REQUEST, "give both epoch and offset, or neither");
            }
            if (q.containsKey("epoch")) {
                since = new StreamPosition(q.get("epoch"), nonNegative(q.get("offset"), "offset"));
            }
        } catch (BadRequest e) {
            error(ex, 400, e.code, e.getMessage());
            return;
        }
        hub.broker().history(topic, since, limit, false).whenComplete((slice, e) -> {
            if (e != null) {
                brokerError(ex, e);
            } else if (slice == null) {
                error(ex, 404, ErrorCode.NOT_FOUND, "topic " + topic + " has no history");
            } else {
                ok(ex, Hub.historyAnswer(Json.NODES.objectNode(), slice));
            }
        });
    }

    private String topic(String topic) throws BadRequest {
        String problem = Topics.problem(topic, hub.config().maxTopicLength());
        if (problem != null) {
            throw new BadRequest(ErrorCode.BAD_REQUEST, problem);
        }
        return topic;
    }

    private static String key(String k) throws BadRequest {
        if (k != null && (k.isEmpty() || k.length() > RequestDecoder.MAX_KEY_LENGTH)) {
            throw new BadRequest(ErrorCode.BAD_REQUEST,
                    "key must be a string of 1 to " + RequestDecoder.MAX_KEY_LENGTH + " characters");
        }
        return k;
    }

    private void checkSize(int size) throws BadRequest {
        if (size > hub.config().maxPublicationBytes()) {
            throw new BadRequest(ErrorCode.TOO_LARGE, "data of " + size + " bytes exceeds the limit of "
                    + hub.config().maxPublicationBytes());
        }
    }

    private static int nonNegative(String v, String name) throws BadRequest {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new BadRequest(ErrorCode.BAD_REQUEST, name + " must be an integer >= 0");
    }

    /** The query parameters, percent-decoded; the first of repeated names wins, malformed escapes are skipped. */
    static Map<String, String> query(HttpExchange ex) {
        Map<String, String> out = new HashMap<>();
        String q = ex.request().query();
        if (q == null || q.isEmpty()) {
            return out;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                // A malformed escape: the parameter is ignored, and a required one is then reported missing.
            }
        }
        return out;
    }

    private void brokerError(HttpExchange ex, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof BrokerException) {
            error(ex, 503, ErrorCode.UNAVAILABLE, cause.getMessage());
        } else if (cause instanceof TopicLimitException) {
            error(ex, 429, ErrorCode.LIMIT_EXCEEDED, cause.getMessage());
        } else {
            log.error("HTTP API call failed", cause);
            error(ex, 500, ErrorCode.INTERNAL, "internal error");
        }
    }

    private static void ok(HttpExchange ex, ObjectNode body) {
        ex.respond(200, new HttpHeaders().add("Content-Type", "application/json"), Replies.bytes(body));
    }

    private static void error(HttpExchange ex, int status, ErrorCode code, String message) {
        HttpHeaders h = new HttpHeaders().add("Content-Type", "application/json");
        if (status == 401) {
            h.add("WWW-Authenticate", "Bearer realm=\"duplex-api\"");
        }
        ex.respond(status, h, errorBody(code, message));
    }

    /** The JSON body of every HTTP error answer: {@code {"code", "message"}}. */
    static byte[] errorBody(ErrorCode code, String message) {
        ObjectNode n = Json.NODES.objectNode();
        n.put("code", code.wire());
        n.put("message", message);
        return Replies.bytes(n);
    }

    private static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        final ErrorCode code;

        BadRequest(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }
}
