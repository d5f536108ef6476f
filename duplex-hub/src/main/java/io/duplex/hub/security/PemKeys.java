package io.duplex.hub.security;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a public key from PEM text (RFC 7468): a {@code PUBLIC KEY} block (SubjectPublicKeyInfo, RSA or EC)
 * or a {@code CERTIFICATE} block, whose key is used as is (its dates, issuer and usage are not checked: the
 * certificate is only a container here). The first such block wins. Stateless.
 */
final class PemKeys {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private PemKeys() {}

    static PublicKey parse(String pem) {
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String label = m.group(1);
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the PEM " + label + " block is not valid base64", e);
            }
            if (label.equals("PUBLIC KEY")) {
                return publicKey(der);
            }
            if (label.equals("CERTIFICATE")) {
                return certificateKey(der);
            }
            if (label.contains("PRIVATE KEY")) {
                throw new IllegalArgumentException("the PEM holds a private key; give the verifier the public key only");
            }
        }
        throw new IllegalArgumentException("no PEM \"PUBLIC KEY\" or \"CERTIFICATE\" block found"
                + " (PKCS#1 \"RSA PUBLIC KEY\" is not supported: convert it with `openssl pkey -pubin -pubout`)");
    }

    private static PublicKey publicKey(byte[] der) {
        X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new IllegalArgumentException("the PEM public key is neither an RSA nor an EC key");
    }

    private static PublicKey certificateKey(byte[] der) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der))
                    .getPublicKey();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the PEM certificate cannot be read: " + e.getMessage(), e);
        }
    }
}
