package io.duplex.hub.http;

import io.duplex.hub.SharedFrame;
import io.duplex.hub.protocol.Replies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;

/** How frames become text on the HTTP transports (docs/protocol.md, "HTTP fallback"). Stateless. */
final class HttpFrames {
    private HttpFrames() {}

    /** The lines of a shared frame: its JSON lines, or a binary frame as one {@code binary} message. */
    static byte[] lines(SharedFrame f) {
        if (!f.isBinary()) {
            return f.wire();
        }
        ObjectNode n = Replies.object("binary");
        n.put("data", Base64.getEncoder().encodeToString(f.wire()));
        return Replies.bytes(n);
    }

    /**
     * The bytes of a frame the session handed over: its own array when the buffer is a whole heap array (as the
     * session's frames are), so nothing is copied; a copy otherwise. The buffer is the transport's to keep.
     */
    static byte[] bytes(java.nio.ByteBuffer utf8) {
        if (utf8.hasArray() && utf8.arrayOffset() + utf8.position() == 0 && utf8.remaining() == utf8.array().length) {
            return utf8.array();
        }
        byte[] b = new byte[utf8.remaining()];
        utf8.get(b);
        return b;
    }

    /** The last message of a session the server ended. */
    static byte[] close(int code, String reason) {
        ObjectNode n = Replies.object("close");
        n.put("code", code);
        n.put("reason", reason == null ? "" : reason);
        return Replies.bytes(n);
    }
}
