package io.duplex.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away server identity for tests, made at run time by the JDK's keytool so that no private
 * key is ever committed. The certificate names {@code localhost} and {@code 127.0.0.1}. Exposed as
 * a PKCS#12 store and as PEM files (chain and unencrypted PKCS#8 key). Cached per key algorithm for
 * the JVM, since key generation is the slow part. Public for the interop tests in a sub-package.
 *
 * <p>Thread-safety: instances are immutable; {@link #get} is safe from any thread.
 */
public final class SelfSignedCertificate {
    public static final char[] PASSWORD = "duplex-test".toCharArray();
    private static final Map<String, SelfSignedCertificate> CACHE = new ConcurrentHashMap<>();

    public final Path keyStore;
    public final Path certificatePem;
    public final Path privateKeyPem;
    public final X509Certificate certificate;

    private SelfSignedCertificate(Path keyStore, Path certificatePem, Path privateKeyPem, X509Certificate certificate) {
        this.keyStore = keyStore;
        this.certificatePem = certificatePem;
        this.privateKeyPem = privateKeyPem;
        this.certificate = certificate;
    }

    /** @param keyAlgorithm "EC" (P-256) or "RSA" (2048 bits) */
    public static SelfSignedCertificate get(String keyAlgorithm) {
        return CACHE.computeIfAbsent(keyAlgorithm, alg -> {
            try {
                return create(alg);
            } catch (Exception e) {
                throw new IllegalStateException("cannot create a self-signed " + alg + " certificate", e);
            }
        });
    }

    private static SelfSignedCertificate create(String alg) throws Exception {
        Path dir = Files.createTempDirectory("duplex-tls-");
        Path p12 = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(keytool, "-genkeypair", "-alias", "server",
                "-keyalg", alg, "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD), "-noprompt"));
        cmd.addAll(alg.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool timed out");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, PASSWORD);
        }
        X509Certificate cert = (X509Certificate) ks.getCertificate("server");
        PrivateKey key = (PrivateKey) ks.getKey("server", PASSWORD);
        Path certPem = dir.resolve("server.crt");
        Path keyPem = dir.resolve("server.key");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
        // getEncoded() of a private key is its PKCS#8 form, the format TlsConfig.serverFromPem expects.
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        for (Path f : List.of(p12, certPem, keyPem, dir)) {
            f.toFile().deleteOnExit();
        }
        return new SelfSignedCertificate(p12, certPem, keyPem, cert);
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
