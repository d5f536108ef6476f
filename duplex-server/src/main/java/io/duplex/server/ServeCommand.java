package io.duplex.server;

import io.duplex.net.Endpoint;
import io.duplex.net.WebSocketServer;
import io.duplex.protocol.deflate.PerMessageDeflate;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code duplex serve}: runs the server until SIGINT/SIGTERM, then shuts down gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the server: every path echoes; /broadcast fans out to all its connections. "
                + "Being replaced by the messaging server; for the echo server use `duplex echo`.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--shutdown-timeout", defaultValue = "PT10S",
            description = "How long graceful shutdown waits for connections to close (default: ${DEFAULT-VALUE}).")
    Duration shutdownTimeout;

    @Override
    public Integer call() throws Exception {
        int n = loops > 0 ? loops : Runtime.getRuntime().availableProcessors();
        PerMessageDeflate deflate = noDeflate ? null
                : Endpoint.DEFAULT_DEFLATE.withServerNoContextTakeover(!contextTakeover);
        WebSocketServer server = EchoServer.start(host, port, n, maxMessage, deflate);
        System.out.println("duplex serve: listening on ws://" + host + ":" + server.port() + "/");
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown(shutdownTimeout).get();
            } catch (Exception e) {
                System.err.println("shutdown: " + e);
            }
            stopped.countDown();
        }, "duplex-shutdown-hook"));
        stopped.await();
        return 0;
    }
}
