package io.duplex.hub.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The one Jackson setup of the hub. Strict reading: a duplicate key is an error (two parsers could otherwise
 * disagree on what a message says), nesting is bounded at 64 levels, and anything after the value is an error
 * (a client that forgot the line feed between two requests must hear about it, not lose the second one).
 * Numbers with a fraction or an exponent are read as BigDecimal: as doubles, {@code 1e400} would come back out
 * as {@code Infinity}, which is not JSON, and {@code 0.1000000000000000000001} as {@code 0.1}; data is relayed
 * as the client wrote it, not rounded. Reading such a number can throw NumberFormatException when its exponent
 * does not fit in an int. Thread-safe.
 */
public final class Json {
    private Json() {}

    /** How deep a request's JSON may nest (objects and arrays, the message itself being the first level). */
    public static final int MAX_NESTING = 64;

    public static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build();

    public static final ObjectMapper MAPPER = new ObjectMapper(FACTORY)
            .configure(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION, false)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * Only to find a refused message's top-level id by a streaming scan: deeper nesting than a request may have is
     * skipped over (not built into a tree), up to a bound that keeps the scan's own state small.
     */
    static final JsonFactory SCAN = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build()).build();

    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;
}
