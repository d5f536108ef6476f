package io.duplex.hub.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duplex.hub.HubConfig;
import io.duplex.hub.Member;
import io.duplex.hub.Publication;
import io.duplex.hub.StreamPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The single-node broker with a hand-driven clock: numbering, history bounds, keys, epochs, presence. */
class MemoryBrokerTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<Object> events = new CopyOnWriteArrayList<>();

    private MemoryBroker broker(HubConfig config) {
        MemoryBroker b = new MemoryBroker(config, now::get, false);
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
        return b;
    }

    private static Publication data(String topic, String json) {
        return new Publication(topic, "", 0, json, null, "u1", 0, null);
    }

    private static StreamPosition publish(MemoryBroker b, String topic, String json, String key) throws Exception {
        return b.publish(data(topic, json), key).get().position();
    }

    @Test
    void offsetsCountFromOneInOneEpochAndTheListenerSeesEachOnce() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults());
        StreamPosition p1 = publish(b, "t", "1", null);
        StreamPosition p2 = publish(b, "t", "2", null);
        assertThat(p1.offset()).isEqualTo(1);
        assertThat(p2).isEqualTo(new StreamPosition(p1.epoch(), 2));
        assertThat(events).extracting(e -> ((Publication) e).offset()).containsExactly(1L, 2L);
        assertThat(((Publication) events.get(0)).user()).isEqualTo("u1");
    }

    @Test
    void historyKeepsTheNewestUpToItsSize() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withHistory(3, Duration.ofMinutes(1)));
        for (int i = 1; i <= 5; i++) {
            publish(b, "t", Integer.toString(i), null);
        }
        String epoch = b.history("t", null, 0, false).get().top().epoch();
        Broker.HistorySlice all = b.history("t", null, 10, false).get();
        assertThat(all.publications()).extracting(Publication::offset).containsExactly(3L, 4L, 5L);
        assertThat(all.complete()).isTrue();
        // Offsets 3..5 are held: resuming after 2 is complete, after 1 is not (offset 2 is gone).
        assertThat(b.history("t", new StreamPosition(epoch, 2), 10, false).get().complete()).isTrue();
        Broker.HistorySlice gap = b.history("t", new StreamPosition(epoch, 1), 10, false).get();
        assertThat(gap.complete()).isFalse();
        assertThat(gap.publications()).extracting(Publication::offset).containsExactly(3L, 4L, 5L);
        assertThat(b.history("t", new StreamPosition(epoch, 5), 10, false).get().complete()).isTrue();
        assertThat(b.history("t", new StreamPosition(epoch, 6), 10, false).get().complete()).isFalse();
        assertThat(b.history("t", new StreamPosition("other", 4), 10, false).get().complete()).isFalse();
    }

    @Test
    void aLimitThatCutsMakesTheSliceIncompleteButKeepsTheNewest() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults());
        for (int i = 1; i <= 10; i++) {
            publish(b, "t", Integer.toString(i), null);
        }
        String epoch = b.history("t", null, 0, false).get().top().epoch();
        Broker.HistorySlice s = b.history("t", new StreamPosition(epoch, 4), 3, false).get();
        assertThat(s.complete()).isFalse();
        assertThat(s.publications()).extracting(Publication::offset).containsExactly(8L, 9L, 10L);
    }

    @Test
    void historyExpiresByAgeAndAnIdleTopicIsDroppedAndComesBackWhereItWas() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withHistory(100, Duration.ofSeconds(10))
                .withIdempotency(Duration.ofSeconds(5), 100));
        StreamPosition first = publish(b, "t", "1", "k");
        now.addAndGet(6_000);
        publish(b, "t", "2", null);
        now.addAndGet(5_000);
        Broker.HistorySlice s = b.history("t", new StreamPosition(first.epoch(), 0), 10, false).get();
        assertThat(s.publications()).extracting(Publication::offset).containsExactly(2L);
        assertThat(s.complete()).isFalse();
        now.addAndGet(10_000);
        b.sweep();
        assertThat(b.topicCount()).isZero();
        assertThat(b.historySize()).isZero();
        assertThat(b.history("t", null, 0, false).get()).isNull();
        // Back at the same epoch and offset: a reader that had everything resumes; one that had not cannot.
        Broker.HistorySlice back = b.history("t", new StreamPosition(first.epoch(), 2), 10, true).get();
        assertThat(back.top()).isEqualTo(new StreamPosition(first.epoch(), 2));
        assertThat(back.complete()).isTrue();
        assertThat(b.history("t", new StreamPosition(first.epoch(), 1), 10, false).get().complete()).isFalse();
        assertThat(publish(b, "t", "3", null)).isEqualTo(new StreamPosition(first.epoch(), 3));
    }

    @Test
    void aTopicForgottenLongEnoughComesBackWithANewEpoch() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withHistory(0, Duration.ofSeconds(10)));
        b.interest("t", true);
        String epoch = b.history("t", null, 0, false).get().top().epoch();
        b.interest("t", false);
        for (int i = 0; i < MemoryBroker.TOMBSTONES; i++) {
            b.interest("other" + i, true);
            b.interest("other" + i, false);
        }
        Broker.HistorySlice back = b.history("t", new StreamPosition(epoch, 0), 10, true).get();
        assertThat(back.top().epoch()).isNotEqualTo(epoch);
        assertThat(back.complete()).isFalse();
    }

    @Test
    void interestKeepsATopicWithoutHistory() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withHistory(0, Duration.ofSeconds(10)));
        b.interest("t", true);
        publish(b, "t", "1", null);
        String epoch = b.history("t", null, 0, false).get().top().epoch();
        now.addAndGet(60_000);
        b.sweep();
        assertThat(b.history("t", null, 0, false).get().top()).isEqualTo(new StreamPosition(epoch, 1));
        b.interest("t", false);
        assertThat(b.topicCount()).isZero();
    }

    @Test
    void aKeyIsADuplicateWithinItsWindowAndForgottenAfter() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withIdempotency(Duration.ofSeconds(30), 100));
        StreamPosition p = publish(b, "t", "1", "k");
        Broker.PublishOutcome dup = b.publish(data("t", "other"), "k").get();
        assertThat(dup.duplicate()).isTrue();
        assertThat(dup.position()).isEqualTo(p);
        assertThat(events).hasSize(1);
        // Keys are per topic.
        assertThat(b.publish(data("u", "1"), "k").get().duplicate()).isFalse();
        now.addAndGet(31_000);
        Broker.PublishOutcome later = b.publish(data("t", "again"), "k").get();
        assertThat(later.duplicate()).isFalse();
        assertThat(later.position().offset()).isEqualTo(2);
    }

    @Test
    void onlyTheNewestKeysOfATopicAreKept() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withIdempotency(Duration.ofMinutes(5), 2));
        publish(b, "t", "1", "a");
        publish(b, "t", "2", "b");
        publish(b, "t", "3", "c");
        assertThat(b.publish(data("t", "x"), "a").get().duplicate()).isFalse();
        assertThat(b.publish(data("t", "x"), "c").get().duplicate()).isTrue();
    }

    @Test
    void topicLimit() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withLimits(2, 10, 100));
        publish(b, "a", "1", null);
        publish(b, "b", "1", null);
        assertThatThrownBy(() -> b.publish(data("c", "1"), null)).isInstanceOf(TopicLimitException.class);
        publish(b, "a", "2", null);
    }

    @Test
    void presenceJoinsReplacesAndLeaves() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withHistory(0, Duration.ZERO));
        b.join("t", new Member("c1", "u", null, null)).get();
        b.join("t", new Member("c2", null, null, null)).get();
        assertThat(b.presence("t").get()).extracting(Member::client).containsExactly("c1", "c2");
        b.leave("t", new Member("c1", "u", null, null)).get();
        b.leave("t", new Member("c1", "u", null, null)).get();
        assertThat(events).containsExactly("join t c1", "join t c2", "leave t c1");
        b.leave("t", new Member("c2", null, null, null)).get();
        assertThat(b.topicCount()).isZero();
        assertThat(b.presence("t").get()).isEmpty();
    }

    @Test
    void concurrentPublishersGetDistinctConsecutiveOffsetsAndTheListenerSeesThemInOrder() throws Exception {
        MemoryBroker b = broker(HubConfig.defaults().withHistory(10_000, Duration.ofMinutes(1)));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        mine.add(publish(b, "t", "0", null).offset());
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
            assertThat(seen).hasSize(2000);
            assertThat(events).extracting(e -> ((Publication) e).offset())
                    .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 2000).boxed().toList());
        } finally {
            pool.shutdownNow();
        }
    }
}
