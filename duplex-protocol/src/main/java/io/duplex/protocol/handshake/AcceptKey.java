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
    /**
     * Looking SHA-1 up among the security providers costs more than hashing 60 bytes, so each handshake clones this
     * prototype instead (clone is cheap and leaves the prototype untouched); null if the provider cannot clone.
     */
    private static final MessageDigest PROTOTYPE = prototype();

    private AcceptKey() {}

    /** Computes the accept value for {@code secWebSocketKey}, used as the exact string received. */
    public static String compute(String secWebSocketKey) {
        byte[] digest = sha1().digest(
                (secWebSocketKey + WebSocketProtocol.ACCEPT_GUID).getBytes(StandardCharsets.ISO_8859_1));
        return Base64.getEncoder().encodeToString(digest);
    }

    private static MessageDigest sha1() {
        if (PROTOTYPE != null) {
            try {
                return (MessageDigest) PROTOTYPE.clone();
            } catch (CloneNotSupportedException e) {
                // Fall through to a lookup.
            }
        }
        return newSha1();
    }

    private static MessageDigest prototype() {
        MessageDigest d = newSha1();
        try {
            d.clone();
            return d;
        } catch (CloneNotSupportedException e) {
            return null;
        }
    }

    private static MessageDigest newSha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-1 (MessageDigest javadoc).
            throw new IllegalStateException(e);
        }
    }
}
