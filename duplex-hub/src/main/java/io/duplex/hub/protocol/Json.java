package io.duplex.hub.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The one Jackson setup of the hub. Strict reading: a duplicate key is an error (two parsers could otherwise
 * disagree on what a message says), nesting is bounded at 64 levels. Thread-safe.
 */
public final class Json {
    private Json() {}

    public static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    public static final ObjectMapper MAPPER = new ObjectMapper(FACTORY)
            .configure(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION, false);

    /** Without duplicate detection: only to find the id of a message refused for a repeated key. */
    static final ObjectMapper LENIENT = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build());

    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;
}
