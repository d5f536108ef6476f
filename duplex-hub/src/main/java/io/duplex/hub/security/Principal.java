package io.duplex.hub.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * Who a session is, as established at connect time.
 *
 * <p>Thread-safety: immutable, provided nobody modifies {@code info} (the verifier hands out a tree it parsed
 * for this principal alone; treat it as read-only).
 *
 * @param userId the token's {@code sub}, or null for an anonymous session
 * @param expiresAt the token's {@code exp} (without clock skew), or null when the session never expires: an
 *     anonymous session, or a token without {@code exp}
 * @param permissions what the session may do on which topics; never null
 * @param info the token's {@code info} claim (at most {@link TokenVerifier#MAX_INFO_BYTES} serialized), shown
 *     to others in presence; null when absent
 */
public record Principal(String userId, Instant expiresAt, Permissions permissions, JsonNode info) {

    public Principal {
        Objects.requireNonNull(permissions, "permissions");
    }

    /** A session without identity: no expiry, no info, the given permissions. */
    public static Principal anonymous(Permissions permissions) {
        return new Principal(null, null, permissions, null);
    }

    public boolean isAnonymous() {
        return userId == null;
    }

    /** Whether the session has expired at {@code now}: true from {@code expiresAt} on. */
    public boolean isExpiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
