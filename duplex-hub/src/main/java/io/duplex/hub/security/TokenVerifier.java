package io.duplex.hub.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.duplex.hub.security.AuthException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Verifies signed JWTs (RFC 7519, compact JWS) and turns them into a {@link Principal}.
 *
 * <p>Thread-safety: immutable and thread-safe; {@code with*} return a new verifier. Keys are read once, at
 * construction: to rotate keys, build a new verifier and swap it in.
 *
 * <p>Rules, each against a known attack:
 * <ul>
 *   <li>Unsigned ({@code alg: none}) and encrypted (JWE) tokens are refused ({@code UNSUPPORTED_ALGORITHM}):
 *       an unsigned token proves nothing, and a JWE could be built by anyone holding our public key.
 *   <li>The algorithm must fit the key, never the other way round: an HMAC secret verifies only HS*, an RSA
 *       key only RS* and PS*, an EC key only the ES* of its curve. This stops algorithm confusion, where a
 *       token is MACed with the RSA public key's bytes and labelled HS256.
 *   <li>{@code exp} is enforced when present: from {@code exp + clockSkew} on the token is {@code EXPIRED}.
 *       <b>A token without {@code exp} never expires</b>; issue short-lived tokens.
 *   <li>{@code nbf} is enforced when present: before {@code nbf - clockSkew} the token is {@code NOT_YET_VALID}.
 *   <li>{@code sub} is required ({@code NO_SUBJECT}): it is the user id.
 *   <li>Tokens longer than {@link #MAX_TOKEN_CHARS} are {@code MALFORMED} without being decoded, so an
 *       anonymous peer cannot make us base64-decode and parse megabytes.
 * </ul>
 *
 * <p>Claims: {@code duplex} ({@code {"subscribe": [...], "publish": [...], "presence": [...]}}, patterns as in
 * {@link Permissions}) gives the permissions; a present claim with a missing list allows nothing for that
 * action, an absent claim gives the {@linkplain #withDefaultPermissions default permissions}. {@code info} (any
 * JSON, at most {@link #MAX_INFO_BYTES} serialized) becomes {@link Principal#info()}; it is bounded because
 * every session holds it and presence sends it to others.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>why</th></tr>
 *   <tr><td>clockSkew</td><td>5 s</td><td>issuer and server clocks drift; a few seconds keeps a fresh token from
 *       being refused as not yet valid, and extends an expired one only briefly</td></tr>
 *   <tr><td>defaultPermissions</td><td>{@link Permissions#all()}</td><td>a token without a {@code duplex}
 *       claim is trusted fully, as a plain "this user may connect" token usually is meant</td></tr>
 *   <tr><td>clock</td><td>{@link Clock#systemUTC()}</td><td></td></tr>
 * </table>
 */
public final class TokenVerifier {
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(5);
    /** Longest token accepted, in characters. Real tokens are well under 4 KiB. */
    public static final int MAX_TOKEN_CHARS = 16 * 1024;
    /** Largest {@code info} claim, in bytes of compact JSON. */
    public static final int MAX_INFO_BYTES = 1024;

    private final List<VerificationKey> keys;
    private final Duration clockSkew;
    private final Permissions defaultPermissions;
    private final Clock clock;

    private TokenVerifier(List<VerificationKey> keys, Duration clockSkew, Permissions defaults, Clock clock) {
        this.keys = List.copyOf(keys);
        this.clockSkew = clockSkew;
        this.defaultPermissions = defaults;
        this.clock = clock;
    }

    private TokenVerifier(List<VerificationKey> keys) {
        this(keys, DEFAULT_CLOCK_SKEW, Permissions.all(), Clock.systemUTC());
    }

    /**
     * A verifier for HS256, HS384 and HS512 with a shared secret (copied). Nimbus only allows the algorithms
     * whose hash is no longer than the secret (HS512 needs 64 bytes).
     *
     * @throws IllegalArgumentException if the secret is shorter than 32 bytes (RFC 7518 section 3.2), which would
     *     make it guessable offline from any one token
     */
    public static TokenVerifier hmac(byte[] secret) {
        return new TokenVerifier(List.of(VerificationKey.hmac(secret, null)));
    }

    /**
     * A verifier for the public key in a PEM file: a {@code PUBLIC KEY} block (RSA: RS256/384/512 and
     * PS256/384/512; EC P-256/P-384/P-521: ES256/ES384/ES512) or an X.509 {@code CERTIFICATE} block whose key
     * is used (the certificate's dates are not checked). RSA keys must have at least 2048 bits.
     *
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if it holds no usable public key
     */
    public static TokenVerifier publicKeyPem(Path pemFile) {
        String pem = new String(readFile(pemFile), StandardCharsets.US_ASCII);
        return new TokenVerifier(List.of(VerificationKey.publicKey(PemKeys.parse(pem), null)));
    }

    /**
     * A verifier for the keys of a JWKS file (RFC 7517 section 5). A token whose header has a {@code kid} is
     * checked with the key of that id; a token without one with every key that fits its algorithm, so keep
     * the set small or always send {@code kid}. RSA, EC and {@code oct} (HMAC) keys are used; keys marked
     * {@code "use": "enc"} and OKP keys are skipped. A key's {@code alg}, when given, is the only algorithm it
     * verifies.
     *
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if it is not a JWK set, a key is too weak, or no key is usable
     */
    public static TokenVerifier jwks(Path jwksFile) {
        JWKSet set;
        try {
            set = JWKSet.parse(new String(readFile(jwksFile), StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new IllegalArgumentException(jwksFile + " is not a JWK set: " + e.getMessage(), e);
        }
        List<VerificationKey> keys = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            VerificationKey key = VerificationKey.fromJwk(jwk);
            if (key != null) {
                keys.add(key);
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(jwksFile + " holds no RSA, EC or oct key for signatures");
        }
        return new TokenVerifier(keys);
    }

    private static byte[] readFile(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** How far the clocks of issuer and server may disagree, applied to {@code exp} and {@code nbf}; at least 0. */
    public TokenVerifier withClockSkew(Duration skew) {
        if (skew.isNegative()) {
            throw new IllegalArgumentException("clock skew must not be negative, got " + skew);
        }
        return new TokenVerifier(keys, skew, defaultPermissions, clock);
    }

    /**
     * Permissions of tokens without a {@code duplex} claim. Patterns with {@code {sub}} are bound to each
     * token's subject.
     */
    public TokenVerifier withDefaultPermissions(Permissions forTokensWithoutClaims) {
        return new TokenVerifier(keys, clockSkew, Objects.requireNonNull(forTokensWithoutClaims), clock);
    }

    /** The clock {@link #verify(String)} reads. */
    public TokenVerifier withClock(Clock clock) {
        return new TokenVerifier(keys, clockSkew, defaultPermissions, Objects.requireNonNull(clock));
    }

    public Duration clockSkew() {
        return clockSkew;
    }

    public Permissions defaultPermissions() {
        return defaultPermissions;
    }

    /** Verifies {@code token} at the verifier's clock's current instant. */
    public Principal verify(String token) throws AuthException {
        return verify(token, clock.instant());
    }

    /** Verifies {@code token} as of {@code now}. Throws only {@link AuthException}, whatever the input. */
    public Principal verify(String token, Instant now) throws AuthException {
        if (token == null || token.isEmpty()) {
            throw new AuthException(Reason.MISSING, "No token was presented.");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new AuthException(Reason.MALFORMED,
                    "The token is " + token.length() + " characters long; at most " + MAX_TOKEN_CHARS + " are accepted.");
        }
        SignedJWT jwt = signed(token);
        checkSignature(jwt);
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new AuthException(Reason.BAD_CLAIMS, "The token's claims are not valid: " + e.getMessage(), e);
        }
        return TokenClaims.principal(claims, now, clockSkew, defaultPermissions);
    }

    private static SignedJWT signed(String token) throws AuthException {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new AuthException(Reason.MALFORMED, "The token is not a well-formed JWT: " + e.getMessage(), e);
        }
        if (jwt instanceof PlainJWT) {
            throw new AuthException(Reason.UNSUPPORTED_ALGORITHM, "Unsigned tokens (alg none) are not accepted.");
        }
        if (jwt instanceof EncryptedJWT) {
            throw new AuthException(Reason.UNSUPPORTED_ALGORITHM,
                    "Encrypted tokens (JWE) are not accepted; send a signed token.");
        }
        if (jwt instanceof SignedJWT signed) {
            return signed;
        }
        throw new AuthException(Reason.MALFORMED, "The token is not a signed JWT.");
    }

    private void checkSignature(SignedJWT jwt) throws AuthException {
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm algorithm = header.getAlgorithm();
        List<VerificationKey> candidates = candidates(header.getKeyID());
        if (candidates.isEmpty()) {
            throw new AuthException(Reason.BAD_SIGNATURE, "No configured key has the token's key id (kid).");
        }
        candidates.removeIf(key -> !key.supports(algorithm));
        if (candidates.isEmpty()) {
            throw new AuthException(Reason.UNSUPPORTED_ALGORITHM,
                    "The token is signed with " + algorithm + ", which the configured key does not verify.");
        }
        for (VerificationKey key : candidates) {
            try {
                if (jwt.verify(key.verifier())) {
                    return;
                }
            } catch (JOSEException e) {
                // a signature of the wrong shape for this key: try the next key, then refuse
            }
        }
        throw new AuthException(Reason.BAD_SIGNATURE, "The token's signature does not verify.");
    }

    /**
     * The keys to try: those with the token's kid; when none has it (or the token has none), the keys without
     * a kid, or every key when the token has no kid.
     */
    private List<VerificationKey> candidates(String kid) {
        List<VerificationKey> out = new ArrayList<>();
        if (kid == null) {
            out.addAll(keys);
            return out;
        }
        for (VerificationKey key : keys) {
            if (kid.equals(key.kid())) {
                out.add(key);
            }
        }
        if (out.isEmpty()) {
            for (VerificationKey key : keys) {
                if (key.kid() == null) {
                    out.add(key);
                }
            }
        }
        return out;
    }
}
