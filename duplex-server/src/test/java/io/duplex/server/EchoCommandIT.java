package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.duplex.net.ClientOptions;
import io.duplex.net.CloseStatus;
import io.duplex.net.SelfSignedCertificate;
import io.duplex.net.TlsConfig;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code duplex echo} in its own JVM: SIGTERM closes every client with 1001 and the process exits (once through
 * {@code java -cp} with this test's class path, once through the {@code ./duplex} launcher at the repository
 * root), and the TLS flags serve wss:// with a PEM or a PKCS#12 identity.
 */
@Timeout(60)
class EchoCommandIT {
    private static final Pattern LISTENING = Pattern.compile("duplex echo: listening on wss?://127\\.0\\.0\\.1:(\\d+)/");
    /** 128 + SIGTERM: the JVM's exit status after its shutdown hooks ran for a SIGTERM. */
    private static final int EXIT_ON_SIGTERM = 143;

    private Process process;

    @AfterEach
    void tearDown() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigtermClosesClientsWith1001AndExits() throws Exception {
        ProcessBuilder pb = echo("--shutdown-timeout", "PT5S");
        List<String> stdout = new ArrayList<>();
        int port = start(pb, stdout);

        assertGracefulShutdown(port);
    }

    @Test
    void launcherExecsTheJvmWithJavaOptsAndShutsDownGracefully() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path launcher = root.resolve("duplex");
        Path jar = root.resolve("duplex-server/target/duplex.jar");
        assumeTrue(Files.isExecutable(launcher) && isFresh(root, jar),
                "duplex.jar missing or older than the sources: the launcher would run a Maven build");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "echo", "--port", String.valueOf(port),
                "--loops", "1").directory(root.toFile());
        // 97 MiB: a heap size nobody picks by accident, visible in the flags the JVM prints.
        pb.environment().put("JAVA_OPTS", "-Xmx97m -XX:+PrintCommandLineFlags");
        List<String> stdout = new ArrayList<>();

        assertThat(start(pb, stdout)).isEqualTo(port);

        assertThat(String.join("\n", stdout)).contains("-XX:MaxHeapSize=" + (97L << 20));
        // exec: the process we started is the JVM itself, so SIGTERM reaches it and not a shell.
        assertThat(process.info().command().orElse("")).endsWith("java");
        assertGracefulShutdown(port);
    }

    @Test
    void pemCertificateAndKeyServeWss() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("RSA");
        List<String> stdout = new ArrayList<>();
        int port = start(echo("--tls-cert", cert.certificatePem.toString(), "--tls-key", cert.privateKeyPem.toString()),
                stdout);

        assertThat(stdout).last().asString().startsWith("duplex echo: listening on wss://");
        assertEchoesOverWss(port, cert);
    }

    @Test
    void pkcs12KeyStoreServesWss() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("EC");
        List<String> stdout = new ArrayList<>();
        int port = start(echo("--tls-keystore", cert.keyStore.toString(),
                "--tls-keystore-password", new String(SelfSignedCertificate.PASSWORD)), stdout);

        assertThat(stdout).last().asString().startsWith("duplex echo: listening on wss://");
        assertEchoesOverWss(port, cert);
    }

    /** {@code duplex echo} with these flags after a free port and one loop, in a JVM on this test's class path. */
    private static ProcessBuilder echo(String... flags) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "io.duplex.server.Main", "echo", "--port", "0", "--loops", "1"));
        cmd.addAll(List.of(flags));
        return new ProcessBuilder(cmd);
    }

    private static void assertEchoesOverWss(int port, SelfSignedCertificate cert) throws Exception {
        ClientOptions options = ClientOptions.DEFAULTS.withTls(TlsConfig.clientTrusting(cert.certificate));
        EchoServerTest.Client c = new EchoServerTest.Client();
        WebSocket ws = WebSocketClient.connect(URI.create("wss://127.0.0.1:" + port + "/secure"), options, c)
                .get(10, TimeUnit.SECONDS);
        ws.sendText("over tls");
        assertThat(c.next()).isEqualTo("over tls");
        ws.close();
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1000, "", false, true));
    }

    /** Starts the server and returns its port, read from the line it prints once listening. */
    private int start(ProcessBuilder pb, List<String> stdout) throws Exception {
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        process = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    stdout.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        return Integer.parseInt(m.group(1));
                    }
                }
                throw new IllegalStateException("server exited before listening: " + stdout);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return port.get(30, TimeUnit.SECONDS);
    }

    private void assertGracefulShutdown(int port) throws Exception {
        EchoServerTest.Client c = new EchoServerTest.Client();
        WebSocket ws = WebSocketClient.connect(URI.create("ws://127.0.0.1:" + port + "/"), ClientOptions.DEFAULTS, c)
                .get(10, TimeUnit.SECONDS);
        ws.sendText("still there?");
        assertThat(c.next()).isEqualTo("still there?");

        process.destroy();

        assertThat(c.closed.get(10, TimeUnit.SECONDS))
                .isEqualTo(new CloseStatus(1001, "server shutting down", true, true));
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exited within 10 s").isTrue();
        assertThat(process.exitValue()).isEqualTo(EXIT_ON_SIGTERM);
    }

    /** The launcher's own test: no file under a module's src/main is newer than the jar. */
    static boolean isFresh(Path root, Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            return false;
        }
        long built = Files.getLastModifiedTime(jar).toMillis();
        try (Stream<Path> files = Files.walk(root, 8)) {
            return files.filter(p -> p.toString().contains("/src/main/")).filter(Files::isRegularFile)
                    .noneMatch(p -> p.toFile().lastModified() > built);
        }
    }
}
