package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.net.SelfSignedCertificate;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS flags that cannot make an identity stop {@code duplex echo} with exit status 2 before it listens (the
 * working cases, which do listen, are in {@link EchoCommandIT}).
 */
@Timeout(60)
class TlsOptionsTest {

    private static CliRun echo(String... flags) {
        String[] args = new String[flags.length + 3];
        args[0] = "echo";
        args[1] = "--port";
        args[2] = "0";
        System.arraycopy(flags, 0, args, 3, flags.length);
        return CliRun.run(new ByteArrayInputStream(new byte[0]), args);
    }

    @Test
    void certificateWithoutKeyIsAUsageError() {
        CliRun r = echo("--tls-cert", SelfSignedCertificate.get("EC").certificatePem.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--tls-cert and --tls-key go together; --tls-key is missing");
    }

    @Test
    void keyStoreWithoutPasswordIsAUsageError() {
        CliRun r = echo("--tls-keystore", SelfSignedCertificate.get("EC").keyStore.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--tls-keystore-password is missing");
    }

    @Test
    void pemAndKeyStoreTogetherIsAUsageError() {
        SelfSignedCertificate cert = SelfSignedCertificate.get("EC");
        CliRun r = echo("--tls-cert", cert.certificatePem.toString(), "--tls-key", cert.privateKeyPem.toString(),
                "--tls-keystore", cert.keyStore.toString(), "--tls-keystore-password", "x");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("not both");
    }

    @Test
    void wrongKeyStorePasswordIsAUsageError() {
        CliRun r = echo("--tls-keystore", SelfSignedCertificate.get("EC").keyStore.toString(),
                "--tls-keystore-password", "not-the-password");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("cannot load the TLS identity");
    }

    /** A key of another certificate would start a server that fails every handshake: refused at start instead. */
    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsAUsageError() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("EC");
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        java.security.PrivateKey otherKey = g.generateKeyPair().getPrivate();
        byte[] der = otherKey.getEncoded();
        java.nio.file.Path other = java.nio.file.Files.createTempFile("duplex-other-", ".key");
        other.toFile().deleteOnExit();
        java.nio.file.Files.writeString(other, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(der) + "\n-----END PRIVATE KEY-----\n");
        for (String key : new String[] {other.toString(), SelfSignedCertificate.get("RSA").privateKeyPem.toString()}) {
            CliRun r = echo("--tls-cert", cert.certificatePem.toString(), "--tls-key", key);
            assertThat(r.exitCode()).as(key).isEqualTo(2);
            assertThat(r.err()).contains("does not belong to the certificate of CN=localhost");
        }
        // The same in a PKCS#12 key store: an entry whose key is not its certificate's.
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", otherKey, "pw".toCharArray(), new java.security.cert.Certificate[] {cert.certificate});
        java.nio.file.Path p12 = java.nio.file.Files.createTempFile("duplex-mismatch-", ".p12");
        p12.toFile().deleteOnExit();
        try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(p12)) {
            ks.store(out, "pw".toCharArray());
        }
        CliRun r = echo("--tls-keystore", p12.toString(), "--tls-keystore-password", "pw");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("does not belong to the certificate of CN=localhost");
    }
}
