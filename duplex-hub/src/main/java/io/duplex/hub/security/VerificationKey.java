package io.duplex.hub.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Set;

/**
 * One key a {@link TokenVerifier} may check signatures with, bound to the algorithms its type allows. Binding
 * the algorithm to the key, never taking it from the token alone, is what stops algorithm confusion: an RSA
 * key only ever verifies RS* and PS*, so a token "signed" with HS256 using the public key's bytes as the HMAC
 * secret is refused before any MAC is computed. An EC key only verifies the one ES* algorithm of its curve.
 *
 * <p>Thread-safety: immutable; the Nimbus verifiers are thread-safe.
 *
 * @param kid the key id, or null
 * @param verifier checks the signature
 * @param algorithms the algorithms this key may verify
 */
record VerificationKey(String kid, JWSVerifier verifier, Set<JWSAlgorithm> algorithms) {
    /** RFC 7518 section 3.2: an HMAC key must be at least as long as the hash output; HS256 needs 32 bytes. */
    static final int MIN_HMAC_SECRET_BYTES = 32;
    /** RSA keys below 2048 bits are factorable with today's means (NIST SP 800-131A disallows them). */
    static final int MIN_RSA_BITS = 2048;

    VerificationKey {
        algorithms = Set.copyOf(algorithms);
    }

    boolean supports(JWSAlgorithm algorithm) {
        return algorithms.contains(algorithm);
    }

    static VerificationKey hmac(byte[] secret, String kid) {
        if (secret.length < MIN_HMAC_SECRET_BYTES) {
            throw new IllegalArgumentException("an HMAC secret must be at least " + MIN_HMAC_SECRET_BYTES
                    + " bytes (RFC 7518 section 3.2), got " + secret.length);
        }
        try {
            MACVerifier verifier = new MACVerifier(secret.clone());
            return new VerificationKey(kid, verifier, verifier.supportedJWSAlgorithms());
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable HMAC secret: " + e.getMessage(), e);
        }
    }

    static VerificationKey publicKey(PublicKey key, String kid) {
        try {
            if (key instanceof RSAPublicKey rsa) {
                int bits = rsa.getModulus().bitLength();
                if (bits < MIN_RSA_BITS) {
                    throw new IllegalArgumentException(
                            "an RSA key must have at least " + MIN_RSA_BITS + " bits, got " + bits);
                }
                RSASSAVerifier verifier = new RSASSAVerifier(rsa);
                return new VerificationKey(kid, verifier, verifier.supportedJWSAlgorithms());
            }
            if (key instanceof ECPublicKey ec) {
                ECDSAVerifier verifier = new ECDSAVerifier(ec);
                return new VerificationKey(kid, verifier, verifier.supportedJWSAlgorithms());
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable public key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("unsupported public key type " + key.getAlgorithm() + " (RSA or EC only)");
    }

    /**
     * The key of one JWK, or null when it is not for verifying signatures ({@code "use": "enc"}) or of a type
     * this verifier does not handle (OKP). A JWK's own {@code alg}, when present, narrows it to that algorithm.
     */
    static VerificationKey fromJwk(JWK jwk) {
        if (KeyUse.ENCRYPTION.equals(jwk.getKeyUse())) {
            return null;
        }
        VerificationKey key;
        try {
            if (jwk instanceof RSAKey rsa) {
                key = publicKey(rsa.toRSAPublicKey(), jwk.getKeyID());
            } else if (jwk instanceof ECKey ec) {
                key = publicKey(ec.toECPublicKey(), jwk.getKeyID());
            } else if (jwk instanceof OctetSequenceKey oct) {
                key = hmac(oct.toByteArray(), jwk.getKeyID());
            } else {
                return null;
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable key " + describe(jwk) + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key " + describe(jwk) + ": " + e.getMessage(), e);
        }
        if (jwk.getAlgorithm() == null) {
            return key;
        }
        JWSAlgorithm declared = JWSAlgorithm.parse(jwk.getAlgorithm().getName());
        if (!key.supports(declared)) {
            throw new IllegalArgumentException(
                    "key " + describe(jwk) + " declares alg " + declared + ", which does not fit its key type");
        }
        return new VerificationKey(key.kid, key.verifier, Set.of(declared));
    }

    private static String describe(JWK jwk) {
        return jwk.getKeyID() == null ? "without kid (" + jwk.getKeyType() + ")" : "'" + jwk.getKeyID() + "'";
    }
}
