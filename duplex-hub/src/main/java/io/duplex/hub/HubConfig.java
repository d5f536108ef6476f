package io.duplex.hub;

import java.time.Duration;

/**
 * Settings of a {@link Hub}. Immutable; start from {@link #defaults()} and change with the {@code with*} methods.
 *
 * <table>
 *   <caption>Defaults and what each limit protects</caption>
 *   <tr><td>historySize / historyTtl</td><td>100 / 10 min</td><td>publications kept per topic for recovery and
 *       {@code history} requests; bounds memory per topic (count) and how stale a replay may be (age). 0 keeps
 *       no history: every resubscription then reports "not recovered" unless nothing was missed</td></tr>
 *   <tr><td>maxTopicLength</td><td>200 bytes</td><td>topic names as map keys and in every delivery</td></tr>
 *   <tr><td>maxTopics</td><td>100,000</td><td>topics with state in this node (subscribers, history or presence):
 *       a client cannot exhaust memory by inventing names; beyond it {@code limit_exceeded}</td></tr>
 *   <tr><td>maxSubscriptions</td><td>256 per session</td><td>what one connection can hold</td></tr>
 *   <tr><td>maxPublicationBytes</td><td>64 KiB</td><td>the data of one publication (JSON text or binary);
 *       beyond it {@code too_large}</td></tr>
 *   <tr><td>maxInfoBytes</td><td>1 KiB</td><td>the presence info a client attaches to a subscription</td></tr>
 *   <tr><td>maxPresenceList</td><td>1,000</td><td>members listed in one presence answer (the count is exact)</td></tr>
 *   <tr><td>idempotencyWindow / maxKeysPerTopic</td><td>5 min / 10,000</td><td>how long, and for how many
 *       publications per topic, a publish key is remembered so that a retry is stored and delivered once</td></tr>
 *   <tr><td>batching / maxBatchBytes / maxBatchDelay</td><td>on / 64 KiB / 0</td><td>deliveries to one session
 *       produced in the same event-loop pass go out as one frame of newline-separated messages, up to this size;
 *       a delay above 0 holds the first one back at most this long to gather more</td></tr>
 *   <tr><td>messagesPerSecond / messageBurst</td><td>100 / 200</td><td>requests one session may send (token
 *       bucket); beyond it {@code rate_limited} with a retry hint</td></tr>
 *   <tr><td>bytesPerSecond / byteBurst</td><td>1 MiB / 2 MiB</td><td>bytes one session may send</td></tr>
 *   <tr><td>maxRateStrikes</td><td>20</td><td>requests refused in a row for rate before the session is closed
 *       with 1008: a client that ignores the hints</td></tr>
 *   <tr><td>tokenGrace</td><td>10 s</td><td>after its token expires, a session is told so and has this long to
 *       send {@code refresh} before it is closed with 4001</td></tr>
 * </table>
 */
public record HubConfig(
        int historySize,
        Duration historyTtl,
        int maxTopicLength,
        int maxTopics,
        int maxSubscriptions,
        int maxPublicationBytes,
        int maxInfoBytes,
        int maxPresenceList,
        Duration idempotencyWindow,
        int maxKeysPerTopic,
        boolean batching,
        int maxBatchBytes,
        Duration maxBatchDelay,
        double messagesPerSecond,
        double messageBurst,
        double bytesPerSecond,
        double byteBurst,
        int maxRateStrikes,
        Duration tokenGrace) {

    public HubConfig {
        if (historySize < 0 || maxTopicLength < 1 || maxTopics < 1 || maxSubscriptions < 1
                || maxPublicationBytes < 1 || maxInfoBytes < 0 || maxPresenceList < 0 || maxKeysPerTopic < 0
                || maxBatchBytes < 1 || maxRateStrikes < 1) {
            throw new IllegalArgumentException("hub limits must be positive (history, info, keys and list may be 0)");
        }
        if (historyTtl.isNegative() || idempotencyWindow.isNegative() || maxBatchDelay.isNegative()
                || tokenGrace.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
    }

    private static final HubConfig DEFAULTS = new HubConfig(100, Duration.ofMinutes(10), 200, 100_000, 256,
            64 * 1024, 1024, 1000, Duration.ofMinutes(5), 10_000, true, 64 * 1024, Duration.ZERO,
            100, 200, 1 << 20, 2 << 20, 20, Duration.ofSeconds(10));

    public static HubConfig defaults() {
        return DEFAULTS;
    }

    public HubConfig withHistory(int size, Duration ttl) {
        return new HubConfig(size, ttl, maxTopicLength, maxTopics, maxSubscriptions, maxPublicationBytes,
                maxInfoBytes, maxPresenceList, idempotencyWindow, maxKeysPerTopic, batching, maxBatchBytes,
                maxBatchDelay, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst, maxRateStrikes, tokenGrace);
    }

    public HubConfig withLimits(int maxTopics, int maxSubscriptions, int maxPublicationBytes) {
        return new HubConfig(historySize, historyTtl, maxTopicLength, maxTopics, maxSubscriptions,
                maxPublicationBytes, maxInfoBytes, maxPresenceList, idempotencyWindow, maxKeysPerTopic, batching,
                maxBatchBytes, maxBatchDelay, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst,
                maxRateStrikes, tokenGrace);
    }

    public HubConfig withIdempotency(Duration window, int maxKeysPerTopic) {
        return new HubConfig(historySize, historyTtl, maxTopicLength, maxTopics, maxSubscriptions,
                maxPublicationBytes, maxInfoBytes, maxPresenceList, window, maxKeysPerTopic, batching,
                maxBatchBytes, maxBatchDelay, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst,
                maxRateStrikes, tokenGrace);
    }

    public HubConfig withBatching(boolean on, int maxBytes, Duration maxDelay) {
        return new HubConfig(historySize, historyTtl, maxTopicLength, maxTopics, maxSubscriptions,
                maxPublicationBytes, maxInfoBytes, maxPresenceList, idempotencyWindow, maxKeysPerTopic, on, maxBytes,
                maxDelay, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst, maxRateStrikes, tokenGrace);
    }

    /** Per-session rate limits; a rate of 0 or less turns that limit off. */
    public HubConfig withRates(double messagesPerSecond, double messageBurst, double bytesPerSecond, double byteBurst,
                               int maxRateStrikes) {
        return new HubConfig(historySize, historyTtl, maxTopicLength, maxTopics, maxSubscriptions,
                maxPublicationBytes, maxInfoBytes, maxPresenceList, idempotencyWindow, maxKeysPerTopic, batching,
                maxBatchBytes, maxBatchDelay, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst,
                maxRateStrikes, tokenGrace);
    }

    public HubConfig withPresence(int maxInfoBytes, int maxPresenceList) {
        return new HubConfig(historySize, historyTtl, maxTopicLength, maxTopics, maxSubscriptions,
                maxPublicationBytes, maxInfoBytes, maxPresenceList, idempotencyWindow, maxKeysPerTopic, batching,
                maxBatchBytes, maxBatchDelay, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst,
                maxRateStrikes, tokenGrace);
    }

    public HubConfig withTokenGrace(Duration grace) {
        return new HubConfig(historySize, historyTtl, maxTopicLength, maxTopics, maxSubscriptions,
                maxPublicationBytes, maxInfoBytes, maxPresenceList, idempotencyWindow, maxKeysPerTopic, batching,
                maxBatchBytes, maxBatchDelay, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst,
                maxRateStrikes, grace);
    }
}
