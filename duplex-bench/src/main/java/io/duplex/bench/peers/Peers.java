package io.duplex.bench.peers;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Launcher: {@code Peers netty|jetty|java-websocket|vertx [flags]} runs the named peer with the flags of
 * {@link PeerOptions#USAGE}.
 *
 * <p>Thread-safety: stateless; {@link #main} runs on the main thread.
 */
public final class Peers {

    /** Peer name to its starter, in the order the usage line lists them. */
    static final Map<String, PeerServer.Starter> STARTERS = new LinkedHashMap<>();

    static {
        STARTERS.put("netty", NettyPeer::start);
        STARTERS.put("jetty", JettyPeer::start);
        STARTERS.put("java-websocket", JavaWebSocketPeer::start);
        STARTERS.put("vertx", VertxPeer::start);
    }

    private Peers() {
    }

    public static void main(String[] args) {
        PeerServer.Starter starter = args.length == 0 ? null : STARTERS.get(args[0]);
        if (starter == null) {
            System.err.println("usage: Peers " + String.join("|", STARTERS.keySet()) + " " + PeerOptions.USAGE);
            System.exit(2);
            return;
        }
        PeerMain.run(args[0], Arrays.copyOfRange(args, 1, args.length), starter);
    }
}
