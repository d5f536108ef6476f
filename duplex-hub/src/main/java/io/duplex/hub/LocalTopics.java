package io.duplex.hub;

import io.duplex.hub.broker.Broker;
import io.duplex.hub.broker.BrokerListener;
import io.duplex.hub.protocol.Replies;
import io.duplex.net.EventLoop;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's subscribers, by topic and then by event loop, and the fan-out of what the broker reports.
 *
 * <p>A publication becomes one task per loop that has subscribers, which walks that loop's list: no
 * per-subscriber task, copy or encoding. Tasks are queued while the broker holds the topic's order (see
 * {@link Broker#publish}), and a loop runs its tasks in order, so every subscriber sees offsets ascending.
 *
 * <p>Thread-safety: the topic map is concurrent; each per-loop list is touched only by its loop. Creating and
 * dropping a topic's entry (and telling the broker of the node's interest) happen atomically per topic.
 */
final class LocalTopics implements BrokerListener {
    private final Broker broker;
    private final HubMetrics metrics;
    private final Map<String, Map<EventLoop, LoopGroup>> topics = new ConcurrentHashMap<>();
    /** In-process listeners ({@link Hub#listen}), by topic. */
    private final Map<String, java.util.List<java.util.function.Consumer<Publication>>> listeners =
            new ConcurrentHashMap<>();

    LocalTopics(Broker broker, HubMetrics metrics) {
        this.broker = broker;
        this.metrics = metrics;
    }

    /** Loop thread of {@code s}'s session: starts live deliveries to {@code s}. */
    void add(Subscription s) {
        EventLoop loop = s.session.loop();
        LoopGroup[] group = new LoopGroup[1];
        topics.compute(s.topic, (topic, byLoop) -> {
            if (byLoop == null) {
                // May throw TopicLimitException: then nothing was added.
                broker.interest(topic, true);
                byLoop = new ConcurrentHashMap<>();
            }
            group[0] = byLoop.computeIfAbsent(loop, l -> new LoopGroup(topic, l));
            return byLoop;
        });
        group[0].subs.add(s);
    }

    /** Loop thread of {@code s}'s session: stops live deliveries to {@code s}. */
    void remove(Subscription s) {
        EventLoop loop = s.session.loop();
        Map<EventLoop, LoopGroup> byLoop = topics.get(s.topic);
        if (byLoop == null) {
            return;
        }
        LoopGroup group = byLoop.get(loop);
        if (group == null || !group.remove(s)) {
            return;
        }
        drop(s.topic, group);
    }

    private void drop(String topic, LoopGroup group) {
        topics.computeIfPresent(topic, (t, m) -> {
            if (group.subs.isEmpty()) {
                m.remove(group.loop, group);
            }
            if (m.isEmpty()) {
                broker.interest(t, false);
                return null;
            }
            return m;
        });
    }

    boolean hasSubscribers(String topic) {
        return topics.containsKey(topic);
    }

    int topicCount() {
        return topics.size();
    }

    /** Adds an in-process listener; the broker is told of the interest with the first one of a topic. */
    AutoCloseable listen(String topic, java.util.function.Consumer<Publication> listener) {
        listeners.compute(topic, (t, list) -> {
            if (list == null) {
                broker.interest(t, true);
                list = new java.util.concurrent.CopyOnWriteArrayList<>();
            }
            list.add(listener);
            return list;
        });
        return () -> listeners.computeIfPresent(topic, (t, list) -> {
            if (list.remove(listener) && list.isEmpty()) {
                broker.interest(t, false);
                return null;
            }
            return list;
        });
    }

    @Override
    public void onPublication(Publication p) {
        java.util.List<java.util.function.Consumer<Publication>> inProcess = listeners.get(p.topic());
        if (inProcess != null) {
            for (java.util.function.Consumer<Publication> l : inProcess) {
                l.accept(p);
            }
        }
        Map<EventLoop, LoopGroup> byLoop = topics.get(p.topic());
        if (byLoop == null) {
            return;
        }
        for (LoopGroup g : byLoop.values()) {
            g.loop.execute(() -> g.publish(p));
        }
    }

    @Override
    public void onJoin(String topic, Member member) {
        presence(topic, "join", member);
    }

    @Override
    public void onLeave(String topic, Member member) {
        presence(topic, "leave", member);
    }

    private void presence(String topic, String type, Member member) {
        Map<EventLoop, LoopGroup> byLoop = topics.get(topic);
        if (byLoop == null) {
            return;
        }
        byte[] event = Replies.presenceEvent(type, topic, member);
        for (LoopGroup g : byLoop.values()) {
            g.loop.execute(() -> g.presence(event));
        }
    }

    /** One loop's subscribers to one topic; the list is confined to that loop. */
    private final class LoopGroup {
        final String topic;
        final EventLoop loop;
        final ArrayList<Subscription> subs = new ArrayList<>();

        LoopGroup(String topic, EventLoop loop) {
            this.topic = topic;
            this.loop = loop;
        }

        /** Set while the list is walked: a session that ends meanwhile (a failed send) is removed afterwards. */
        private boolean walking;
        private boolean removedWhileWalking;

        void publish(Publication p) {
            walking = true;
            int delivered = 0;
            try {
                for (int i = 0, n = subs.size(); i < n; i++) {
                    if (subs.get(i).onPublication(p)) {
                        delivered++;
                    }
                }
            } finally {
                endWalk();
            }
            metrics.delivered(delivered);
        }

        void presence(byte[] event) {
            walking = true;
            try {
                for (int i = 0, n = subs.size(); i < n; i++) {
                    subs.get(i).onPresenceEvent(event);
                }
            } finally {
                endWalk();
            }
        }

        /** Removes {@code s} (already CANCELLED); true when the group is now empty. */
        boolean remove(Subscription s) {
            if (walking) {
                removedWhileWalking = true;
                return false;
            }
            return subs.remove(s) && subs.isEmpty();
        }

        private void endWalk() {
            walking = false;
            if (removedWhileWalking) {
                removedWhileWalking = false;
                subs.removeIf(x -> x.state == Subscription.State.CANCELLED);
                if (subs.isEmpty()) {
                    drop(topic, this);
                }
            }
        }
    }
}
