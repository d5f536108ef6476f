package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Clients written from docs/protocol.md alone ({@code interop/hub_client.py}, {@code interop/hub-client.mjs})
 * against the server {@code duplex serve} starts. Each client reports one JSON line per check; every check must
 * pass, the core ones must all be reported, and the client must exit 0.
 */
class HubInteropTest {
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);
    private static final String API_KEY = "hub-interop-test-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Checks both clients make; a client that stops early must not pass by reporting fewer. */
    private static final List<String> CORE_CHECKS = List.of("subprotocol", "welcome", "subscribe", "join",
            "publish-ack", "delivery", "duplicate-ack", "duplicate-not-delivered", "batch", "presence", "history",
            "history-since", "leave", "recover-ack", "recover-replay", "recover-live", "recover-bogus-epoch",
            "binary-publish-ack", "binary-delivery", "error-bad-json", "error-unknown-type", "error-unknown-field",
            "error-bad-topic", "error-not-subscribed", "error-already-subscribed", "error-too-large",
            "error-not-found", "ping", "http-publish", "http-delivery", "http-no-key");

    @TempDir
    Path dir;

    private ServeCommand.Running server;

    @BeforeEach
    void startServer() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("api-key"), API_KEY + "\n");
        ServeCommand serve = new ServeCommand();
        // As `duplex serve` parses its flags; the IP limits are far above what two clients need.
        new CommandLine(serve).parseArgs("--port", "0", "--loops", "2", "--api-key-file", keyFile.toString(),
                "--ip-connect-rate", "10000", "--ip-connect-burst", "10000", "--ip-max-connections", "10000");
        server = serve.start();
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.stop(Duration.ofSeconds(5));
        }
    }

    private String url() {
        return "ws://127.0.0.1:" + server.server().port() + "/ws";
    }

    @Test
    void pythonWebsocketsClient() throws Exception {
        ForeignClients.requirePythonWebsockets();
        assertAllChecksPass(ForeignClients.PYTHON, "hub_client.py", "--url", url(), "--api-key", API_KEY,
                "--timeout", "50");
    }

    @Test
    void nodeWsClient() throws Exception {
        ForeignClients.requireNodeWs();
        assertAllChecksPass("node", "hub-client.mjs", "--url", url(), "--api-key", API_KEY, "--timeout", "50000");
    }

    private static void assertAllChecksPass(String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(ForeignClients.interopDir().toFile()).start();
        // Both streams are read while the client runs, so a full pipe never stalls it.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String stdout;
        try {
            if (!p.waitFor(CLIENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command[1] + " did not finish within " + CLIENT_TIMEOUT);
            }
            stdout = out.get(5, TimeUnit.SECONDS);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String transcript = "--- stdout\n" + stdout + "--- stderr\n" + err.get(5, TimeUnit.SECONDS);

        Map<String, Boolean> checks = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        boolean done = false;
        for (String line : stdout.lines().toList()) {
            JsonNode n = JSON.readTree(line);
            if (n.has("check")) {
                boolean ok = n.path("ok").asBoolean(false);
                checks.merge(n.get("check").asText(), ok, Boolean::logicalAnd);
                if (!ok) {
                    failed.add(line);
                }
            } else if (n.path("done").asBoolean(false)) {
                done = true;
            }
        }
        assertThat(failed).as("failed checks of %s%n%s", command[1], transcript).isEmpty();
        assertThat(checks.keySet()).as("checks reported by %s%n%s", command[1], transcript)
                .containsAll(CORE_CHECKS);
        assertThat(done).as("final line of %s%n%s", command[1], transcript).isTrue();
        assertThat(p.exitValue()).as("exit status of %s%n%s", command[1], transcript).isZero();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
