package io.duplex.hub;

/**
 * A point in one topic's stream: the epoch names one unbroken history of the topic, the offset counts its
 * publications from 1. Offset 0 means "before the first publication". Immutable.
 *
 * <p>Two positions are comparable only within the same epoch: a new epoch means the history that a client's
 * position referred to is gone (the topic was dropped and created again, or its history store was lost), so
 * what the client missed cannot be known.
 */
public record StreamPosition(String epoch, long offset) {
    public StreamPosition {
        if (epoch == null || offset < 0) {
            throw new IllegalArgumentException("epoch is required and offset must be >= 0");
        }
    }
}
