package io.duplex.net;

import io.duplex.protocol.deflate.PerMessageDeflate;
import io.duplex.protocol.handshake.HttpHeaders;
import java.time.Duration;
import java.util.List;

/**
 * How {@link WebSocketClient} connects. Immutable; change with the {@code with*} methods.
 *
 * @param headers extra handshake headers, e.g. Authorization
 * @param subprotocols offered subprotocols, in preference order
 * @param origin the Origin header to send, or null
 * @param connectTimeout TCP (and TLS) connection, default 10 s
 * @param handshakeTimeout from connection to a validated 101 response, default 10 s
 * @param options limits and timers of the connection once open
 * @param tls TLS settings for wss://; null uses the JDK's default trust store with hostname verification
 * @param group event loops to run on; null uses a shared group of daemon threads
 * @param reconnect automatic reconnection, or null for none
 * @param deflate permessage-deflate to offer (RFC 7692), on by default; null offers none
 */
public record ClientOptions(HttpHeaders headers, List<String> subprotocols, String origin, Duration connectTimeout,
                            Duration handshakeTimeout, WebSocketOptions options, TlsConfig tls, EventLoopGroup group,
                            Reconnect reconnect, PerMessageDeflate deflate) {

    public static final ClientOptions DEFAULTS = new ClientOptions(HttpHeaders.empty(), List.of(), null,
            Duration.ofSeconds(10), Duration.ofSeconds(10), WebSocketOptions.CLIENT_DEFAULTS, null, null, null,
            PerMessageDeflate.defaults().withServerNoContextTakeover(false).withClientNoContextTakeover(false)
                    .withFactory(JZlibDeflaterFactory.INSTANCE));

    public ClientOptions {
        subprotocols = List.copyOf(subprotocols);
        if (headers == null || connectTimeout == null || handshakeTimeout == null || options == null) {
            throw new IllegalArgumentException("headers, timeouts and options are required");
        }
    }

    public ClientOptions withHeader(String name, String value) {
        HttpHeaders h = new HttpHeaders();
        for (var e : headers) {
            h.add(e.getKey(), e.getValue());
        }
        h.add(name, value);
        return new ClientOptions(h, subprotocols, origin, connectTimeout, handshakeTimeout, options, tls, group,
                reconnect, deflate);
    }

    public ClientOptions withSubprotocols(String... offered) {
        return new ClientOptions(headers, List.of(offered), origin, connectTimeout, handshakeTimeout, options, tls,
                group, reconnect, deflate);
    }

    public ClientOptions withOrigin(String value) {
        return new ClientOptions(headers, subprotocols, value, connectTimeout, handshakeTimeout, options, tls, group,
                reconnect, deflate);
    }

    public ClientOptions withTimeouts(Duration connect, Duration handshake) {
        return new ClientOptions(headers, subprotocols, origin, connect, handshake, options, tls, group, reconnect, deflate);
    }

    public ClientOptions withOptions(WebSocketOptions o) {
        return new ClientOptions(headers, subprotocols, origin, connectTimeout, handshakeTimeout, o, tls, group,
                reconnect, deflate);
    }

    public ClientOptions withTls(TlsConfig t) {
        return new ClientOptions(headers, subprotocols, origin, connectTimeout, handshakeTimeout, options, t, group,
                reconnect, deflate);
    }

    public ClientOptions withGroup(EventLoopGroup g) {
        return new ClientOptions(headers, subprotocols, origin, connectTimeout, handshakeTimeout, options, tls, g,
                reconnect, deflate);
    }

    public ClientOptions withReconnect(Reconnect r) {
        return new ClientOptions(headers, subprotocols, origin, connectTimeout, handshakeTimeout, options, tls, group,
                r, deflate);
    }

    /** Compression to offer; null offers none. */
    public ClientOptions withDeflate(PerMessageDeflate d) {
        return new ClientOptions(headers, subprotocols, origin, connectTimeout, handshakeTimeout, options, tls, group,
                reconnect, d);
    }

    /**
     * Automatic reconnection with exponential backoff and jitter: attempt n waits
     * {@code min(maxDelay, initialDelay * multiplier^(n-1))}, varied by up to {@code jitter} (a fraction) either
     * way so that many clients cut off together do not return together.
     *
     * @param maxAttempts consecutive failed attempts before giving up; 0 means never give up
     * @param maxQueuedMessages messages held while disconnected; more are dropped
     */
    public record Reconnect(Duration initialDelay, Duration maxDelay, double multiplier, double jitter,
                            int maxAttempts, int maxQueuedMessages) {
        public static final Reconnect DEFAULTS =
                new Reconnect(Duration.ofMillis(250), Duration.ofSeconds(30), 2.0, 0.2, 0, 1000);

        public Reconnect {
            if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0 || multiplier < 1
                    || jitter < 0 || jitter > 1 || maxAttempts < 0 || maxQueuedMessages < 0) {
                throw new IllegalArgumentException("invalid reconnect settings");
            }
        }

        /** The delay before attempt {@code attempt} (1-based), {@code random} in [0, 1). */
        public Duration delay(int attempt, double random) {
            double base = initialDelay.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
            base = Math.min(base, maxDelay.toNanos());
            double factor = 1 + jitter * (2 * random - 1);
            return Duration.ofNanos((long) Math.max(0, Math.min(maxDelay.toNanos(), base * factor)));
        }
    }
}
