package io.duplex.bench.peers;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Launcher: {@code Peers netty|jetty|java-websocket|vertx [flags]} runs the named peer with the flags of
 * {@link PeerOptions#USAGE}.
 *
 * <p>Thread-safety: its only state is an unmodifiable map built during class initialisation, so it is
 * safe to read from any thread; {@link #main} runs on the main thread.
 */
public final class Peers {

    /** Peer name to its starter, in the order the usage line lists them. */
    static final Map<String, PeerServer.Starter> STARTERS;

    static {
        Map<String, PeerServer.Starter> starters = new LinkedHashMap<>();
        starters.put("netty", NettyPeer::start);
        starters.put("jetty", JettyPeer::start);
        starters.put("java-websocket", JavaWebSocketPeer::start);
        starters.put("vertx", VertxPeer::start);
        STARTERS = Collections.unmodifiableMap(starters);
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
