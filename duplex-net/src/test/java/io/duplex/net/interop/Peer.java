package io.duplex.net.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A foreign peer process (a script in {@code interop/}) that reports in JSON lines on stdout. Its lines are
 * collected as they come; {@link #close} kills it and everything it started (Chromium under the driver).
 *
 * <p>Thread-safety: one test thread drives it; the reader threads only feed thread-safe collections.
 */
final class Peer implements AutoCloseable {
    private static final Pattern CHECK = Pattern.compile("\"check\":\\s*\"([^\"]+)\"");
    private static final Pattern OK = Pattern.compile("\"ok\":\\s*(true|false)");
    private static final Pattern INT = Pattern.compile("\"(\\w+)\":\\s*(-?\\d+)");

    private final Process process;
    private final List<String> command;
    private final BlockingQueue<String> fresh = new LinkedBlockingQueue<>();
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final StringBuffer stderr = new StringBuffer();
    private final List<Thread> readers = new ArrayList<>(2);

    private Peer(Process process, List<String> command) {
        this.process = process;
        this.command = command;
        pump(process.getInputStream(), line -> {
            stdout.add(line);
            fresh.add(line);
        });
        pump(process.getErrorStream(), line -> stderr.append(line).append('\n'));
    }

    static Peer start(Path dir, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        return new Peer(pb.start(), List.of(command));
    }

    private void pump(InputStream in, Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException ignored) {
                // the process went away; what was read is kept
            }
        }, "peer-output");
        t.setDaemon(true);
        t.start();
        readers.add(t);
    }

    /** The next stdout line matching {@code p}, waiting at most {@code timeout}. */
    String awaitLine(Predicate<String> p, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        for (long left; (left = until - System.nanoTime()) > 0; ) {
            String line = fresh.poll(left, TimeUnit.NANOSECONDS);
            if (line != null && p.test(line)) {
                return line;
            }
        }
        throw new AssertionError("no matching line from the peer within " + timeout + "\n" + transcript());
    }

    /** For the server scripts: the port from their first line, {@code {"listening":PORT}}. */
    int awaitListeningPort() throws InterruptedException {
        return intField(awaitLine(l -> l.contains("\"listening\""), Duration.ofSeconds(10)), "listening");
    }

    /** The first integer field {@code name} of {@code jsonLine}. */
    static int intField(String jsonLine, String name) {
        Matcher m = INT.matcher(jsonLine);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return Integer.parseInt(m.group(2));
            }
        }
        throw new AssertionError("no integer \"" + name + "\" in " + jsonLine);
    }

    /** Waits for the process to end and returns its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new AssertionError("the peer did not finish within " + timeout + "\n" + transcript());
        }
        // The reader threads may still hold the last lines: they end at EOF, right after the exit.
        for (Thread t : readers) {
            t.join(5_000);
        }
        return process.exitValue();
    }

    /**
     * Asserts that the peer exited 0 within {@code timeout}, that every check it reported passed, and that it
     * reported exactly {@code expected}.
     */
    void assertAllPassed(Duration timeout, String... expected) throws InterruptedException {
        int status = awaitExit(timeout);
        Map<String, Boolean> checks = checks();
        assertThat(checks).as("checks reported by %s%n%s", command, transcript())
                .containsOnlyKeys(expected)
                .doesNotContainValue(false);
        assertThat(status).as("exit status of %s%n%s", command, transcript()).isZero();
    }

    /** Checks reported so far, by name, in order; a name reported twice keeps its worst outcome. */
    Map<String, Boolean> checks() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        synchronized (stdout) {
            for (String line : stdout) {
                Matcher c = CHECK.matcher(line);
                Matcher ok = OK.matcher(line);
                if (c.find() && ok.find()) {
                    out.merge(c.group(1), Boolean.parseBoolean(ok.group(1)), Boolean::logicalAnd);
                }
            }
        }
        return out;
    }

    String transcript() {
        synchronized (stdout) {
            return "--- stdout\n" + String.join("\n", stdout) + "\n--- stderr\n" + stderr;
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
