package io.duplex.hub.broker;

import io.duplex.hub.HubConfig;
import io.duplex.hub.Member;
import io.duplex.hub.Publication;
import io.duplex.hub.StreamPosition;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The single-node broker: every topic's stream, history, idempotency keys and presence in this process.
 *
 * <p>Each topic is guarded by its own lock; a publication is numbered, stored and handed to the listener while
 * that lock is held, so the listener sees each topic's publications in offset order even when several threads
 * publish at once. A topic is dropped when nothing refers to it any more (no interest, no presence member, no
 * history, no live idempotency key). It comes back at the epoch and offset it had (see {@link #tombstones}), or,
 * once that is forgotten too, with a new epoch, so that a client still holding a position from the old one is
 * told "not recovered" rather than given a wrong replay.
 *
 * <p>Expiry (history age, idempotency window) is applied on every access and by a sweeper thread once a second,
 * which also drops idle topics. Futures complete on the calling thread.
 */
public final class MemoryBroker implements Broker {
    private final HubConfig config;
    private final LongSupplier clockMillis;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong held = new AtomicLong();
    private final ScheduledExecutorService sweeper;
    private volatile BrokerListener listener;
    /**
     * The position of recently dropped topics (the newest {@link #TOMBSTONES}). A topic is dropped only when its
     * history is empty, so nothing can be recovered from it either way; bringing it back at the same epoch and
     * offset lets a client that had seen everything resume with "recovered" instead of being told to resync.
     */
    private final Map<String, StreamPosition> tombstones = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StreamPosition> eldest) {
            return size() > TOMBSTONES;
        }
    };
    static final int TOMBSTONES = 10_000;

    public MemoryBroker(HubConfig config) {
        this(config, System::currentTimeMillis, true);
    }

    /** @param sweep whether to run the sweeper thread (tests drive {@link #sweep()} themselves) */
    public MemoryBroker(HubConfig config, LongSupplier clockMillis, boolean sweep) {
        this.config = config;
        this.clockMillis = clockMillis;
        if (sweep) {
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "duplex-memory-broker-sweeper");
                t.setDaemon(true);
                return t;
            });
            sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        } else {
            sweeper = null;
        }
    }

    @Override
    public void start(BrokerListener l) {
        this.listener = l;
    }

    @Override
    public CompletableFuture<PublishOutcome> publish(Publication p, String key) {
        long now = clockMillis.getAsLong();
        while (true) {
            Topic t = topicFor(p.topic(), true);
            synchronized (t) {
                if (t.removed) {
                    continue;
                }
                t.expire(now);
                if (key != null) {
                    KeyEntry seen = t.keys.get(key);
                    if (seen != null) {
                        return CompletableFuture.completedFuture(
                                new PublishOutcome(new StreamPosition(t.epoch, seen.offset), true));
                    }
                }
                long offset = ++t.offset;
                Publication stored = p.at(t.epoch, offset, now);
                if (config.historySize() > 0) {
                    t.history.addLast(stored.withoutExclusion());
                    held.incrementAndGet();
                    if (t.history.size() > config.historySize()) {
                        t.history.removeFirst();
                        held.decrementAndGet();
                    }
                }
                if (key != null && config.maxKeysPerTopic() > 0) {
                    t.keys.put(key, new KeyEntry(offset, now));
                    if (t.keys.size() > config.maxKeysPerTopic()) {
                        Iterator<KeyEntry> it = t.keys.values().iterator();
                        it.next();
                        it.remove();
                    }
                }
                BrokerListener l = listener;
                if (l != null) {
                    l.onPublication(stored);
                }
                return CompletableFuture.completedFuture(new PublishOutcome(stored.position(), false));
            }
        }
    }

    @Override
    public CompletableFuture<HistorySlice> history(String topic, StreamPosition since, int limit, boolean create) {
        long now = clockMillis.getAsLong();
        while (true) {
            Topic t = topicFor(topic, create);
            if (t == null) {
                return CompletableFuture.completedFuture(null);
            }
            synchronized (t) {
                if (t.removed) {
                    continue;
                }
                t.expire(now);
                return CompletableFuture.completedFuture(t.slice(since, limit));
            }
        }
    }

    @Override
    public void interest(String topic, boolean interested) {
        while (true) {
            Topic t = topicFor(topic, interested);
            if (t == null) {
                return;
            }
            synchronized (t) {
                if (t.removed) {
                    continue;
                }
                t.interest += interested ? 1 : -1;
                dropIfIdle(topic, t);
                return;
            }
        }
    }

    @Override
    public CompletableFuture<Void> join(String topic, Member member) {
        while (true) {
            Topic t = topicFor(topic, true);
            synchronized (t) {
                if (t.removed) {
                    continue;
                }
                t.members.put(member.client(), member);
                BrokerListener l = listener;
                if (l != null) {
                    l.onJoin(topic, member);
                }
                return CompletableFuture.completedFuture(null);
            }
        }
    }

    @Override
    public CompletableFuture<Void> leave(String topic, Member member) {
        Topic t = topics.get(topic);
        if (t != null) {
            synchronized (t) {
                if (!t.removed && t.members.remove(member.client()) != null) {
                    BrokerListener l = listener;
                    if (l != null) {
                        l.onLeave(topic, member);
                    }
                    dropIfIdle(topic, t);
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<List<Member>> presence(String topic) {
        Topic t = topics.get(topic);
        if (t == null) {
            return CompletableFuture.completedFuture(List.of());
        }
        synchronized (t) {
            return CompletableFuture.completedFuture(List.copyOf(t.members.values()));
        }
    }

    @Override
    public int topicCount() {
        return topics.size();
    }

    @Override
    public long historySize() {
        return held.get();
    }

    /** Applies expiry to every topic and drops the idle ones. Runs once a second on the sweeper thread. */
    public void sweep() {
        long now = clockMillis.getAsLong();
        for (Map.Entry<String, Topic> e : topics.entrySet()) {
            Topic t = e.getValue();
            synchronized (t) {
                if (!t.removed) {
                    t.expire(now);
                    dropIfIdle(e.getKey(), t);
                }
            }
        }
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    private Topic topicFor(String name, boolean create) {
        Topic t = topics.get(name);
        if (t != null || !create) {
            return t;
        }
        if (topics.size() >= config.maxTopics()) {
            throw new TopicLimitException(config.maxTopics());
        }
        return topics.computeIfAbsent(name, n -> {
            StreamPosition last;
            synchronized (tombstones) {
                last = tombstones.remove(n);
            }
            Topic created = new Topic(last != null ? last.epoch() : newEpoch());
            if (last != null) {
                created.offset = last.offset();
            }
            return created;
        });
    }

    /** Holds the topic's lock. */
    private void dropIfIdle(String name, Topic t) {
        if (t.interest <= 0 && t.members.isEmpty() && t.history.isEmpty() && t.keys.isEmpty()) {
            t.removed = true;
            if (topics.remove(name, t)) {
                synchronized (tombstones) {
                    tombstones.put(name, new StreamPosition(t.epoch, t.offset));
                }
            }
        }
    }

    private String newEpoch() {
        // 60 random bits: a restarted node or a recreated topic never reuses an epoch a client may still hold.
        return Long.toString(random.nextLong() >>> 4, 36);
    }

    private record KeyEntry(long offset, long timeMillis) {}

    /** One topic's state; guarded by its own monitor. */
    private final class Topic {
        final String epoch;
        long offset;
        int interest;
        boolean removed;
        final ArrayDeque<Publication> history = new ArrayDeque<>();
        final LinkedHashMap<String, KeyEntry> keys = new LinkedHashMap<>();
        final LinkedHashMap<String, Member> members = new LinkedHashMap<>();

        Topic(String epoch) {
            this.epoch = epoch;
        }

        void expire(long now) {
            long oldest = now - config.historyTtl().toMillis();
            while (!history.isEmpty() && history.peekFirst().timeMillis() < oldest) {
                history.removeFirst();
                held.decrementAndGet();
            }
            long keyOldest = now - config.idempotencyWindow().toMillis();
            Iterator<KeyEntry> it = keys.values().iterator();
            while (it.hasNext() && it.next().timeMillis() < keyOldest) {
                it.remove();
            }
        }

        HistorySlice slice(StreamPosition since, int limit) {
            StreamPosition top = new StreamPosition(epoch, offset);
            if (since == null) {
                List<Publication> last = new ArrayList<>(Math.min(limit, history.size()));
                int skip = history.size() - Math.min(limit, history.size());
                for (Publication p : history) {
                    if (skip-- <= 0) {
                        last.add(p);
                    }
                }
                return new HistorySlice(top, last, true);
            }
            if (!since.epoch().equals(epoch) || since.offset() > offset) {
                return new HistorySlice(top, List.of(), false);
            }
            long missed = offset - since.offset();
            if (missed == 0) {
                return new HistorySlice(top, List.of(), true);
            }
            long firstHeld = history.isEmpty() ? offset + 1 : history.peekFirst().offset();
            boolean complete = firstHeld <= since.offset() + 1 && missed <= limit;
            List<Publication> out = new ArrayList<>((int) Math.min(missed, Math.min(limit, history.size())));
            // The newest ones are kept when the limit cuts: a reader catching up wants what is current.
            long from = Math.max(since.offset() + 1, offset - limit + 1);
            for (Publication p : history) {
                if (p.offset() >= from) {
                    out.add(p);
                }
            }
            return new HistorySlice(top, out, complete);
        }
    }
}
