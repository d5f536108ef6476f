package io.duplex.bench.peers;

import java.util.Locale;

/**
 * Command-line options shared by every peer server, with the defaults of {@code duplex echo}.
 *
 * <p>Thread-safety: an immutable value; safe to share between threads.
 *
 * @param host address to listen on
 * @param port TCP port to listen on; 0 picks a free one (read it back with {@link PeerServer#actualPort()})
 * @param threads worker or event-loop threads; ignored by peers whose framework has no such knob
 * @param deflate whether permessage-deflate (RFC 7692) is offered in the handshake
 * @param epoll whether Netty and Vert.x use the native epoll transport instead of NIO
 */
public record PeerOptions(String host, int port, int threads, boolean deflate, boolean epoll) {

    /**
     * Largest message, and largest frame, a peer accepts. The contract asks for at least 64 MiB; the
     * headroom keeps limits that count framing overhead or compare with {@code <} from refusing 64 MiB.
     */
    public static final int MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

    /** Path on which each message fans out to every connection on that path; all other paths echo. */
    public static final String BROADCAST_PATH = "/broadcast";

    public static final String USAGE =
            "[--host H (127.0.0.1)] [--port P (8080)] [--threads N (cores)] [--deflate] [--epoll]";

    public PeerOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
    }

    /** Defaults: 127.0.0.1:8080, one thread per available processor, no deflate, NIO. */
    public static PeerOptions defaults() {
        return new PeerOptions("127.0.0.1", 8080, Runtime.getRuntime().availableProcessors(), false, false);
    }

    /** Parses {@link #USAGE}; throws {@link IllegalArgumentException} naming the bad flag. */
    public static PeerOptions parse(String... args) {
        PeerOptions options = defaults();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--deflate" -> options = options.withDeflate(true);
                case "--epoll" -> options = new PeerOptions(
                        options.host, options.port, options.threads, options.deflate, true);
                case "--host", "--port", "--threads" -> {
                    if (i + 1 == args.length) {
                        throw new IllegalArgumentException(flag + " needs a value");
                    }
                    String value = args[++i];
                    options = switch (flag) {
                        case "--host" -> options.withEndpoint(value, options.port);
                        case "--port" -> options.withEndpoint(options.host, parseInt(flag, value));
                        default -> new PeerOptions(options.host, options.port, parseInt(flag, value),
                                options.deflate, options.epoll);
                    };
                }
                default -> throw new IllegalArgumentException("unknown flag " + flag + "; usage: " + USAGE);
            }
        }
        return options;
    }

    public PeerOptions withEndpoint(String newHost, int newPort) {
        return new PeerOptions(newHost, newPort, threads, deflate, epoll);
    }

    public PeerOptions withThreads(int newThreads) {
        return new PeerOptions(host, port, newThreads, deflate, epoll);
    }

    public PeerOptions withDeflate(boolean newDeflate) {
        return new PeerOptions(host, port, threads, newDeflate, epoll);
    }

    /** Whether a request target (path with an optional query) names the broadcast endpoint. */
    public static boolean isBroadcast(String requestTarget) {
        int query = requestTarget.indexOf('?');
        String path = query < 0 ? requestTarget : requestTarget.substring(0, query);
        return path.equals(BROADCAST_PATH);
    }

    private static int parseInt(String flag, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s needs an integer, got '%s'", flag, value), e);
        }
    }
}
