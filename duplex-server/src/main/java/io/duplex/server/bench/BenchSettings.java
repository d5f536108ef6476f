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
 * @param urls hub: the subscribers' servers, round robin (the first is {@code url})
 * @param publishUrl hub: the publisher's server
 * @param writePerMessage echo: flush each message in its own write instead of one write per callback
 */
record BenchSettings(URI url, int loops, int connections, int depth, int size, boolean text, Duration warmup,
                     Duration duration, Duration hold, int maxPending, List<InetSocketAddress> sourceAddresses,
                     int subscribers, double publishRate, int topics, long serverPid, Duration connectTimeout,
                     boolean progress, List<URI> urls, URI publishUrl, boolean writePerMessage) {

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

    /** {@code hub}: {@link #hubUri} of each of {@link #urls}. */
    List<URI> hubUris() {
        return urls.stream().map(u -> hubUri(u)).toList();
    }

    /** {@code hub}: the publisher's {@link #hubUri}. */
    URI publishUri() {
        return hubUri(publishUrl);
    }

    private static URI hubUri(URI u) {
        String p = u.getRawPath();
        return URI.create("ws://" + u.getRawAuthority() + (p == null || p.isEmpty() || p.equals("/") ? "/ws" : p)
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
    }

    URI broadcastUri() {
        String p = url.getRawPath();
        return withPath(p == null || p.isEmpty() || p.equals("/") ? "/broadcast" : p);
    }
}
