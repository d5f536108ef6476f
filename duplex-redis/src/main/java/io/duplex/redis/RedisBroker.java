package io.duplex.redis;

import io.duplex.hub.HubConfig;
import io.duplex.hub.Member;
import io.duplex.hub.Publication;
import io.duplex.hub.StreamPosition;
import io.duplex.hub.broker.Broker;
import io.duplex.hub.broker.BrokerException;
import io.duplex.hub.broker.BrokerListener;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker for several hub nodes sharing one Redis: each topic's position and history in Redis (a hash and a
 * stream), its publications and presence events fanned out on a pub/sub channel, its presence in a hash whose
 * members expire unless their node keeps refreshing them. docs/scaling.md describes the keys and scripts.
 *
 * <p>Publishing is one Lua script (publish.lua): the idempotency check, numbering, history append, expiry and
 * the PUBLISH happen atomically, so Redis sends each topic's publications on its channel in offset order.
 *
 * <p>Delivery: pub/sub is at-most-once (a message sent while a node's subscriber connection is down is lost to
 * it), so each node remembers, per topic, the last offset it handed to its listener. A duplicate is dropped; a
 * publication after a gap is preceded by the missing ones, read from the stream; after a reconnect every channel
 * is subscribed again and every topic caught up from the stream. What the stream no longer holds is skipped
 * (with a warning): the subscribers see the offsets jump, as after a slow-consumer drop.
 *
 * <p>Failures: commands are never queued while disconnected nor replayed after a reconnect (a publish that may or
 * may not have run must not run twice); they fail at once, or after {@link Options#commandTimeout()}, with
 * {@link BrokerException}. Lettuce reconnects by itself with a backoff of 50 ms doubling to 2 s.
 *
 * <p>Redis Cluster ({@link #cluster}): every key and the channel of a topic carry the topic as a hash tag, so each
 * script runs on the master that owns the topic's slot, and the scripts fan out with sharded pub/sub
 * ({@code SPUBLISH}) instead of {@code PUBLISH}; a node subscribes ({@code SSUBSCRIBE}) to each channel on the
 * master that owns it. Ordering, gap fills and recovery are as above, per topic.
 *
 * <p>Not applied here: {@link HubConfig#maxTopics()} and {@link HubConfig#maxKeysPerTopic()} (keys are bounded by
 * the idempotency window only); {@link #topicCount()} and {@link #historySize()} are unknown (-1).
 *
 * <p>Thread-safety: every method is thread-safe. Futures complete on Lettuce's I/O threads. The listener is
 * called on the broker's own worker thread, one call at a time, which also runs gap fills and the presence
 * refresh.
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    /**
     * How to reach Redis and name things there.
     *
     * @param uri {@code redis://host:port} (Lettuce's URI syntax: also {@code rediss://}, a password, a database);
     *     for {@link RedisBroker#cluster} a comma-separated list of seed nodes
     * @param keyPrefix put before every key and channel, so that several hubs (or tests) share one Redis
     * @param presenceRefresh how often a node extends the expiry of its presence members; a member of a node that
     *     stopped refreshing (crashed, lost Redis) is removed, with a leave event, within 3 times this
     * @param commandTimeout how long a command may take before it fails with {@link BrokerException}
     */
    public record Options(String uri, String keyPrefix, Duration presenceRefresh, Duration commandTimeout) {
        public Options {
            if (uri == null || keyPrefix == null || presenceRefresh.toMillis() < 10 || commandTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("uri and key prefix are required; refresh >= 10 ms, timeout > 0");
            }
        }

        /** Prefix {@code duplex:}, presence refreshed every 5 s (members gone 15 s after a crash), timeout 2 s. */
        public static Options defaults(String uri) {
            return new Options(uri, "duplex:", Duration.ofSeconds(5), Duration.ofSeconds(2));
        }

        public Options withKeyPrefix(String prefix) {
            return new Options(uri, prefix, presenceRefresh, commandTimeout);
        }

        public Options withPresenceRefresh(Duration refresh) {
            return new Options(uri, keyPrefix, refresh, commandTimeout);
        }
    }

    private final HubConfig config;
    private final Options options;
    private final long memberTtlMillis;
    /** How long a topic's epoch outlives its last use: it must outlive its history and its keys. */
    private final long stateTtlMillis;
    private final ClientResources resources;
    /** True on a Redis Cluster: sharded pub/sub (SSUBSCRIBE, SPUBLISH) instead of PUBLISH/SUBSCRIBE. */
    private final boolean sharded;
    private final Scripts.Script publishScript;
    private final Scripts.Script joinScript;
    private final Scripts.Script leaveScript;
    private final Scripts.Script presenceScript;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisScriptingAsyncCommands<String, String> redis;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final ScheduledExecutorService worker;
    private final SecureRandom random = new SecureRandom();
    /** Topics this node is interested in; created and dropped under {@code compute}. */
    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
    /** Presence members of this node's sessions, refreshed by this node, by topic and client. */
    private final Map<String, Map<String, Member>> ownMembers = new ConcurrentHashMap<>();
    private volatile BrokerListener listener;
    private volatile boolean closed;

    /** Connects to Redis; fails with {@link BrokerException} when it cannot. */
    public RedisBroker(HubConfig config, Options options) {
        this(config, options, false);
    }

    /**
     * Connects to a Redis Cluster; fails with {@link BrokerException} when it cannot.
     *
     * @param options its {@link Options#uri()} is a comma-separated list of seed nodes ({@code redis://h:p,...}),
     *     from which Lettuce learns the cluster's topology; every node may be given different seeds
     */
    public static RedisBroker cluster(HubConfig config, Options options) {
        return new RedisBroker(config, options, true);
    }

    private RedisBroker(HubConfig config, Options options, boolean cluster) {
        this.config = config;
        this.sharded = cluster;
        this.publishScript = cluster ? Scripts.sharded(Scripts.PUBLISH) : Scripts.PUBLISH;
        this.joinScript = cluster ? Scripts.sharded(Scripts.JOIN) : Scripts.JOIN;
        this.leaveScript = cluster ? Scripts.sharded(Scripts.LEAVE) : Scripts.LEAVE;
        this.presenceScript = cluster ? Scripts.sharded(Scripts.PRESENCE) : Scripts.PRESENCE;
        this.options = options;
        this.memberTtlMillis = 3 * options.presenceRefresh().toMillis();
        this.stateTtlMillis = Math.max(Math.max(config.historyTtl().toMillis(), config.idempotencyWindow().toMillis()),
                Math.max(memberTtlMillis, 1000));
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        ClientOptions clientOptions = ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // A command cut off by a disconnect may or may not have run: never send it again.
                .replayFilter(command -> true)
                .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
                .build();
        RedisClient single = null;
        RedisClusterClient clustered = null;
        if (cluster) {
            List<RedisURI> seeds = new ArrayList<>();
            for (String u : options.uri().split(",")) {
                if (!u.isBlank()) {
                    seeds.add(RedisURI.create(u.trim()));
                }
            }
            clustered = RedisClusterClient.create(resources, seeds);
            clustered.setOptions(ClusterClientOptions.builder(clientOptions)
                    // MOVED/ASK and failed connections make Lettuce read the topology again (slots moved, failover).
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers().build())
                    .build());
            this.client = clustered;
        } else {
            single = RedisClient.create(resources, RedisURI.create(options.uri()));
            single.setOptions(clientOptions);
            this.client = single;
        }
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "duplex-redis-broker");
            t.setDaemon(true);
            return t;
        });
        StatefulConnection<String, String> c = null;
        StatefulRedisPubSubConnection<String, String> ps = null;
        RedisScriptingAsyncCommands<String, String> commands = null;
        try {
            if (cluster) {
                var cc = clustered.connect();
                c = cc;
                commands = cc.async();
                var cps = clustered.connectPubSub();
                ps = cps;
                // Lettuce opens a master's connections on first use, and REJECT_COMMANDS fails what is sent while
                // one is still connecting: open them all now. (A master that joins later is opened on first use.)
                for (RedisClusterNode node : clustered.getPartitions()) {
                    if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                        // By address: Lettuce keeps the connections it routes a slot's commands to by address.
                        cc.getConnection(node.getUri().getHost(), node.getUri().getPort());
                        cps.getConnection(node.getUri().getHost(), node.getUri().getPort());
                    }
                }
            } else {
                var sc = single.connect();
                c = sc;
                commands = sc.async();
                ps = single.connectPubSub();
            }
        } catch (RedisException e) {
            if (ps != null) {
                ps.close();
            }
            if (c != null) {
                c.close();
            }
            shutdownClient();
            throw new BrokerException("cannot connect to Redis " + (cluster ? "Cluster " : "") + "at "
                    + options.uri() + ": " + e.getMessage(), e);
        }
        this.connection = c;
        this.redis = commands;
        this.pubsub = ps;
        if (cluster) {
            // Sharded messages arrive on Lettuce's per-master connections and are reported here with their node.
            ((StatefulRedisClusterPubSubConnection<String, String>) ps).addListener(new RedisClusterPubSubAdapter<>() {
                @Override
                public void smessage(RedisClusterNode node, String channel, String message) {
                    onWorker(() -> onMessage(channel, message));
                }
            });
        } else {
            pubsub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    onWorker(() -> onMessage(channel, message));
                }
            });
        }
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                // Any connection coming back (pub/sub or commands, in whichever order) subscribes every channel
                // again and then catches every topic up from its stream: whatever was published before the
                // SUBSCRIBE was confirmed is read back, whatever comes after arrives live. Doing it for both
                // kinds of connection closes the window where commands work again but the pub/sub connection
                // (or the event for it) lags behind.
                if (!closed && !feeds.isEmpty()) {
                    log.info("connection to Redis {} is back: resubscribing {} topics", address, feeds.size());
                    onWorker(() -> resubscribe(0));
                }
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                if ((handler == pubsub || (sharded && handler instanceof StatefulRedisPubSubConnection<?, ?>))
                        && !closed) {
                    log.warn("pub/sub connection to Redis lost; reconnecting");
                }
            }
        });
    }

    @Override
    public void start(BrokerListener l) {
        this.listener = l;
        long period = options.presenceRefresh().toMillis();
        worker.scheduleWithFixedDelay(this::refresh, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<PublishOutcome> publish(Publication p, String key) {
        TopicKeys k = keys(p.topic());
        boolean keyed = key != null && config.maxKeysPerTopic() > 0 && config.idempotencyWindow().toMillis() > 0;
        String[] keys = keyed ? new String[] {k.state(), k.history(), k.idempotency(key)}
                : new String[] {k.state(), k.history()};
        String excluded = p.excludedClient() == null ? "" : Envelopes.quote(p.excludedClient());
        return call(() -> publishScript.<List<Object>>run(redis, keys, k.channel(), Envelopes.publicationPrefix(p),
                excluded, Integer.toString(config.historySize()), Long.toString(config.historyTtl().toMillis()),
                Long.toString(stateTtlMillis), Long.toString(config.idempotencyWindow().toMillis()), newEpoch()),
                r -> new PublishOutcome(new StreamPosition((String) r.get(1), (Long) r.get(2)),
                        ((Long) r.get(0)) == 1));
    }

    /**
     * {@inheritDoc}
     *
     * <p>For a topic this node is interested in, the read waits until the channel subscription is in place: what
     * is published after the answer's snapshot then reaches this node live, which is what lets a subscription
     * go from history to live without a gap.
     */
    @Override
    public CompletableFuture<HistorySlice> history(String topic, StreamPosition since, int limit, boolean create) {
        Feed f = feeds.get(topic);
        if (f == null) {
            return readHistory(topic, since, limit, create, 0);
        }
        CompletableFuture<HistorySlice> out = new CompletableFuture<>();
        f.subscribed.whenComplete((v, e) -> {
            if (e != null) {
                out.completeExceptionally(translate(e));
                return;
            }
            readHistory(topic, since, limit, create, 0).whenComplete((s, e2) -> {
                if (e2 != null) {
                    out.completeExceptionally(e2);
                } else {
                    out.complete(s);
                }
            });
        });
        return out;
    }

    @Override
    public void interest(String topic, boolean interested) {
        feeds.compute(topic, (t, f) -> {
            if (interested) {
                if (f == null) {
                    f = new Feed();
                    f.subscribed = subscribe(t);
                }
                f.interest++;
                return f;
            }
            if (f == null || --f.interest > 0) {
                return f;
            }
            try {
                if (sharded) {
                    pubsub.async().sunsubscribe(keys(t).channel());
                } else {
                    pubsub.async().unsubscribe(keys(t).channel());
                }
            } catch (RuntimeException e) {
                log.debug("unsubscribe from {} failed", t, e);
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> join(String topic, Member member) {
        ownMembers.computeIfAbsent(topic, t -> new ConcurrentHashMap<>()).put(member.client(), member);
        TopicKeys k = keys(topic);
        String json = Envelopes.member(member);
        return call(() -> joinScript.<List<Object>>run(redis, new String[] {k.members(), k.expiry()}, k.channel(),
                member.client(), json, Long.toString(memberTtlMillis), Envelopes.eventPrefix("join", topic) + json + "}"),
                r -> null);
    }

    @Override
    public CompletableFuture<Void> leave(String topic, Member member) {
        ownMembers.computeIfPresent(topic, (t, m) -> {
            m.remove(member.client());
            return m.isEmpty() ? null : m;
        });
        TopicKeys k = keys(topic);
        String event = Envelopes.eventPrefix("leave", topic) + Envelopes.member(member) + "}";
        return call(() -> leaveScript.<List<Object>>run(redis, new String[] {k.members(), k.expiry()}, k.channel(),
                member.client(), event), r -> null);
    }

    @Override
    public CompletableFuture<List<Member>> presence(String topic) {
        return call(() -> presenceScript(topic, List.of(), false, true), r -> {
            List<Member> members = new ArrayList<>(r.size());
            for (Object o : r) {
                members.add(Envelopes.member(Envelopes.tree((String) o)));
            }
            return members;
        });
    }

    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        try {
            pubsub.close();
            connection.close();
        } finally {
            shutdownClient();
        }
    }

    // ---- reading history ----

    /** @param upTo the last offset wanted (a node filling a gap), or 0 for up to the newest */
    private CompletableFuture<HistorySlice> readHistory(String topic, StreamPosition since, int limit,
                                                        boolean create, long upTo) {
        TopicKeys k = keys(topic);
        int max = Math.max(0, limit);
        return call(() -> Scripts.HISTORY.<List<Object>>run(redis, new String[] {k.state(), k.history()},
                create ? "1" : "0", newEpoch(), Long.toString(stateTtlMillis), since == null ? "" : since.epoch(),
                since == null ? "0" : Long.toString(since.offset()), Integer.toString(max), Long.toString(upTo)),
                r -> slice(r, since, max));
    }

    /** The history script's answer as MemoryBroker would give it: same bounds, same meaning of complete. */
    @SuppressWarnings("unchecked")
    private HistorySlice slice(List<Object> r, StreamPosition since, int limit) {
        if (r.isEmpty()) {
            return null;
        }
        StreamPosition top = new StreamPosition((String) r.get(0), (Long) r.get(1));
        long oldest = (Long) r.get(2) - config.historyTtl().toMillis();
        List<Publication> held = new ArrayList<>();
        for (Object e : (List<Object>) r.get(3)) {
            List<Object> fields = (List<Object>) ((List<Object>) e).get(1);
            Publication p = Envelopes.publication((String) fields.get(1));
            // History ages out per publication, as in memory; the stream's own expiry only drops it as a whole.
            if (p.timeMillis() >= oldest) {
                held.add(p);
            }
        }
        if (since == null) {
            Collections.reverse(held);
            return new HistorySlice(top, held, true);
        }
        if (!since.epoch().equals(top.epoch()) || since.offset() > top.offset()) {
            return new HistorySlice(top, List.of(), false);
        }
        long missed = top.offset() - since.offset();
        if (missed == 0) {
            return new HistorySlice(top, List.of(), true);
        }
        // Stream entries are consecutive offsets: if the first one follows since, nothing in between is missing.
        boolean complete = missed <= limit && !held.isEmpty() && held.get(0).offset() == since.offset() + 1;
        return new HistorySlice(top, held, complete);
    }

    // ---- delivery (worker thread) ----

    /** One topic this node is interested in. {@code epoch} and {@code last} belong to the worker thread. */
    private static final class Feed {
        int interest;
        volatile CompletableFuture<Void> subscribed;
        /** The position last handed to the listener; null until the first publication arrives. */
        String epoch;
        long last;
    }

    private CompletableFuture<Void> subscribe(String topic) {
        try {
            String channel = keys(topic).channel();
            return (sharded ? pubsub.async().ssubscribe(channel) : pubsub.async().subscribe(channel))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void onMessage(String channel, String message) {
        String topic = TopicKeys.topicOfChannel(options.keyPrefix(), channel);
        Feed f = topic == null ? null : feeds.get(topic);
        BrokerListener l = listener;
        if (f == null || l == null) {
            return;
        }
        try {
            var n = Envelopes.tree(message);
            switch (n.path("type").asText()) {
                case "pub" -> onPublication(topic, f, Envelopes.publication(n));
                case "join" -> l.onJoin(topic, Envelopes.member(n.get("member")));
                case "leave" -> l.onLeave(topic, Envelopes.member(n.get("member")));
                default -> log.warn("unknown message on {}: {}", channel, message);
            }
        } catch (RuntimeException e) {
            log.error("message on {} could not be handled", channel, e);
        }
    }

    private void onPublication(String topic, Feed f, Publication p) {
        if (f.epoch != null) {
            if (f.epoch.equals(p.epoch())) {
                if (p.offset() <= f.last) {
                    return;
                }
            } else {
                // A new epoch (Redis lost the topic, or it expired): its earlier publications come first.
                f.epoch = p.epoch();
                f.last = 0;
            }
            if (p.offset() > f.last + 1) {
                fill(topic, f, p.offset() - 1);
            }
        }
        deliver(f, p);
    }

    /** Hands the held publications after {@code f.last} up to {@code upTo} to the listener (worker thread). */
    private void fill(String topic, Feed f, long upTo) {
        long want = upTo - f.last;
        try {
            HistorySlice s = readHistory(topic, new StreamPosition(f.epoch, f.last),
                    (int) Math.min(want, Integer.MAX_VALUE), false, upTo)
                    .get(options.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            long before = f.last;
            if (s != null) {
                for (Publication q : s.publications()) {
                    if (q.epoch().equals(f.epoch) && q.offset() > f.last && q.offset() <= upTo) {
                        deliver(f, q);
                    }
                }
            }
            if (f.last < upTo) {
                log.warn("topic {}: publications {}..{} of epoch {} were missed by this node and are no longer held",
                        topic, f.last + 1, upTo, f.epoch);
            } else {
                log.info("topic {}: {} publications missed on pub/sub recovered from the stream", topic,
                        f.last - before);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.warn("topic {}: could not read publications {}..{} missed by this node: {}", topic, f.last + 1, upTo,
                    e.toString());
        }
    }

    private void deliver(Feed f, Publication p) {
        f.epoch = p.epoch();
        f.last = p.offset();
        listener.onPublication(p);
    }

    /** After the pub/sub connection came back: subscribe every channel again, then catch every topic up. */
    private void resubscribe(int attempt) {
        if (closed) {
            return;
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (String topic : new ArrayList<>(feeds.keySet())) {
            feeds.computeIfPresent(topic, (t, f) -> {
                f.subscribed = subscribe(t);
                all.add(f.subscribed);
                return f;
            });
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("resubscribing to Redis failed ({}); retrying", translate(e).getMessage());
                worker.schedule(() -> resubscribe(attempt + 1), Math.min(2000, 100L << Math.min(attempt, 4)),
                        TimeUnit.MILLISECONDS);
                return;
            }
            onWorker(this::catchUp);
        });
    }

    /** Delivers what each topic got while this node was not listening (worker thread). */
    private void catchUp() {
        for (Map.Entry<String, Feed> e : feeds.entrySet()) {
            Feed f = e.getValue();
            if (f.epoch == null) {
                continue;
            }
            try {
                HistorySlice s = readHistory(e.getKey(), null, 0, false, 0)
                        .get(options.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
                if (s == null) {
                    continue;
                }
                if (!s.top().epoch().equals(f.epoch)) {
                    f.epoch = s.top().epoch();
                    f.last = 0;
                }
                if (s.top().offset() > f.last) {
                    fill(e.getKey(), f, s.top().offset());
                }
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException x) {
                log.warn("topic {}: catching up after a reconnect failed ({}); trying again", e.getKey(),
                        x.toString());
                if (!closed) {
                    worker.schedule(() -> resubscribe(1), 500, TimeUnit.MILLISECONDS);
                }
                return;
            }
        }
    }

    // ---- presence (worker thread) ----

    /** Extends this node's members, sweeps expired ones (leave events), keeps interesting topics' epochs alive. */
    private void refresh() {
        Set<String> topics = new HashSet<>(ownMembers.keySet());
        topics.addAll(feeds.keySet());
        for (String topic : topics) {
            Map<String, Member> mine = ownMembers.get(topic);
            List<String> clients = mine == null ? List.of() : List.copyOf(mine.keySet());
            presenceScript(topic, clients, feeds.containsKey(topic), false).whenComplete((r, e) -> {
                if (e != null) {
                    log.debug("presence refresh of {} failed: {}", topic, e.toString());
                }
            });
        }
    }

    private CompletableFuture<List<Object>> presenceScript(String topic, List<String> clients, boolean touchState,
                                                           boolean list) {
        TopicKeys k = keys(topic);
        List<String> args = new ArrayList<>(5 + clients.size());
        args.add(k.channel());
        args.add(Long.toString(memberTtlMillis));
        args.add(touchState ? Long.toString(stateTtlMillis) : "0");
        args.add(list ? "1" : "0");
        args.add(Envelopes.eventPrefix("leave", topic));
        args.addAll(clients);
        try {
            return presenceScript.run(redis, new String[] {k.members(), k.expiry(), k.state()},
                    args.toArray(String[]::new));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- plumbing ----

    private TopicKeys keys(String topic) {
        return TopicKeys.of(options.keyPrefix(), topic);
    }

    private String newEpoch() {
        // 60 random bits, as MemoryBroker: a recreated topic never reuses an epoch a client may still hold.
        return Long.toString(random.nextLong() >>> 4, 36);
    }

    private void onWorker(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Runs a Redis call and maps its answer; Redis failures become {@link BrokerException}. */
    private <R, T> CompletableFuture<T> call(java.util.function.Supplier<CompletableFuture<R>> command,
                                             Function<R, T> map) {
        CompletableFuture<T> out = new CompletableFuture<>();
        CompletableFuture<R> f;
        try {
            f = command.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((v, e) -> {
            if (e != null) {
                out.completeExceptionally(translate(e));
                return;
            }
            try {
                out.complete(map.apply(v));
            } catch (RuntimeException x) {
                out.completeExceptionally(x);
            }
        });
        return out;
    }

    private static Throwable translate(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof RedisException || c instanceof CancellationException) {
            return new BrokerException("Redis unavailable: " + c.getMessage(), c);
        }
        return c;
    }

    private void shutdownClient() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
