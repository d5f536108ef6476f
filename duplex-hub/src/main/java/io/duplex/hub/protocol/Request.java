package io.duplex.hub.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.duplex.hub.StreamPosition;

/**
 * A decoded client request (docs/protocol.md, "Client to server"). Values only; {@code id} is 0 when the client
 * asked for no answer.
 */
public sealed interface Request {
    long id();

    /** @param recover the position to resume from, or null; @param info presence info, or null */
    record Subscribe(long id, String topic, StreamPosition recover, boolean joinLeave, JsonNode info)
            implements Request {}

    record Unsubscribe(long id, String topic) implements Request {}

    /**
     * Exactly one of {@code json} (compact JSON text) and {@code binary} is set.
     *
     * @param key the client's idempotency key, or null
     */
    record Publish(long id, String topic, String json, byte[] binary, String key, boolean excludeSelf)
            implements Request {}

    record Presence(long id, String topic) implements Request {}

    /** @param since read after this position, or null for the newest; @param limit -1 for as many as held */
    record History(long id, String topic, StreamPosition since, int limit) implements Request {}

    record Refresh(long id, String token) implements Request {}

    record Ping(long id) implements Request {}
}
