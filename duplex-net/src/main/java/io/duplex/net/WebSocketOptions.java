package io.duplex.net;

import io.duplex.protocol.EngineConfig;
import java.time.Duration;

/**
 * Per-connection limits and timers, shared by server endpoints and clients. Immutable; change with the
 * {@code with*} methods.
 *
 * <table>
 *   <caption>Defaults and the attack or accident each prevents</caption>
 *   <tr><td>maxFramePayload / maxMessageSize</td><td>16 MiB</td><td>memory held by one peer's message (1009)</td></tr>
 *   <tr><td>pingInterval</td><td>30 s (server), off (client)</td><td>dead peers behind NAT or a crashed host;
 *       a peer whose pong has not arrived by the next ping, and that sent nothing else meanwhile, is terminated
 *       (a pong stuck behind data we are not reading yet, or behind our own queue that the peer is draining, does
 *       not count against it; a ping sent behind queued data, or after the socket took bytes in the interval
 *       before it, gets one more silent interval)</td></tr>
 *   <tr><td>idleTimeout</td><td>off</td><td>when set, a connection with no text or binary message either way for
 *       this long is closed with 1001</td></tr>
 *   <tr><td>closeTimeout</td><td>5 s</td><td>a peer that never answers our close frame or never reads it</td></tr>
 *   <tr><td>highWatermark / lowWatermark</td><td>64 KiB / 16 KiB</td><td>above high, reading from the connection
 *       pauses until the queue drains below low: a peer that sends faster than it reads cannot grow our memory</td></tr>
 *   <tr><td>maxBackpressure</td><td>16 MiB</td><td>a slow consumer: a send that would queue more than this is
 *       refused, and with {@link SlowConsumerPolicy#CLOSE} the connection is closed with 1008</td></tr>
 * </table>
 */
public record WebSocketOptions(
        int maxFramePayload,
        int maxMessageSize,
        Duration pingInterval,
        Duration idleTimeout,
        Duration closeTimeout,
        int highWatermark,
        int lowWatermark,
        long maxBackpressure,
        SlowConsumerPolicy slowConsumerPolicy) {

    /** What happens when a send would exceed {@code maxBackpressure}. */
    public enum SlowConsumerPolicy {
        /** Refuse the message ({@link SendResult#DROPPED}); the connection stays open. */
        DROP,
        /** Refuse the message and close the connection with 1008. */
        CLOSE
    }

    public static final WebSocketOptions SERVER_DEFAULTS = new WebSocketOptions(
            EngineConfig.DEFAULT_MAX_FRAME_PAYLOAD, EngineConfig.DEFAULT_MAX_MESSAGE_SIZE,
            Duration.ofSeconds(30), Duration.ZERO, Duration.ofSeconds(5),
            64 * 1024, 16 * 1024, 16L << 20, SlowConsumerPolicy.CLOSE);

    public static final WebSocketOptions CLIENT_DEFAULTS = SERVER_DEFAULTS.withPingInterval(Duration.ZERO);

    public WebSocketOptions {
        if (maxFramePayload < 125 || maxMessageSize < 1) {
            throw new IllegalArgumentException("maxFramePayload must be >= 125 and maxMessageSize >= 1");
        }
        if (pingInterval.isNegative() || idleTimeout.isNegative() || closeTimeout.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
        if (lowWatermark < 0 || highWatermark < lowWatermark) {
            throw new IllegalArgumentException("need 0 <= lowWatermark <= highWatermark");
        }
        if (maxBackpressure < highWatermark) {
            throw new IllegalArgumentException("maxBackpressure must be >= highWatermark");
        }
        if (slowConsumerPolicy == null) {
            throw new IllegalArgumentException("slowConsumerPolicy is required");
        }
    }

    /** Sets the message limit and the frame limit with it (a frame cannot usefully exceed its message). */
    public WebSocketOptions withMaxMessageSize(int bytes) {
        return new WebSocketOptions(Math.max(bytes, 125), bytes, pingInterval, idleTimeout, closeTimeout,
                highWatermark, lowWatermark, maxBackpressure, slowConsumerPolicy);
    }

    public WebSocketOptions withMaxFramePayload(int bytes) {
        return new WebSocketOptions(bytes, maxMessageSize, pingInterval, idleTimeout, closeTimeout, highWatermark,
                lowWatermark, maxBackpressure, slowConsumerPolicy);
    }

    public WebSocketOptions withPingInterval(Duration d) {
        return new WebSocketOptions(maxFramePayload, maxMessageSize, d, idleTimeout, closeTimeout, highWatermark,
                lowWatermark, maxBackpressure, slowConsumerPolicy);
    }

    public WebSocketOptions withIdleTimeout(Duration d) {
        return new WebSocketOptions(maxFramePayload, maxMessageSize, pingInterval, d, closeTimeout, highWatermark,
                lowWatermark, maxBackpressure, slowConsumerPolicy);
    }

    public WebSocketOptions withCloseTimeout(Duration d) {
        return new WebSocketOptions(maxFramePayload, maxMessageSize, pingInterval, idleTimeout, d, highWatermark,
                lowWatermark, maxBackpressure, slowConsumerPolicy);
    }

    public WebSocketOptions withWatermarks(int high, int low) {
        return new WebSocketOptions(maxFramePayload, maxMessageSize, pingInterval, idleTimeout, closeTimeout, high,
                low, Math.max(maxBackpressure, high), slowConsumerPolicy);
    }

    public WebSocketOptions withMaxBackpressure(long bytes, SlowConsumerPolicy policy) {
        return new WebSocketOptions(maxFramePayload, maxMessageSize, pingInterval, idleTimeout, closeTimeout,
                highWatermark, lowWatermark, bytes, policy);
    }

    /** One engine configuration per distinct limits, shared by every connection that uses them. */
    private static final java.util.Map<Long, EngineConfig> ENGINE_CONFIGS = new java.util.concurrent.ConcurrentHashMap<>();

    EngineConfig engineConfig() {
        long key = ((long) maxFramePayload << 32) | (maxMessageSize & 0xffffffffL);
        return ENGINE_CONFIGS.computeIfAbsent(key,
                k -> EngineConfig.builder().maxFramePayload(maxFramePayload).maxMessageSize(maxMessageSize).build());
    }
}
