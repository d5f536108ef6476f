package io.duplex.hub;

import com.fasterxml.jackson.core.JsonGenerator;
import io.duplex.hub.protocol.BinaryFrames;
import io.duplex.hub.protocol.Json;
import io.duplex.net.PreparedMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * One message published to a topic, with the position the broker gave it. Its wire forms (the JSON line of a
 * {@code pub} message, the binary frame of a binary publication, the WebSocket frame around either) are built
 * once, on first use, and shared by every subscriber and by history replays: broadcast costs one encoding.
 *
 * <p>Thread-safety: immutable apart from those caches, which are safe to build from several threads (the
 * worst case is building one twice).
 */
public final class Publication implements SharedFrame {
    private final String topic;
    private final String epoch;
    private final long offset;
    private final String json;
    private final byte[] binary;
    private final String user;
    private final long timeMillis;
    private final String excludedClient;

    private volatile byte[] wire;
    private volatile PreparedMessage prepared;

    /**
     * @param json the data as compact JSON text, or null for a binary publication
     * @param binary the data of a binary publication, or null; not copied, never modified
     * @param user the publisher's user id, or null (anonymous, or published by the server)
     * @param excludedClient a client that must not receive the live delivery (its own publication), or null
     */
    public Publication(String topic, String epoch, long offset, String json, byte[] binary, String user,
                       long timeMillis, String excludedClient) {
        if ((json == null) == (binary == null)) {
            throw new IllegalArgumentException("exactly one of json and binary is required");
        }
        this.topic = topic;
        this.epoch = epoch;
        this.offset = offset;
        this.json = json;
        this.binary = binary;
        this.user = user;
        this.timeMillis = timeMillis;
        this.excludedClient = excludedClient;
    }

    public String topic() {
        return topic;
    }

    public String epoch() {
        return epoch;
    }

    public long offset() {
        return offset;
    }

    public StreamPosition position() {
        return new StreamPosition(epoch, offset);
    }

    @Override
    public boolean isBinary() {
        return binary != null;
    }

    /** The data as JSON text; null for a binary publication. */
    public String json() {
        return json;
    }

    /** A read-only view of a binary publication's data; null for JSON. */
    public ByteBuffer binary() {
        return binary == null ? null : ByteBuffer.wrap(binary).asReadOnlyBuffer();
    }

    public int dataLength() {
        return binary != null ? binary.length : json.length();
    }

    public String user() {
        return user;
    }

    public long timeMillis() {
        return timeMillis;
    }

    public String excludedClient() {
        return excludedClient;
    }

    /** This publication's data and publisher at a position the broker assigned. */
    public Publication at(String epoch, long offset, long timeMillis) {
        return new Publication(topic, epoch, offset, json, binary, user, timeMillis, excludedClient);
    }

    /** The same publication without the exclusion, as history keeps it. */
    public Publication withoutExclusion() {
        return excludedClient == null ? this
                : new Publication(topic, epoch, offset, json, binary, user, timeMillis, null);
    }

    /**
     * The wire form: for JSON data the UTF-8 of the {@code pub} message (one line, no newline); for binary data
     * the binary frame payload of docs/protocol.md. Shared: never modify it.
     */
    @Override
    public byte[] wire() {
        byte[] w = wire;
        if (w == null) {
            w = binary != null ? BinaryFrames.publication(this) : encodeJson();
            wire = w;
        }
        return w;
    }

    /** The wire form as a WebSocket frame encoded (and compressed) once for all connections. */
    @Override
    public PreparedMessage prepared() {
        PreparedMessage p = prepared;
        if (p == null) {
            ByteBuffer w = ByteBuffer.wrap(wire());
            p = binary != null ? PreparedMessage.binary(w) : PreparedMessage.utf8Text(w);
            prepared = p;
        }
        return p;
    }

    private byte[] encodeJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length() + topic.length() + 80);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "pub");
            g.writeStringField("topic", topic);
            g.writeStringField("epoch", epoch);
            g.writeNumberField("offset", offset);
            if (user != null) {
                g.writeStringField("user", user);
            }
            g.writeFieldName("data");
            g.writeRawValue(json);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "Publication[" + topic + " " + epoch + ":" + offset + (binary != null ? " binary " + binary.length : "")
                + "]";
    }
}
