package io.duplex.server;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code duplex serve} in a JVM of its own, on this test's class path, as an operator runs a node: it can be
 * killed with SIGKILL and started again on the same port. Its output goes to a log file (shown when it fails to
 * start).
 *
 * <p>Thread-safety: for one test thread.
 */
final class NodeProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on ws://[^ ]+:(\\d+)/ws");

    private final String name;
    private final List<String> flags;
    private final Path log;
    private Process process;
    private int port;

    private NodeProcess(String name, List<String> flags, Path log) {
        this.name = name;
        this.flags = flags;
        this.log = log;
    }

    /** Launches {@code duplex serve --port 0 <flags>}; {@link #awaitListening} then waits for its port. */
    static NodeProcess launch(String name, Path dir, List<String> flags) throws IOException {
        NodeProcess n = new NodeProcess(name, List.copyOf(flags), dir.resolve(name + ".log"));
        n.launch(0);
        return n;
    }

    private void launch(int onPort) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "io.duplex.server.Main", "serve",
                "--port", Integer.toString(onPort)));
        cmd.addAll(flags);
        Files.writeString(log, "--- " + String.join(" ", flags) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Waits (at most 30 s) for the "listening on" line of the current run and returns the port. */
    int awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Matcher m = LISTENING.matcher(out.substring(out.lastIndexOf("--- ")));
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return port;
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not start listening: " + out);
            }
            Thread.sleep(20);
        }
    }

    /** SIGKILL: no shutdown, sessions cut, presence members left behind in Redis. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " survived SIGKILL for 10 s");
        }
    }

    /** Starts the node again on the port it had; call {@link #awaitListening} next. */
    void restart() throws IOException {
        launch(port);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int port() {
        return port;
    }

    URI ws() {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }

    String name() {
        return name;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public String toString() {
        return name + "@" + port;
    }
}
