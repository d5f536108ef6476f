package io.duplex.redis;

/**
 * The Redis keys and channel of one topic. Every name carries the topic as a hash tag ({@code {topic}}), so a
 * topic's keys live in one Redis Cluster slot and one script may touch them all. Topic names cannot contain
 * braces (docs/protocol.md, Limits), so the tag is always the whole topic. Immutable.
 *
 * <pre>
 * {prefix}{topic}:s        hash: epoch, offset (the last one given)
 * {prefix}{topic}:h        stream: history, entry id 0-offset, field p = the publication envelope
 * {prefix}{topic}:k:{key}  string: "epoch:offset" of the publication that first used an idempotency key
 * {prefix}{topic}:m        hash: presence, client id -> member JSON
 * {prefix}{topic}:x        sorted set: presence expiry, client id -> expiry time (ms)
 * {prefix}{topic}:c        pub/sub channel: publications, join and leave events
 * </pre>
 */
record TopicKeys(String state, String history, String members, String expiry, String channel, String keyPrefix) {

    static TopicKeys of(String prefix, String topic) {
        String base = prefix + "{" + topic + "}:";
        return new TopicKeys(base + "s", base + "h", base + "m", base + "x", base + "c", base + "k:");
    }

    String idempotency(String key) {
        return keyPrefix + key;
    }

    /** The topic of a channel name made by {@link #of}, or null. */
    static String topicOfChannel(String prefix, String channel) {
        if (!channel.startsWith(prefix + "{") || !channel.endsWith("}:c")) {
            return null;
        }
        return channel.substring(prefix.length() + 1, channel.length() - 3);
    }
}
