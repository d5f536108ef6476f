package io.duplex.server.ot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the JavaScript side's tests ({@code node --test duplex-client-js/test/ot.test.js}) under {@code mvn verify}.
 * The rule of the interop tests (ForeignClients): without Node this fails when {@code CI=true} and is skipped
 * loudly elsewhere.
 */
class OtJsTest {
    private static final String TEST_FILE = "duplex-client-js/test/ot.test.js";

    @Test
    void nodeTestsOfOtJsPass() throws Exception {
        requireNode();
        Path root = repositoryRoot();
        Process p = new ProcessBuilder("node", "--test", TEST_FILE).directory(root.toFile())
                .redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        });
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("node --test " + TEST_FILE + " did not finish within 120 s");
        }
        String transcript = out.get(5, TimeUnit.SECONDS);
        assertThat(p.exitValue()).as("node --test %s%n%s", TEST_FILE, transcript).isZero();
        assertThat(transcript).contains("# fail 0");
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(TEST_FILE))) {
                return p;
            }
        }
        throw new IllegalStateException("no " + TEST_FILE + " above " + Path.of("").toAbsolutePath());
    }

    private static void requireNode() {
        boolean runs;
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            runs = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            runs = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            runs = false;
        }
        if (runs) {
            return;
        }
        String reason = "Node.js (`node`) is not on PATH, so " + TEST_FILE + " cannot run";
        if ("true".equals(System.getenv("CI"))) {
            fail("CI=true, so this test may not be skipped: " + reason);
        }
        System.err.println("\n*** SKIPPED OtJsTest: " + reason + " (it fails instead when CI=true) ***\n");
        Assumptions.abort("SKIPPED: " + reason);
    }
}
