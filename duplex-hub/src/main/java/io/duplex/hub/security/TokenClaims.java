package io.duplex.hub.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import io.duplex.hub.security.AuthException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Turns the claims of a token whose signature has been checked into a {@link Principal}: the time window
 * ({@code exp}, {@code nbf}), the subject, and the Duplex claims {@code duplex} (permissions) and {@code info}.
 * Stateless and thread-safe.
 */
final class TokenClaims {
    static final String PERMISSIONS_CLAIM = "duplex";
    static final String INFO_CLAIM = "info";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TokenClaims() {}

    static Principal principal(JWTClaimsSet claims, Instant now, Duration skew, Permissions defaults)
            throws AuthException {
        Instant expiresAt = instant(claims.getExpirationTime());
        // RFC 7519 section 4.1.4: the token must not be accepted on or after exp.
        if (expiresAt != null && !now.isBefore(expiresAt.plus(skew))) {
            throw new AuthException(Reason.EXPIRED, "The token expired at " + expiresAt + ".");
        }
        // RFC 7519 section 4.1.5: the token must not be accepted before nbf.
        Instant notBefore = instant(claims.getNotBeforeTime());
        if (notBefore != null && now.isBefore(notBefore.minus(skew))) {
            throw new AuthException(Reason.NOT_YET_VALID, "The token is not valid before " + notBefore + ".");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new AuthException(Reason.NO_SUBJECT, "The token has no subject (sub claim), so it names no user.");
        }
        Permissions permissions = permissions(claims.getClaim(PERMISSIONS_CLAIM), subject, defaults);
        return new Principal(subject, expiresAt, permissions, info(claims.getClaim(INFO_CLAIM)));
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }

    private static Permissions permissions(Object claim, String subject, Permissions defaults) throws AuthException {
        if (claim == null) {
            return defaults.forUser(subject);
        }
        JsonNode node = tree(claim);
        if (!node.isObject()) {
            throw new AuthException(Reason.BAD_CLAIMS, "The duplex claim must be a JSON object.");
        }
        return Permissions.of(
                patterns(node, "subscribe"), patterns(node, "publish"), patterns(node, "presence"), subject);
    }

    /** A missing list allows nothing: a token that grants some actions grants only those. */
    private static List<String> patterns(JsonNode duplex, String action) throws AuthException {
        JsonNode list = duplex.get(action);
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new AuthException(Reason.BAD_CLAIMS, "duplex." + action + " must be an array of topic patterns.");
        }
        List<String> out = new ArrayList<>(list.size());
        for (JsonNode pattern : list) {
            if (!pattern.isTextual()) {
                throw new AuthException(Reason.BAD_CLAIMS, "duplex." + action + " must hold only strings.");
            }
            out.add(pattern.textValue());
        }
        return out;
    }

    private static JsonNode info(Object claim) throws AuthException {
        if (claim == null) {
            return null;
        }
        JsonNode node = tree(claim);
        int size;
        try {
            size = MAPPER.writeValueAsBytes(node).length;
        } catch (JsonProcessingException e) {
            throw new AuthException(Reason.BAD_CLAIMS, "The info claim cannot be serialized.", e);
        }
        if (size > TokenVerifier.MAX_INFO_BYTES) {
            throw new AuthException(Reason.BAD_CLAIMS, "The info claim is " + size + " bytes as JSON; at most "
                    + TokenVerifier.MAX_INFO_BYTES + " are allowed.");
        }
        return node;
    }

    private static JsonNode tree(Object claim) throws AuthException {
        try {
            return MAPPER.valueToTree(claim);
        } catch (IllegalArgumentException e) {
            throw new AuthException(Reason.BAD_CLAIMS, "A Duplex claim is not valid JSON.", e);
        }
    }
}
