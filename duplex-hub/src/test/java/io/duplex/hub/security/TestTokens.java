package io.duplex.hub.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * Keys and signed tokens for the security tests and the hub's end-to-end tests. Keys are made once per JVM (RSA
 * generation is slow).
 */
public final class TestTokens {
    public static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    public static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    public static final KeyPair RSA = generate("RSA", 2048);
    public static final KeyPair EC = ec("secp256r1");
    public static final KeyPair EC_OTHER = ec("secp256r1");

    private TestTokens() {}

    public static JWTClaimsSet.Builder claims(String subject) {
        return new JWTClaimsSet.Builder().subject(subject);
    }

    public static String sign(JWSAlgorithm algorithm, String kid, JWTClaimsSet claims, JWSSigner signer) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(kid).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    public static String hs256(JWTClaimsSet claims) {
        return sign(JWSAlgorithm.HS256, null, claims, mac(SECRET));
    }

    public static String rs256(JWTClaimsSet claims) {
        return sign(JWSAlgorithm.RS256, null, claims, new RSASSASigner(RSA.getPrivate()));
    }

    public static String es256(String kid, KeyPair pair, JWTClaimsSet claims) {
        return sign(JWSAlgorithm.ES256, kid, claims, signer(pair.getPrivate()));
    }

    public static JWSSigner mac(byte[] secret) {
        try {
            return new MACSigner(secret);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JWSSigner signer(PrivateKey key) {
        return key instanceof ECPrivateKey ec ? ecSigner(ec) : new RSASSASigner(key);
    }

    private static JWSSigner ecSigner(ECPrivateKey key) {
        try {
            return new ECDSASigner(key);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Date date(Instant instant) {
        return Date.from(instant);
    }

    public static Path writePem(Path dir, String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return write(dir.resolve(label.replace(' ', '-').toLowerCase() + ".pem"),
                "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n");
    }

    public static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String base64url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static KeyPair generate(String algorithm, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair ec(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
