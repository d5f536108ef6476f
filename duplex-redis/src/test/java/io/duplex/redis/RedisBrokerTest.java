package io.duplex.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.hub.HubConfig;
import io.duplex.hub.Member;
import io.duplex.hub.Publication;
import io.duplex.hub.StreamPosition;
import io.duplex.hub.broker.Broker;
import io.duplex.hub.broker.BrokerListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Redis broker against the shared Redis, under a key prefix of its own: MemoryBrokerTest's cases where they
 * apply (numbering, history bounds, complete and incomplete slices, epochs, keys and their window, presence),
 * with real time instead of a hand-driven clock, plus what only several nodes have: delivery to another node,
 * a crashed node's members expiring, and publications lost on pub/sub recovered from the stream.
 */
class RedisBrokerTest {
    private static final Duration REFRESH = Duration.ofMillis(200);

    private String uri;
    private String prefix;
    private final List<RedisBroker> brokers = new ArrayList<>();

    @BeforeEach
    void redis() {
        uri = TestRedis.shared();
        prefix = TestRedis.prefix();
    }

    @AfterEach
    void close() {
        brokers.forEach(RedisBroker::close);
        TestRedis.deleteKeys(uri, prefix);
    }

    /** A node: a broker and the events its listener got. */
    private record Node(RedisBroker broker, List<Object> events) {
        List<Long> offsets() {
            return events.stream().filter(e -> e instanceof Publication).map(e -> ((Publication) e).offset()).toList();
        }
    }

    private Node node(HubConfig config) {
        return node(config, uri);
    }

    private Node node(HubConfig config, String redisUri) {
        RedisBroker b = new RedisBroker(config, RedisBroker.Options.defaults(redisUri).withKeyPrefix(prefix)
                .withPresenceRefresh(REFRESH));
        brokers.add(b);
        List<Object> events = new CopyOnWriteArrayList<>();
        b.start(new BrokerListener() {
            @Override
            public void onPublication(Publication p) {
                events.add(p);
            }

            @Override
            public void onJoin(String topic, Member member) {
                events.add("join " + topic + " " + member.client());
            }

            @Override
            public void onLeave(String topic, Member member) {
                events.add("leave " + topic + " " + member.client());
            }
        });
        return new Node(b, events);
    }

    private static Publication data(String topic, String json) {
        return new Publication(topic, "", 0, json, null, "u1", 0, null);
    }

    private static StreamPosition publish(Broker b, String topic, String json, String key) throws Exception {
        return b.publish(data(topic, json), key).get().position();
    }

