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

    /** The last message of a session the server ended. */
    static byte[] close(int code, String reason) {
        ObjectNode n = Replies.object("close");
        n.put("code", code);
        n.put("reason", reason == null ? "" : reason);
        return Replies.bytes(n);
    }
}
