package io.duplex.hub.broker;

/** A new topic would exceed the broker's topic limit. Reported to clients as {@code limit_exceeded}. */
public final class TopicLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TopicLimitException(int limit) {
        super("too many topics (limit " + limit + ")");
    }
}
