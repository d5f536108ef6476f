package io.duplex.redis;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON values for test data. */
final class ProtocolJson {
    private ProtocolJson() {}

    static JsonNode node(String json) {
        return Envelopes.tree(json);
    }
}
