package io.duplex.protocol.handshake;

import io.duplex.protocol.WebSocketProtocol;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The {@code Sec-WebSocket-Accept} value (RFC 6455 sections 1.3 and 4.2.2 item 5.4): Base64 of the SHA-1
 * of the client's key followed by the protocol GUID. It proves the server read the handshake as a
 * WebSocket one, not that anything is secret.
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class AcceptKey {
    private AcceptKey() {}

    /** Computes the accept value for {@code secWebSocketKey}, used as the exact string received. */
    public static String compute(String secWebSocketKey) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-1 (MessageDigest javadoc).
            throw new IllegalStateException(e);
        }
        byte[] digest = sha1.digest(
                (secWebSocketKey + WebSocketProtocol.ACCEPT_GUID).getBytes(StandardCharsets.ISO_8859_1));
        return Base64.getEncoder().encodeToString(digest);
    }
}
