package io.duplex.hub.protocol;

import io.duplex.hub.Publication;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The binary frames of the protocol (docs/protocol.md, "Binary frames"): data travels as it is, no base64.
 *
 * <pre>
 * server to client, a binary publication:
 *   0x01 | flags (0) | topic length (1 byte) | topic | epoch length (1 byte) | epoch | offset (8 bytes, big-endian)
 *        | user length (1 byte, 0 = none) | user | data ...
 * client to server, a binary publish:
 *   0x02 | flags (bit 0: exclude_self) | id (4 bytes, big-endian, 0 = no answer) | topic length | topic
 *        | key length (0 = none) | key | data ...
 * </pre>
 * Strings are UTF-8, at most 255 bytes each.
 */
public final class BinaryFrames {
    private BinaryFrames() {}

    public static final int KIND_PUBLICATION = 0x01;
    public static final int KIND_PUBLISH = 0x02;
    public static final int FLAG_EXCLUDE_SELF = 0x01;

    /** The frame payload of a binary publication. */
    public static byte[] publication(Publication p) {
        byte[] topic = p.topic().getBytes(StandardCharsets.UTF_8);
        byte[] epoch = p.epoch().getBytes(StandardCharsets.UTF_8);
        byte[] user = p.user() == null ? new byte[0] : p.user().getBytes(StandardCharsets.UTF_8);
        if (user.length > 255) {
            user = new byte[0];
        }
        ByteBuffer data = p.binary();
        ByteBuffer out = ByteBuffer.allocate(2 + 1 + topic.length + 1 + epoch.length + 8 + 1 + user.length
                + data.remaining());
        out.put((byte) KIND_PUBLICATION).put((byte) 0);
        out.put((byte) topic.length).put(topic);
        out.put((byte) epoch.length).put(epoch);
        out.putLong(p.offset());
        out.put((byte) user.length).put(user);
        out.put(data);
        return out.array();
    }

    /** A client's binary publish frame; for clients written in Java, tests and the load generator. */
    public static byte[] publish(long id, String topic, String key, boolean excludeSelf, byte[] data) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] k = key == null ? new byte[0] : key.getBytes(StandardCharsets.UTF_8);
        if (t.length > 255 || k.length > 255 || id < 0 || id > 0xffffffffL) {
            throw new IllegalArgumentException("topic and key must fit in 255 bytes, id in 32 bits");
        }
        ByteBuffer out = ByteBuffer.allocate(2 + 4 + 1 + t.length + 1 + k.length + data.length);
        out.put((byte) KIND_PUBLISH).put((byte) (excludeSelf ? FLAG_EXCLUDE_SELF : 0)).putInt((int) id);
        out.put((byte) t.length).put(t).put((byte) k.length).put(k).put(data);
        return out.array();
    }
}
