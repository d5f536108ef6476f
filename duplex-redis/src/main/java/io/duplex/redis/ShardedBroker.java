package io.duplex.redis;

import io.duplex.hub.HubConfig;
import io.duplex.hub.Member;
import io.duplex.hub.Publication;
import io.duplex.hub.StreamPosition;
import io.duplex.hub.broker.Broker;
import io.duplex.hub.broker.BrokerException;
import io.duplex.hub.broker.BrokerListener;
import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Topics spread over several independent Redis instances (shards) by consistent hashing ({@link HashRing}): each
 * topic lives wholly on one shard, where one {@link RedisBroker} of its own (its own connections, worker thread,
 * reconnects and presence refresh) serves it. Everything about a topic (publishing, history, interest, presence)
 * goes to its shard, so per-topic order and atomicity are exactly those of {@link RedisBroker}.
 *
 * <p>A shard that is down makes only its topics fail with {@link BrokerException}; the others keep working. A
 * shard that comes back empty gives its topics new epochs, so clients holding old positions are told "not
 * recovered". Changing the list of shards moves about 1/N of the topics per shard added or removed, and a moved
 * topic starts a new epoch on its new shard: do it as a planned change, with every node given the same list.
 *
 * <p>The listener is called from each shard's worker thread; calls for one topic come from one shard, in order.
 * Thread-safety: every method is thread-safe.
 */
public final class ShardedBroker implements Broker {
    private final HashRing ring;
    private final List<RedisBroker> shards;

    /**
     * Connects to every shard; fails with {@link BrokerException}, closing those already connected, when one
     * cannot be reached.
     *
     * @param uris the shards' URIs; every node must be given the same addresses (order does not matter)
     * @param options everything but the URI, which is taken from {@code uris}
     */
    public ShardedBroker(HubConfig config, RedisBroker.Options options, List<String> uris) {
        List<String> names = new ArrayList<>(uris.size());
        for (String uri : uris) {
            RedisURI u = RedisURI.create(uri);
            // The ring is keyed by address, not by the URI's spelling: a new password moves no topic.
            names.add(u.getHost() + ":" + u.getPort() + "/" + u.getDatabase());
        }
        this.ring = new HashRing(names);
        List<RedisBroker> made = new ArrayList<>(uris.size());
        try {
            for (String uri : uris) {
                made.add(new RedisBroker(config, new RedisBroker.Options(uri, options.keyPrefix(),
                        options.presenceRefresh(), options.commandTimeout())));
            }
        } catch (RuntimeException e) {
            made.forEach(RedisBroker::close);
            throw e;
        }
        this.shards = List.copyOf(made);
    }

    /** The index in the constructor's list of the shard that holds {@code topic}. */
    public int shardOf(String topic) {
        return ring.shardOf(topic);
    }

    private RedisBroker shard(String topic) {
        return shards.get(ring.shardOf(topic));
    }

    @Override
    public void start(BrokerListener listener) {
        shards.forEach(s -> s.start(listener));
    }

    @Override
    public CompletableFuture<PublishOutcome> publish(Publication p, String key) {
        return shard(p.topic()).publish(p, key);
    }

    @Override
    public CompletableFuture<HistorySlice> history(String topic, StreamPosition since, int limit, boolean create) {
        return shard(topic).history(topic, since, limit, create);
    }

    @Override
    public void interest(String topic, boolean interested) {
        shard(topic).interest(topic, interested);
    }

    @Override
    public CompletableFuture<Void> join(String topic, Member member) {
        return shard(topic).join(topic, member);
    }

    @Override
    public CompletableFuture<Void> leave(String topic, Member member) {
        return shard(topic).leave(topic, member);
    }

    @Override
    public CompletableFuture<List<Member>> presence(String topic) {
        return shard(topic).presence(topic);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (RedisBroker s : shards) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
