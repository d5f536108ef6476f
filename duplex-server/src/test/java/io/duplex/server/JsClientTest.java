package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The JavaScript client's tests ({@code node --test test/} in duplex-client-js) against two servers that
 * {@code duplex serve} starts in-process: one with an API key and anonymous clients (DUPLEX_URL, DUPLEX_API_KEY),
 * one with a JWT secret, no clock skew and a 1 s token grace so that expiry happens within a test
 * (DUPLEX_JWT_URL, DUPLEX_JWT_SECRET). Node must exit 0; its TAP output is printed when it does not.
 */
class JsClientTest {
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(180);
    private static final String API_KEY = "js-client-test-key";
    private static final String JWT_SECRET = "js-client-test-secret-of-at-least-32-bytes";

    @TempDir
    Path dir;

    private ServeCommand.Running open;
    private ServeCommand.Running withTokens;

    @BeforeEach
    void startServers() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("api-key"), API_KEY + "\n");
        Path secretFile = Files.writeString(dir.resolve("jwt-secret"), JWT_SECRET);
        // The IP limits are far above what the tests' reconnects need.
        open = start("--api-key-file", keyFile.toString());
        withTokens = start("--jwt-secret-file", secretFile.toString(), "--jwt-clock-skew", "PT0S",
                "--token-grace", "PT1S");
    }

    private static ServeCommand.Running start(String... extra) throws Exception {
        ServeCommand serve = new ServeCommand();
        String[] common = {"--port", "0", "--loops", "2", "--ip-connect-rate", "10000", "--ip-connect-burst",
                "10000", "--ip-max-connections", "10000"};
        String[] args = new String[common.length + extra.length];
        System.arraycopy(common, 0, args, 0, common.length);
        System.arraycopy(extra, 0, args, common.length, extra.length);
        new CommandLine(serve).parseArgs(args);
        return serve.start();
    }

    @AfterEach
    void stopServers() throws Exception {
        for (ServeCommand.Running r : new ServeCommand.Running[] {open, withTokens}) {
            if (r != null) {
                r.stop(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void nodeTestsOfTheJavaScriptClientPass() throws Exception {
        ForeignClients.requireJsClient();
        ProcessBuilder pb = new ProcessBuilder("node", "--test", "--test-timeout=60000", "test/")
                .directory(ForeignClients.jsClientDir().toFile());
        Map<String, String> env = pb.environment();
        env.put("DUPLEX_URL", "ws://127.0.0.1:" + open.server().port() + "/ws");
        env.put("DUPLEX_API_KEY", API_KEY);
        env.put("DUPLEX_JWT_URL", "ws://127.0.0.1:" + withTokens.server().port() + "/ws");
        env.put("DUPLEX_JWT_SECRET", JWT_SECRET);
        Process p = pb.start();
        // Both streams are read while node runs, so a full pipe never stalls it.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try {
            if (!p.waitFor(NODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("node --test did not finish within " + NODE_TIMEOUT + "\n"
                        + out.getNow("") + err.getNow(""));
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String transcript = "--- TAP\n" + out.get(5, TimeUnit.SECONDS) + "--- stderr\n" + err.get(5, TimeUnit.SECONDS);
        assertThat(p.exitValue()).as("exit status of node --test in duplex-client-js%n%s", transcript).isZero();
        assertThat(transcript).as("no test may be skipped against a server that has everything%n%s", transcript)
                .contains("# skipped 0");
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
