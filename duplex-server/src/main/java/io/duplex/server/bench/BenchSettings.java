package io.duplex.server.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Everything a run needs, validated by {@link BenchCommand}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param url the server; {@code fanout} uses {@code /broadcast} when the URL's path is empty or {@code /}
 * @param loops event loops of the generator
 * @param connections echo connections, or connections to open in {@code connect}
 * @param depth messages each echo connection keeps in flight
 * @param size payload bytes per message
 * @param text text frames instead of binary
 * @param maxPending handshakes in progress at once
 * @param sourceAddresses local addresses to bind, round-robin; empty: the system chooses
 * @param publishRate fanout, hub: publications per second; hub: 0 holds the sessions without publishing
 * @param topics hub: topics the subscribers spread over (subscriber i joins topic i mod topics); 0: none
 * @param serverPid process whose CPU and memory are reported, or 0
 * @param progress print a progress line to stderr every second
 */
record BenchSettings(URI url, int loops, int connections, int depth, int size, boolean text, Duration warmup,
                     Duration duration, Duration hold, int maxPending, List<InetSocketAddress> sourceAddresses,
                     int subscribers, double publishRate, int topics, long serverPid, Duration connectTimeout,
                     boolean progress) {

    InetSocketAddress serverAddress() {
        int port = url.getPort() != -1 ? url.getPort() : 80;
        return new InetSocketAddress(url.getHost(), port);
    }

    URI withPath(String path) {
        return URI.create("ws://" + url.getRawAuthority() + path + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()));
    }

    URI echoUri() {
        String p = url.getRawPath();
        return withPath(p == null || p.isEmpty() ? "/" : p);
    }

    /** {@code hub}: the Duplex protocol's path, {@code /ws}, unless the URL has one. */
    URI hubUri() {
        String p = url.getRawPath();
        return withPath(p == null || p.isEmpty() || p.equals("/") ? "/ws" : p);
    }

    URI broadcastUri() {
        String p = url.getRawPath();
        return withPath(p == null || p.isEmpty() || p.equals("/") ? "/broadcast" : p);
    }
}
