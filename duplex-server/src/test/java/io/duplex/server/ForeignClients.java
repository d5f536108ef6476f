package io.duplex.server;

import static org.junit.jupiter.api.Assertions.fail;

import io.duplex.net.interop.NodePackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the programs written by others that tests run against: the clients in {@code interop/} (Node with the
 * {@code ws} package, the system's Python {@code websockets}), Chromium, nginx, haproxy and Redis. The rule is duplex-net's interop rule: a missing one fails the test when
 * {@code CI=true}, since CI must run every client, and skips it loudly elsewhere.
 *
 * <p>Thread-safety: stateless.
 */
final class ForeignClients {
    /** The Debian interpreter that has python3-websockets; the first python3 on PATH may be another. */
    static final String PYTHON = "/usr/bin/python3";
    /** The Debian Chromium that playwright-core drives (it downloads no browser of its own). */
    static final String CHROMIUM = "/usr/bin/chromium";

    private ForeignClients() {}

    static void requireNodeWs() {
        assumeOrFailInCi(runs(List.of("node", "--version")), "Node.js (`node`) is not on PATH");
        assumeOrFailInCi(NodePackages.ensure(interopDir(), "ws"),
                "interop/node_modules/ws is missing and `npm ci --prefix interop` failed");
    }

    /** Node, {@code playwright-core} from {@code interop/node_modules} and Chromium, for the demo page tests. */
    static void requireBrowser() {
        assumeOrFailInCi(runs(List.of("node", "--version")), "Node.js (`node`) is not on PATH");
        assumeOrFailInCi(NodePackages.ensure(interopDir(), "playwright-core"),
                "interop/node_modules/playwright-core is missing and `npm ci --prefix interop` failed");
        assumeOrFailInCi(Files.isExecutable(Path.of(CHROMIUM)),
                CHROMIUM + " is missing: install the Debian package chromium");
    }

    /** Debian's nginx, the reverse proxy of the fallback tests. */
    static final String NGINX = "/usr/sbin/nginx";

    static void requireNginx() {
        assumeOrFailInCi(Files.isExecutable(Path.of(NGINX)),
                NGINX + " is missing: install the Debian package nginx");
    }

    /** Debian's haproxy, the load balancer in front of several nodes. */
    static final String HAPROXY = "/usr/sbin/haproxy";

    static void requireHaproxy() {
        assumeOrFailInCi(Files.isExecutable(Path.of(HAPROXY)),
                HAPROXY + " is missing: install the Debian package haproxy");
    }

    /** The shared Redis on 127.0.0.1:6379 of the scale-out tests (never stopped or flushed by a test). */
    static final String REDIS = "redis://127.0.0.1:6379";

    static void requireRedis() {
        boolean up;
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", 6379), 500);
            up = true;
        } catch (IOException e) {
            up = false;
        }
        assumeOrFailInCi(up, "no Redis on 127.0.0.1:6379: install the Debian package redis-server");
    }

    /** redis-server on PATH, for tests that start (and stop) a Redis of their own. */
    static void requireRedisServer() {
        assumeOrFailInCi(runs(List.of("redis-server", "--version")),
                "redis-server is not on PATH: install the Debian package redis-server");
    }

    /** Node and duplex-client-js's dev dependencies ({@code ws}) for the JavaScript client's own tests. */
    static void requireJsClient() {
        assumeOrFailInCi(runs(List.of("node", "--version")), "Node.js (`node`) is not on PATH");
        assumeOrFailInCi(NodePackages.ensure(jsClientDir(), "ws"),
                "duplex-client-js/node_modules/ws is missing and `npm ci --prefix duplex-client-js` failed");
    }

    static void requirePythonWebsockets() {
        assumeOrFailInCi(runs(List.of(PYTHON, "-c", "import websockets")),
                PYTHON + " cannot import websockets: install the Debian package python3-websockets");
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

    /** The repository's {@code duplex-client-js/} folder, next to {@code interop/}. */
    static Path jsClientDir() {
        return interopDir().resolveSibling("duplex-client-js");
    }

    private static void assumeOrFailInCi(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            fail("CI=true, so this interop test may not be skipped: " + reason);
        }
        System.err.println("\n*** SKIPPED interop test: " + reason + " (it fails instead when CI=true) ***\n");
        Assumptions.abort("SKIPPED: " + reason);
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
