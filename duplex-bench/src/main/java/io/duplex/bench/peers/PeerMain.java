package io.duplex.bench.peers;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * The command-line life cycle every peer shares: parse flags, start, print the ready line, run until
 * SIGTERM (or SIGINT), then close the server from a JVM shutdown hook.
 *
 * <p>Thread-safety: {@link #run} is meant for a {@code main} thread and blocks until shutdown; the
 * shutdown hook it installs is the only other thread that touches the server.
 */
public final class PeerMain {

    private PeerMain() {
    }

    /**
     * Runs one peer until the JVM is asked to stop. Exits with status 2 on bad flags and 1 when the server
     * cannot start. On SIGTERM the JVM runs the hook, which closes the server; the JVM then exits with
     * the conventional status 143.
     */
    public static void run(String name, String[] args, PeerServer.Starter starter) {
        PrintStream out = System.out;
        PeerOptions options;
        try {
            options = PeerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(name + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        PeerServer server;
        try {
            server = starter.start(options);
        } catch (Exception e) {
            System.err.println(name + ": cannot start on " + options.host() + ":" + options.port() + ": " + e);
            System.exit(1);
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } finally {
                closed.countDown();
            }
        }, name + "-shutdown"));
        out.println("listening on " + options.host() + ":" + server.actualPort());
        out.flush();
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
