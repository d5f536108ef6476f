package io.duplex.hub.security;

import static io.duplex.hub.security.TestTokens.EC;
import static io.duplex.hub.security.TestTokens.EC_OTHER;
import static io.duplex.hub.security.TestTokens.NOW;
import static io.duplex.hub.security.TestTokens.RSA;
import static io.duplex.hub.security.TestTokens.claims;
import static io.duplex.hub.security.TestTokens.es256;
import static io.duplex.hub.security.TestTokens.writePem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import io.duplex.hub.security.AuthException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RSA and EC keys from PEM and JWKS files, kid selection, and the algorithm-confusion refusals. */
class TokenVerifierKeysTest {
    @TempDir
    Path dir;

    private static Reason reasonOf(TokenVerifier verifier, String token) {
        AuthException e = catchThrowableOfType(AuthException.class, () -> verifier.verify(token, NOW));
        assertThat(e).as("token should be refused").isNotNull();
        return e.reason();
    }

    private TokenVerifier rsaPem() {
        return TokenVerifier.publicKeyPem(writePem(dir, "PUBLIC KEY", RSA.getPublic().getEncoded()));
    }

    private TokenVerifier ecPem() {
        return TokenVerifier.publicKeyPem(writePem(dir, "PUBLIC KEY", EC.getPublic().getEncoded()));
    }

    @Test
    void rs256AndPs256VerifyWithARsaPemKey() throws AuthException {
        TokenVerifier verifier = rsaPem();
        String rs = TestTokens.rs256(claims("alice").build());
        String ps = TestTokens.sign(JWSAlgorithm.PS256, null, claims("bob").build(), new RSASSASigner(RSA.getPrivate()));

        assertThat(verifier.verify(rs, NOW).userId()).isEqualTo("alice");
        assertThat(verifier.verify(ps, NOW).userId()).isEqualTo("bob");
    }

    @Test
    void es256VerifiesWithAnEcPemKey() throws AuthException {
        assertThat(ecPem().verify(es256(null, EC, claims("alice").build()), NOW).userId()).isEqualTo("alice");
        assertThat(reasonOf(ecPem(), es256(null, EC_OTHER, claims("alice").build()))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void hs256SignedWithTheRsaPublicKeyBytesIsRefused() throws Exception {
        TokenVerifier verifier = rsaPem();
        Path pem = writePem(dir, "PUBLIC KEY", RSA.getPublic().getEncoded());
        String withDer = TestTokens.sign(JWSAlgorithm.HS256, null, claims("mallory").build(),
                TestTokens.mac(RSA.getPublic().getEncoded()));
        String withPemText = TestTokens.sign(JWSAlgorithm.HS256, null, claims("mallory").build(),
                TestTokens.mac(Files.readAllBytes(pem)));

        assertThat(reasonOf(verifier, withDer)).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
        assertThat(reasonOf(verifier, withPemText)).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void keyOfTheWrongTypeIsRefused() {
        assertThat(reasonOf(rsaPem(), es256(null, EC, claims("a").build()))).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
        assertThat(reasonOf(ecPem(), TestTokens.rs256(claims("a").build()))).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void ecKeyVerifiesOnlyTheAlgorithmOfItsCurve() {
        KeyPair p384 = TestTokens.ec("secp384r1");
        String es384 = TestTokens.sign(JWSAlgorithm.ES384, null, claims("a").build(), TestTokens.signer(p384.getPrivate()));

        assertThat(reasonOf(ecPem(), es384)).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void jwksSelectsTheKeyByKid() throws AuthException {
        JWKSet set = new JWKSet(List.of(
                new ECKey.Builder(Curve.P_256, (ECPublicKey) EC.getPublic()).keyID("a").build(),
                new ECKey.Builder(Curve.P_256, (ECPublicKey) EC_OTHER.getPublic()).keyID("b").build(),
                new RSAKey.Builder((RSAPublicKey) RSA.getPublic()).keyID("r").keyUse(KeyUse.SIGNATURE).build()));
        TokenVerifier verifier = TokenVerifier.jwks(TestTokens.write(dir.resolve("jwks.json"), set.toString()));

        assertThat(verifier.verify(es256("a", EC, claims("alice").build()), NOW).userId()).isEqualTo("alice");
        assertThat(verifier.verify(es256("b", EC_OTHER, claims("bob").build()), NOW).userId()).isEqualTo("bob");
        assertThat(verifier.verify(es256(null, EC_OTHER, claims("carol").build()), NOW).userId())
                .as("without kid every fitting key is tried").isEqualTo("carol");
        assertThat(reasonOf(verifier, es256("a", EC_OTHER, claims("mallory").build()))).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(reasonOf(verifier, es256("zzz", EC, claims("mallory").build()))).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(reasonOf(verifier, TestTokens.sign(JWSAlgorithm.RS256, "a", claims("m").build(),
                new RSASSASigner(RSA.getPrivate())))).as("kid a is an EC key").isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void jwksKeyWithDeclaredAlgVerifiesOnlyThatAlg() {
        JWKSet set = new JWKSet(new RSAKey.Builder((RSAPublicKey) RSA.getPublic())
                .algorithm(JWSAlgorithm.PS256).build());
        TokenVerifier verifier = TokenVerifier.jwks(TestTokens.write(dir.resolve("jwks.json"), set.toString()));

        assertThat(reasonOf(verifier, TestTokens.rs256(claims("a").build()))).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void unusableKeyFilesAreRefusedAtConstruction() throws Exception {
        KeyPairGenerator small = KeyPairGenerator.getInstance("RSA");
        small.initialize(1024);
        Path weakPem = writePem(dir, "PUBLIC KEY", small.generateKeyPair().getPublic().getEncoded());
        Path privatePem = writePem(dir, "PRIVATE KEY", EC.getPrivate().getEncoded());

        assertThatThrownBy(() -> TokenVerifier.publicKeyPem(weakPem)).hasMessageContaining("2048");
        assertThatThrownBy(() -> TokenVerifier.publicKeyPem(privatePem)).hasMessageContaining("private key");
        assertThatThrownBy(() -> TokenVerifier.publicKeyPem(TestTokens.write(dir.resolve("x.pem"), "hello")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.jwks(TestTokens.write(dir.resolve("k.json"), "{\"keys\":[]}")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.jwks(dir.resolve("absent.json")))
                .isInstanceOf(java.io.UncheckedIOException.class);
    }

    @Test
    void certificatePemIsAcceptedForItsKey() throws Exception {
        Path p12 = dir.resolve("k.p12");
        Path cert = dir.resolve("cert.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "k", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=issuer",
                "-validity", "1", "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "k", "-keystore", p12.toString(), "-storepass", "changeit",
                "-file", cert.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(p12)) {
            store.load(in, "changeit".toCharArray());
        }
        var key = (PrivateKey) store.getKey("k", "changeit".toCharArray());
        String token = TestTokens.sign(JWSAlgorithm.ES256, null, claims("alice").build(), TestTokens.signer(key));

        assertThat(TokenVerifier.publicKeyPem(cert).verify(token, NOW).userId()).isEqualTo("alice");
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
    }
}
