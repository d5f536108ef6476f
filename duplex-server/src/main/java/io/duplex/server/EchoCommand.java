package io.duplex.server;

import io.duplex.net.Endpoint;
import io.duplex.net.TlsConfig;
import io.duplex.net.WebSocketServer;
import io.duplex.protocol.deflate.PerMessageDeflate;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code duplex echo}: the echo and broadcast server that the benchmarks and conformance runs measure (see
 * {@link EchoServer}). Runs until SIGINT/SIGTERM, then closes every connection with 1001 within
 * {@code --shutdown-timeout}.
 */
@Command(name = "echo", mixinStandardHelpOptions = true,
        description = "Echo server for benchmarks and conformance: every path echoes; "
                + "/broadcast fans out to all its connections, the sender included; GET /health answers.")
final class EchoCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--loops", defaultValue = "0", description = "Event loops; 0 = available processors.")
    int loops;

    @Option(names = "--max-message", defaultValue = "67108864",
            description = "Largest accepted message in bytes (default: ${DEFAULT-VALUE}, 64 MiB).")
    int maxMessage;

    @Option(names = "--no-deflate", description = "Refuse permessage-deflate (compression is on by default).")
    boolean noDeflate;

    @Option(names = "--deflate-context-takeover",
            description = "Compress with a per-connection context instead of the shared per-loop compressor.")
    boolean contextTakeover;

    @Option(names = "--deflate-client-context-takeover",
            description = "Let clients compress with context kept between messages (smaller messages from them, but "
                    + "a decompressor kept per connection); by default they are told client_no_context_takeover "
                    + "and one decompressor per loop serves every connection.")
    boolean clientContextTakeover;

    @Option(names = "--shutdown-timeout", defaultValue = "PT10S",
            description = "How long graceful shutdown waits for connections to close (default: ${DEFAULT-VALUE}).")
    Duration shutdownTimeout;

    @Mixin
    TlsOptions tlsOptions;

    @Override
    public Integer call() throws Exception {
        TlsConfig tls = tlsOptions.toConfig();
        int n = loops > 0 ? loops : Runtime.getRuntime().availableProcessors();
        PerMessageDeflate deflate = noDeflate ? null
                : Endpoint.DEFAULT_DEFLATE.withServerNoContextTakeover(!contextTakeover)
                        .withClientNoContextTakeover(!clientContextTakeover);
        WebSocketServer server = EchoServer.start(host, port, n, maxMessage, deflate, tls);
        String scheme = tls == null ? "ws" : "wss";
        System.out.println("duplex echo: listening on " + scheme + "://" + host + ":" + server.port() + "/");
        System.out.flush();
        awaitShutdown(server, shutdownTimeout);
        return 0;
    }

    /**
     * Blocks until the JVM is asked to exit, then lets the server close its connections before the JVM goes:
     * the hook is the only place a SIGTERM reaches us, and the JVM waits for hooks to return.
     */
    static void awaitShutdown(WebSocketServer server, Duration timeout) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                printLoopStats(server);
                server.shutdown(timeout).get();
            } catch (Exception e) {
                System.err.println("shutdown: " + e);
            }
            stopped.countDown();
        }, "duplex-shutdown-hook"));
        stopped.await();
    }

    /** With {@code -Dduplex.loopStats=true}, how long each loop's passes took, on stderr (see EventLoop.passStats). */
    private static void printLoopStats(WebSocketServer server) {
        for (io.duplex.net.EventLoop loop : server.group().loops()) {
            try {
                String stats = loop.submit(loop::passStats).get(5, java.util.concurrent.TimeUnit.SECONDS);
                if (stats != null) {
                    System.err.println(loop.name() + " " + stats);
                }
            } catch (Exception e) {
                System.err.println(loop.name() + ": no loop statistics: " + e);
            }
        }
    }
}
