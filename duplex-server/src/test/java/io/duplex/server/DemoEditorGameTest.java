package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
import picocli.CommandLine;

/**
 * The editor and game demo pages in headless Chromium against the server {@code duplex serve} starts, driven by
 * {@code duplex-client-js/test-support/browser/editor-game.mjs}: three editors typing at once converge on the authority's
 * text, and a dot moved along a path in one page follows it in another, carried by binary frames. The driver
 * reports one JSON line per check and saves editor.png and game.png (to target/demo-screenshots, or to
 * {@code -Ddemo.screenshots=docs/demos} for the README).
 */
class DemoEditorGameTest {
    private static final Duration DRIVER_TIMEOUT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every check the driver makes; a driver that stops early must not pass by reporting fewer. */
    private static final List<String> CHECKS = List.of("editor-converged", "editor-authority", "editor-pieces",
            "editor-no-forged-answers", "editor-users", "game-presence", "game-remote-follows-path",
            "game-interpolated", "game-binary-sent", "game-binary-received", "game-exclude-self");

    private ServeCommand.Running server;

    @BeforeEach
    void startServer() throws Exception {
        ServeCommand serve = new ServeCommand();
        // As `duplex serve` parses its flags (demo tokens on, editor document `demo`); the IP limits are far above
        // what five pages need, and the message rate above 30 positions a second plus presence and pings.
        new CommandLine(serve).parseArgs("--port", "0", "--loops", "2",
                "--ip-connect-rate", "10000", "--ip-connect-burst", "10000", "--ip-max-connections", "10000",
                "--rate-messages", "1000", "--rate-message-burst", "2000");
        server = serve.start();
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void editorConvergesAndGameMovesSmoothlyOverBinaryFrames() throws Exception {
        ForeignClients.requireBrowser();
        Path repo = ForeignClients.interopDir().getParent();
        Path driver = repo.resolve("duplex-client-js/test-support/browser/editor-game.mjs");
        // Screenshots go to target/ unless -Ddemo.screenshots=docs/demos asks for the README's copies.
        Path shots = Path.of(System.getProperty("demo.screenshots", "target/demo-screenshots")).toAbsolutePath();
        java.nio.file.Files.createDirectories(shots);
        Process p = new ProcessBuilder("node", driver.toString(),
                "--base", "http://127.0.0.1:" + server.server().port(),
                "--out", shots.toString(),
                "--chromium", ForeignClients.CHROMIUM,
                "--timeout", String.valueOf(DRIVER_TIMEOUT.minusSeconds(10).toMillis()))
                .directory(repo.toFile()).start();
        // Both streams are read while the driver runs, so a full pipe never stalls it.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String stdout;
        try {
            if (!p.waitFor(DRIVER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("editor-game.mjs did not finish within " + DRIVER_TIMEOUT);
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
        assertThat(failed).as("failed checks%n%s", transcript).isEmpty();
        assertThat(checks.keySet()).as("checks reported%n%s", transcript).containsAll(CHECKS);
        assertThat(done).as("final line%n%s", transcript).isTrue();
        assertThat(p.exitValue()).as("exit status%n%s", transcript).isZero();
        assertThat(shots.resolve("editor.png")).isNotEmptyFile();
        assertThat(shots.resolve("game.png")).isNotEmptyFile();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
