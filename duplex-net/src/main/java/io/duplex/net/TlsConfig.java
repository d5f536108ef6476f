package io.duplex.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Immutable TLS settings for one side. Servers present a certificate chain from a PKCS#12 key store
 * or PEM files; clients trust a trust store, explicit certificates or the JDK defaults, and by
 * default send SNI and verify the server's host name the way HTTPS does.
 *
 * <p>Only TLS 1.3 and 1.2 are enabled: older versions have known weaknesses and no browser needs
 * them. Renegotiation is not supported (TLS 1.3 has none; the JDK refuses unsafe 1.2 renegotiation).
 *
 * <p>Thread-safety: immutable and safe to share across loops; each connection gets its own engine.
 */
public final class TlsConfig {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final SSLContext context;
    private final boolean client;
    private final boolean verifyHostname;
    private final String serverName;

    private TlsConfig(SSLContext context, boolean client, boolean verifyHostname, String serverName) {
        this.context = context;
        this.client = client;
        this.verifyHostname = verifyHostname;
        this.serverName = serverName;
    }

    // ---- servers ----

    /** Server identity from a PKCS#12 file holding one private key entry and its chain. */
    public static TlsConfig serverFromPkcs12(Path keyStore, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, password);
        }
        for (String alias : java.util.Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias) && ks.getKey(alias, password) instanceof PrivateKey key
                    && ks.getCertificate(alias) instanceof X509Certificate leaf) {
                checkKeyPair(key, leaf);
            }
        }
        return server(ks, password);
    }

    /**
     * Server identity from a PEM certificate chain (leaf first) and an unencrypted PKCS#8 PEM
     * private key ({@code BEGIN PRIVATE KEY}), RSA or EC.
     */
    public static TlsConfig serverFromPem(Path certificateChain, Path privateKey) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = readCertificates(certificateChain);
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + certificateChain);
        }
        PrivateKey key = readPkcs8Key(Files.readString(privateKey, StandardCharsets.US_ASCII));
        checkKeyPair(key, chain.get(0));
        // The key only lives in memory; a random password keeps the KeyStore API satisfied.
        char[] password = randomPassword();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key, password, chain.toArray(new Certificate[0]));
        return server(ks, password);
    }

    /**
     * Refuses a private key that does not belong to the certificate: such a server would start and then fail
     * every handshake. Signs a random value with the key and verifies it with the certificate's public key.
     */
    static void checkKeyPair(PrivateKey key, X509Certificate leaf) throws GeneralSecurityException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> null;
        };
        if (alg == null) {
            return; // the JDK's own checks decide at handshake time
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        boolean matches;
        try {
            java.security.Signature signer = java.security.Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(alg);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (java.security.InvalidKeyException | java.security.SignatureException e) {
            matches = false;
        }
        if (!matches) {
            throw new GeneralSecurityException("the private key (" + key.getAlgorithm()
                    + ") does not belong to the certificate of " + leaf.getSubjectX500Principal().getName());
        }
    }

    private static TlsConfig server(KeyStore ks, char[] password) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return new TlsConfig(ctx, false, false, null);
    }

    // ---- clients ----

    /** Client trusting the JDK's default CA certificates. */
    public static TlsConfig client() throws GeneralSecurityException {
        return new TlsConfig(SSLContext.getDefault(), true, true, null);
    }

    /** Client trusting the certificates of a trust store file (PKCS12 or JKS). */
    public static TlsConfig clientWithTrustStore(Path trustStore, char[] password, String type)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(trustStore)) {
            ks.load(in, password);
        }
        return client(ks);
    }

    /** Client trusting exactly the given certificates (e.g. a self-signed server certificate). */
    public static TlsConfig clientTrusting(X509Certificate... trusted) throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create in-memory trust store", e);
        }
        for (int i = 0; i < trusted.length; i++) {
            ks.setCertificateEntry("trusted-" + i, trusted[i]);
        }
        return client(ks);
    }

    private static TlsConfig client(KeyStore trust) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return new TlsConfig(ctx, true, true, null);
    }

    /**
     * Turns host name verification off or on. Off is only sensible for tests or pinned
     * certificates: the chain is still validated, but any name is accepted.
     */
    public TlsConfig withHostnameVerification(boolean verify) {
        requireClient();
        return new TlsConfig(context, client, verify, serverName);
    }

    /** Name sent as SNI and verified, instead of the host of the connect address. */
    public TlsConfig withServerName(String name) {
        requireClient();
        return new TlsConfig(context, client, verifyHostname, Objects.requireNonNull(name, "name"));
    }

    public boolean isClient() {
        return client;
    }

    /** A fresh engine for one connection to or from {@code peerHost:peerPort}. */
    SSLEngine newEngine(String peerHost, int peerPort) {
        String host = client && serverName != null ? serverName : peerHost;
        SSLEngine engine = context.createSSLEngine(host, peerPort);
        engine.setUseClientMode(client);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        if (client) {
            if (verifyHostname) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            // SNI carries names only; RFC 6066 section 3 forbids IP literals in it.
            if (!isIpLiteral(host)) {
                p.setServerNames(List.of(new SNIHostName(host)));
            }
        }
        engine.setSSLParameters(p);
        return engine;
    }

    private void requireClient() {
        if (!client) {
            throw new IllegalStateException("client-side setting on a server TlsConfig");
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9'));
    }

    static List<X509Certificate> readCertificates(Path pem) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = cf.generateCertificates(in);
            return certs.stream().map(X509Certificate.class::cast).toList();
        }
    }

    static PrivateKey readPkcs8Key(String pem) throws GeneralSecurityException {
        Matcher m = PEM_BLOCK.matcher(pem);
        while (m.find()) {
            if (!m.group(1).equals("PRIVATE KEY")) {
                continue;
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
            // PKCS#8 names its algorithm inside the DER, but KeyFactory wants it up front: try both.
            for (String alg : new String[] {"RSA", "EC"}) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(spec);
                } catch (InvalidKeySpecException e) {
                    // Not this algorithm; try the next.
                }
            }
            throw new GeneralSecurityException("private key is neither RSA nor EC PKCS#8");
        }
        throw new GeneralSecurityException("no 'BEGIN PRIVATE KEY' block (PKCS#8, unencrypted) found");
    }

    private static char[] randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b).toCharArray();
    }

}
