package io.duplex.server;

import io.duplex.net.TlsConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The server identity flags, for any command that listens: {@code @Mixin TlsOptions tls;} then
 * {@link #toConfig()}. A PEM pair or a PKCS#12 key store, never both; without either the command serves plain
 * ws://.
 */
final class TlsOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate chain, leaf first; goes with --tls-key. Serves wss:// and https://.")
    Path certificate;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "PEM private key, unencrypted PKCS#8 (BEGIN PRIVATE KEY), RSA or EC; goes with --tls-cert.")
    Path privateKey;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "PKCS#12 key store holding the key and its chain; goes with --tls-keystore-password.")
    Path keyStore;

    // A flag shows up in `ps`: DUPLEX_TLS_KEYSTORE_PASSWORD or the config file keep it out of sight.
    @Option(names = "--tls-keystore-password", paramLabel = "PASS",
            description = "Password of --tls-keystore (better given as env DUPLEX_TLS_KEYSTORE_PASSWORD).")
    String keyStorePassword;

    /**
     * The server TLS settings the flags ask for, or null when none was given.
     *
     * @throws ParameterException when a flag lacks its partner, both kinds are given, or the files cannot be
     *     loaded: all mistakes on the command line, so picocli reports them with exit status 2
     */
    TlsConfig toConfig() {
        boolean pem = certificate != null || privateKey != null;
        boolean pkcs12 = keyStore != null || keyStorePassword != null;
        if (pem && pkcs12) {
            throw usage("give --tls-cert/--tls-key or --tls-keystore/--tls-keystore-password, not both");
        }
        if (pem && (certificate == null || privateKey == null)) {
            throw usage("--tls-cert and --tls-key go together; " + (certificate == null ? "--tls-cert" : "--tls-key")
                    + " is missing");
        }
        if (pkcs12 && (keyStore == null || keyStorePassword == null)) {
            throw usage("--tls-keystore and --tls-keystore-password go together; "
                    + (keyStore == null ? "--tls-keystore" : "--tls-keystore-password") + " is missing");
        }
        try {
            if (pem) {
                return TlsConfig.serverFromPem(certificate, privateKey);
            }
            return pkcs12 ? TlsConfig.serverFromPkcs12(keyStore, keyStorePassword.toCharArray()) : null;
        } catch (IOException | GeneralSecurityException e) {
            throw usage("cannot load the TLS identity: " + e);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
