package io.duplex.hub.security;

/**
 * A token was refused. {@link #reason()} is stable and meant for code (metrics, close codes); the message is a
 * sentence meant for people and may change. Messages never quote the token whole (it is a credential) nor
 * any key material.
 */
public final class AuthException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a token was refused. */
    public enum Reason {
        /** No token was presented where one is required. */
        MISSING,
        /** Not a compact JWS: wrong number of parts, bad base64url or JSON, or too long. */
        MALFORMED,
        /** Unsigned ({@code alg: none}), encrypted, or signed with an algorithm this verifier's key is not for. */
        UNSUPPORTED_ALGORITHM,
        /** The signature does not verify with any configured key (or no key matches the {@code kid}). */
        BAD_SIGNATURE,
        /** {@code exp} has passed (beyond the clock skew). */
        EXPIRED,
        /** {@code nbf} lies in the future (beyond the clock skew). */
        NOT_YET_VALID,
        /** The {@code sub} claim is absent or empty. */
        NO_SUBJECT,
        /** A claim has the wrong type or size ({@code duplex}, {@code info}, or a registered claim). */
        BAD_CLAIMS
    }

    private final Reason reason;

    public AuthException(Reason reason, String message) {
        this(reason, message, null);
    }

    public AuthException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        if (reason == null) {
            throw new NullPointerException("reason");
        }
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