    /** Declares interest and waits until the channel subscription is in place (as a subscribe does). */
    private static void interested(Broker b, String topic) throws Exception {
        b.interest(topic, true);
        b.history(topic, null, 0, true).get();
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void offsetsCountFromOneInOneEpochAndTheListenerSeesEachOnce() throws Exception {
        Node n = node(HubConfig.defaults());
        interested(n.broker, "t");
        StreamPosition p1 = publish(n.broker, "t", "1", null);
        StreamPosition p2 = publish(n.broker, "t", "{\"n\":0.1000000000000000000001}", null);
        assertThat(p1.offset()).isEqualTo(1);
        assertThat(p2).isEqualTo(new StreamPosition(p1.epoch(), 2));
        await(() -> n.events.size() == 2);
        Thread.sleep(100);
        assertThat(n.offsets()).containsExactly(1L, 2L);
        Publication second = (Publication) n.events.get(1);
        assertThat(second.user()).isEqualTo("u1");
        assertThat(second.json()).isEqualTo("{\"n\":0.1000000000000000000001}");
        assertThat(second.epoch()).isEqualTo(p1.epoch());
    }

    @Test
    void binaryDataAndTheExclusionTravel() throws Exception {
        Node n = node(HubConfig.defaults());
        interested(n.broker, "t");
        n.broker.publish(new Publication("t", "", 0, null, new byte[] {0, 1, (byte) 255}, null, 0, "c9"), null).get();
        await(() -> n.events.size() == 1);
        Publication p = (Publication) n.events.get(0);
        assertThat(p.isBinary()).isTrue();
        byte[] got = new byte[3];
        p.binary().get(got);
        assertThat(got).containsExactly(0, 1, 255);
        assertThat(p.excludedClient()).isEqualTo("c9");
        assertThat(p.user()).isNull();
        // History keeps it without the exclusion.
        Publication held = n.broker.history("t", null, 10, false).get().publications().get(0);
        assertThat(held.excludedClient()).isNull();
        assertThat(held.isBinary()).isTrue();
    }

    @Test
    void historyKeepsTheNewestUpToItsSize() throws Exception {
        Node n = node(HubConfig.defaults().withHistory(3, Duration.ofMinutes(1)));
        RedisBroker b = n.broker;
        for (int i = 1; i <= 5; i++) {
            publish(b, "t", Integer.toString(i), null);
        }
        String epoch = b.history("t", null, 0, false).get().top().epoch();
        Broker.HistorySlice all = b.history("t", null, 10, false).get();
        assertThat(all.publications()).extracting(Publication::offset).containsExactly(3L, 4L, 5L);
        assertThat(all.complete()).isTrue();
        assertThat(b.history("t", null, 2, false).get().publications()).extracting(Publication::offset)
                .containsExactly(4L, 5L);
        assertThat(b.history("t", new StreamPosition(epoch, 2), 10, false).get().complete()).isTrue();
        Broker.HistorySlice gap = b.history("t", new StreamPosition(epoch, 1), 10, false).get();
        assertThat(gap.complete()).isFalse();
        assertThat(gap.publications()).extracting(Publication::offset).containsExactly(3L, 4L, 5L);
        assertThat(b.history("t", new StreamPosition(epoch, 5), 10, false).get().complete()).isTrue();
        assertThat(b.history("t", new StreamPosition(epoch, 6), 10, false).get().complete()).isFalse();
        assertThat(b.history("t", new StreamPosition("other", 4), 10, false).get().complete()).isFalse();
        assertThat(b.history("t", new StreamPosition("other", 4), 10, false).get().publications()).isEmpty();
    }

    @Test
    void aLimitThatCutsMakesTheSliceIncompleteButKeepsTheNewest() throws Exception {
        RedisBroker b = node(HubConfig.defaults()).broker;
        for (int i = 1; i <= 10; i++) {
            publish(b, "t", Integer.toString(i), null);
        }
        String epoch = b.history("t", null, 0, false).get().top().epoch();
        Broker.HistorySlice s = b.history("t", new StreamPosition(epoch, 4), 3, false).get();
        assertThat(s.complete()).isFalse();
        assertThat(s.publications()).extracting(Publication::offset).containsExactly(8L, 9L, 10L);
        Broker.HistorySlice whole = b.history("t", new StreamPosition(epoch, 4), 6, false).get();
        assertThat(whole.complete()).isTrue();
        assertThat(whole.publications()).extracting(Publication::offset).containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void anUnknownTopicIsNullUnlessCreatedAndCreationStartsAnEpochAtZero() throws Exception {
        RedisBroker b = node(HubConfig.defaults()).broker;
        assertThat(b.history("t", null, 10, false).get()).isNull();
        Broker.HistorySlice created = b.history("t", null, 10, true).get();
        assertThat(created.top().offset()).isZero();
        assertThat(created.publications()).isEmpty();
        assertThat(publish(b, "t", "1", null)).isEqualTo(new StreamPosition(created.top().epoch(), 1));
    }

    @Test
    void historyExpiresByAgeAndAnIdleTopicComesBackWithANewEpoch() throws Exception {
        RedisBroker b = node(HubConfig.defaults().withHistory(100, Duration.ofMillis(1000))
                .withIdempotency(Duration.ofMillis(500), 100)).broker;
        StreamPosition first = publish(b, "t", "1", "k");
        Thread.sleep(700);
        publish(b, "t", "2", null);
        Thread.sleep(500);
        Broker.HistorySlice s = b.history("t", new StreamPosition(first.epoch(), 0), 10, false).get();
        assertThat(s.publications()).extracting(Publication::offset).containsExactly(2L);
        assertThat(s.complete()).isFalse();
        // The state outlives the last use by max(history ttl, window, 3 x refresh) = 1 s.
        Thread.sleep(1100);
        assertThat(b.history("t", null, 0, false).get()).isNull();
        StreamPosition again = publish(b, "t", "3", null);
        assertThat(again.offset()).isEqualTo(1);
        assertThat(again.epoch()).isNotEqualTo(first.epoch());
    }

    @Test
    void interestKeepsATopicWithoutHistory() throws Exception {
        RedisBroker b = node(HubConfig.defaults().withHistory(0, Duration.ofMillis(500))
                .withIdempotency(Duration.ofMillis(500), 100)).broker;
        interested(b, "t");
        publish(b, "t", "1", null);
        String epoch = b.history("t", null, 0, false).get().top().epoch();
        Thread.sleep(2000);
        assertThat(b.history("t", null, 0, false).get().top()).isEqualTo(new StreamPosition(epoch, 1));
        b.interest("t", false);
        Thread.sleep(1300);
        assertThat(b.history("t", null, 0, false).get()).isNull();
    }

    @Test
    void aKeyIsADuplicateWithinItsWindowAndForgottenAfter() throws Exception {
        Node n = node(HubConfig.defaults().withIdempotency(Duration.ofMillis(800), 100));
        RedisBroker b = n.broker;
        interested(b, "t");
        StreamPosition p = publish(b, "t", "1", "k");
        Broker.PublishOutcome dup = b.publish(data("t", "2"), "k").get();
        assertThat(dup.duplicate()).isTrue();
        assertThat(dup.position()).isEqualTo(p);
        // Keys are per topic.
        assertThat(b.publish(data("u", "1"), "k").get().duplicate()).isFalse();
        await(() -> n.events.size() == 1);
        Thread.sleep(100);
        assertThat(n.events).hasSize(1);
        assertThat(b.history("t", null, 10, false).get().publications()).hasSize(1);
        Thread.sleep(900);
        Broker.PublishOutcome later = b.publish(data("t", "again"), "k").get();
        assertThat(later.duplicate()).isFalse();
        assertThat(later.position().offset()).isEqualTo(2);
    }

    @Test
    void presenceJoinsReplacesAndLeavesOnEveryNode() throws Exception {
        HubConfig config = HubConfig.defaults().withHistory(0, Duration.ZERO);
        Node a = node(config);
        Node b = node(config);
        interested(a.broker, "t");
        interested(b.broker, "t");
        a.broker.join("t", new Member("c1", "u", null, null)).get();
        b.broker.join("t", new Member("c2", null, null, ProtocolJson.node("{\"name\":\"Bob\"}"))).get();
        a.broker.join("t", new Member("c1", "u", null, ProtocolJson.node("{\"again\":true}"))).get();
        List<Member> members = b.broker.presence("t").get();
        assertThat(members).extracting(Member::client).containsExactlyInAnyOrder("c1", "c2");
        assertThat(members).filteredOn(m -> m.client().equals("c2")).singleElement()
                .satisfies(m -> assertThat(m.info().path("name").asText()).isEqualTo("Bob"));
        a.broker.leave("t", new Member("c1", "u", null, null)).get();
        a.broker.leave("t", new Member("c1", "u", null, null)).get();
        List<String> expected = List.of("join t c1", "join t c2", "join t c1", "leave t c1");
        await(() -> a.events.size() == 4 && b.events.size() == 4);
        Thread.sleep(100);
        assertThat(a.events).isEqualTo(expected);
        assertThat(b.events).isEqualTo(expected);
        assertThat(a.broker.presence("t").get()).extracting(Member::client).containsExactly("c2");
    }

    @Test
    void aCrashedNodesMembersLeaveWithinThreeRefreshPeriods() throws Exception {
        HubConfig config = HubConfig.defaults();
        Node survivor = node(config);
        Node crashing = node(config);
        interested(survivor.broker, "t");
        crashing.broker.join("t", new Member("gone", null, null, null)).get();
        survivor.broker.join("t", new Member("stays", null, null, null)).get();
        // A node that stops without leaving: its members are no longer refreshed.
        brokers.remove(crashing.broker);
        crashing.broker.close();
        long stopped = System.nanoTime();
        await(() -> survivor.events.contains("leave t gone"));
        long tookMillis = (System.nanoTime() - stopped) / 1_000_000;
        assertThat(tookMillis).isLessThan(3 * REFRESH.toMillis() + 2 * REFRESH.toMillis() + 300);
        // The survivor's own member is kept alive by its refresh well past the ttl.
        Thread.sleep(4 * REFRESH.toMillis());
        assertThat(survivor.broker.presence("t").get()).extracting(Member::client).containsExactly("stays");
    }

    @Test
    void concurrentPublishersOnTwoNodesGetDistinctConsecutiveOffsetsAndBothListenersSeeThemInOrder()
            throws Exception {
        HubConfig config = HubConfig.defaults().withHistory(10_000, Duration.ofMinutes(1));
        Node a = node(config);
        Node b = node(config);
        interested(a.broker, "t");
        interested(b.broker, "t");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                RedisBroker on = t % 2 == 0 ? a.broker : b.broker;
                futures.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < 250; i++) {
                        mine.add(publish(on, "t", "0", null).offset());
                    }
                    return mine;
                }));
            }
            ConcurrentHashMap<Long, Boolean> seen = new ConcurrentHashMap<>();
            for (Future<List<Long>> f : futures) {
                for (long o : f.get()) {
                    assertThat(seen.put(o, true)).isNull();
                }
            }
            assertThat(seen).hasSize(1000);
            List<Long> all = LongStream.rangeClosed(1, 1000).boxed().toList();
            await(() -> a.events.size() >= 1000 && b.events.size() >= 1000);
            Thread.sleep(100);
            assertThat(a.offsets()).isEqualTo(all);
            assertThat(b.offsets()).isEqualTo(all);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void publicationsLostOnPubSubAreRecoveredFromTheStreamInOrderAndOnce() throws Exception {
        // A node whose pub/sub connection is cut (CLIENT KILL of that one connection, found by its name) while
        // another node publishes: Lettuce reconnects, the broker resubscribes and catches up from the stream.
        HubConfig config = HubConfig.defaults().withHistory(10_000, Duration.ofMinutes(1));
        String name = "dx" + prefix.replaceAll("[^a-z0-9]", "");
        Node listening = node(config, uri + "?clientName=" + name);
        Node publishing = node(config);
        interested(listening.broker, "t");
        RedisClient admin = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            int n = 0;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 100; i++) {
                    publish(publishing.broker, "t", Integer.toString(++n), null);
                }
                for (String line : c.sync().clientList().split("\n")) {
                    if (line.contains(" name=" + name + " ") && line.matches(".* sub=[1-9].*")) {
                        String id = line.replaceAll("^id=(\\d+) .*$", "$1").trim();
                        c.sync().clientKill(io.lettuce.core.KillArgs.Builder.id(Long.parseLong(id)));
                    }
                }
                for (int i = 0; i < 100; i++) {
                    publish(publishing.broker, "t", Integer.toString(++n), null);
                }
            }
            int total = n;
            List<Long> all = LongStream.rangeClosed(1, total).boxed().toList();
            await(() -> listening.offsets().size() >= total);
            Thread.sleep(200);
            assertThat(listening.offsets()).isEqualTo(all);
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
