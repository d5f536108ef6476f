package io.duplex.net.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the foreign peers the interop tests need (Node with the {@code interop/} packages, the system's
 * Python {@code websockets}, Chromium). A missing one fails the test when {@code CI=true}, since CI must
 * test every peer, and skips it loudly elsewhere so a developer without them can still run the build.
 *
 * <p>Thread-safety: stateless.
 */
final class InteropEnvironment {
    /** The Debian interpreter that has python3-websockets; the first python3 on PATH may be another. */
    static final String PYTHON = "/usr/bin/python3";
    static final String CHROMIUM = "/usr/bin/chromium";

    private InteropEnvironment() {}

    static boolean inCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Passes when {@code condition} holds; otherwise fails under CI and skips (aborts) the test elsewhere. */
    static void assumeOrFailInCi(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (inCi()) {
            fail("CI=true, so this interop test may not be skipped: " + reason);
        }
        System.err.println("\n*** SKIPPED interop test: " + reason + " (it fails instead when CI=true) ***\n");
        Assumptions.abort("SKIPPED: " + reason);
    }

    /** The repository's {@code interop/} folder, found upwards from the working directory. */
    static Path interopDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("interop/package.json"))) {
                return p.resolve("interop");
            }
        }
        throw new IllegalStateException("no interop/package.json above " + Path.of("").toAbsolutePath());
    }

    static void requireNode(String... packages) {
        assumeOrFailInCi(runs(List.of("node", "--version")), "Node.js (`node`) is not on PATH");
        assumeOrFailInCi(NodePackages.ensure(interopDir(), packages),
                "interop/node_modules lacks " + String.join(", ", packages) + " and `npm ci --prefix interop` failed");
    }

    static void requirePythonWebsockets() {
        assumeOrFailInCi(runs(List.of(PYTHON, "-c", "import websockets")),
                PYTHON + " cannot import websockets: install the Debian package python3-websockets");
    }

    static void requireChromium() {
        assumeOrFailInCi(Files.isExecutable(Path.of(CHROMIUM)),
                CHROMIUM + " is missing: install the Debian package chromium");
    }

    /** True when the command exits 0 within 10 s. */
    private static boolean runs(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
