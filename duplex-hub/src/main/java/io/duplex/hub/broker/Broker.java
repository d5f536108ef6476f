package io.duplex.hub.broker;

import io.duplex.hub.Member;
import io.duplex.hub.Publication;
import io.duplex.hub.StreamPosition;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where topics' streams, history and presence live: in this process ({@link MemoryBroker}, one node) or in a
 * shared store that several nodes use (Redis). The hub keeps only its own node's subscribers; the broker assigns
 * positions, keeps history, and tells every interested node about each publication.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #publish} assigns the topic's next offset, appends to history and hands the publication to the
 *       {@link BrokerListener} of every node that {@linkplain #interest declared interest}, as one step: each
 *       node sees each publication exactly once and, per topic, in offset order.
 *   <li>A publish that carries a key already seen for that topic within the idempotency window stores nothing
 *       and completes with the first publication's position and {@code duplicate = true}.
 *   <li>Futures may complete on any thread, including the caller's. A broker that cannot reach its store fails
 *       them with {@link BrokerException}; it never reports a publication as stored when it was not.
 *   <li>Every method is thread-safe.
 * </ul>
 */
public interface Broker extends AutoCloseable {

    /** Called once, before any other method, with the node's listener. */
    void start(BrokerListener listener);

    /**
     * Publishes {@code p}'s data to its topic (its epoch and offset are ignored and assigned here).
     *
     * @param key the publisher's idempotency key, already scoped to the publisher, or null
     */
    CompletableFuture<PublishOutcome> publish(Publication p, String key);

    /**
     * The topic's current position and, when {@code since} is given, the publications after it.
     *
     * @param since the position the caller has, or null for the newest {@code limit} publications
     * @param limit at most this many publications (the newest ones are never skipped: if more were missed than
     *     fit, the slice is incomplete)
     * @param create whether to create the topic (a new epoch at offset 0) when it has no state; when false an
     *     unknown topic yields null
     */
    CompletableFuture<HistorySlice> history(String topic, StreamPosition since, int limit, boolean create);

    /**
     * This node has subscribers to {@code topic} (true) or no longer has any (false). While interested, the node's
     * listener receives the topic's publications and presence events; an in-memory broker also keeps the topic.
     */
    void interest(String topic, boolean interested);

    /** Adds or replaces a presence member; subscribers' nodes get {@link BrokerListener#onJoin}. */
    CompletableFuture<Void> join(String topic, Member member);

    /** Removes a presence member; subscribers' nodes get {@link BrokerListener#onLeave}. */
    CompletableFuture<Void> leave(String topic, Member member);

    CompletableFuture<List<Member>> presence(String topic);

    /** Topics with state in this broker (for metrics; -1 when unknown). */
    default int topicCount() {
        return -1;
    }

    /** Publications held in history across topics (for metrics; -1 when unknown). */
    default long historySize() {
        return -1;
    }

    @Override
    void close();

    /**
     * What a publish became.
     *
     * @param position where the publication was stored (for a duplicate: where the first one was)
     * @param duplicate whether the key had been seen: nothing new was stored or delivered
     */
    record PublishOutcome(StreamPosition position, boolean duplicate) {}

    /**
     * A topic's position and the publications after the asked-for position.
     *
     * @param top the topic's current position (epoch and last offset)
     * @param publications publications after {@code since} that are still held, in offset order (none when the
     *     epoch differs)
     * @param complete whether {@code publications} is everything after {@code since}: same epoch, nothing
     *     expired or cut off by the limit. Always true when {@code since} was null.
     */
    record HistorySlice(StreamPosition top, List<Publication> publications, boolean complete) {}
}
