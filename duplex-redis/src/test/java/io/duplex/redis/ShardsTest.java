package io.duplex.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.HubConfig;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two hubs, each with a {@link ShardedBroker} over the same three redis-servers of the test's own: topics spread
 * over the shards, clients on either hub behave as on one server, and a stopped shard takes down only its topics.
 */
class ShardsTest {
    private static final HubConfig CONFIG = HubConfig.defaults().withHistory(1000, Duration.ofMinutes(1));
    private static final String PREFIX = "dx:";

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<TestRedis.OwnRedis> redis = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private List<String> startShards() throws Exception {
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TestRedis.OwnRedis r = new TestRedis.OwnRedis();
            open.add(r);
            redis.add(r);
            uris.add(r.uri());
        }
        return uris;
    }

    private ShardedBroker broker(List<String> uris) {
        ShardedBroker b = new ShardedBroker(CONFIG, RedisBroker.Options.defaults(uris.get(0)).withKeyPrefix(PREFIX)
                .withPresenceRefresh(Duration.ofMillis(200)), uris);
        open.add(b);
        return b;
    }

    private HubServer hub(ShardedBroker broker) throws Exception {
        HubServer server = HubServer.start(CONFIG, broker);
        open.add(server);
        return server;
    }

    private ProtocolClient client(HubServer hub) throws Exception {
        ProtocolClient c = hub.client();
        open.add(c);
        return c;
    }

    private static ObjectNode publish(ProtocolClient c, String topic, String data) throws Exception {
        ObjectNode r = c.request("publish");
        r.put("topic", topic);
        r.set("data", ProtocolClient.JSON.readTree(data));
        return r;
    }

    /** The topics whose state key is on shard {@code i}, read over a connection of the test's own. */
    private Set<String> topicsOn(int i) {
        RedisClient client = RedisClient.create(redis.get(i).uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            Set<String> topics = new HashSet<>();
            for (String k : c.sync().keys(PREFIX + "*:s")) {
                topics.add(k.substring(PREFIX.length() + 1, k.length() - 3));
            }
            return topics;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    /** The first of t0, t1, ... that lives on shard {@code i}. */
    private static String topicOn(ShardedBroker b, int i) {
        for (int n = 0; ; n++) {
            if (b.shardOf("t" + n) == i) {
                return "t" + n;
            }
        }
    }

    @Test
    void topicsSpreadOverTheShardsAndEachShardDownTakesOnlyItsTopics() throws Exception {
        List<String> uris = startShards();
        ShardedBroker brokerA = broker(uris);
        HubServer a = hub(brokerA);
        HubServer b = hub(broker(uris));
        ProtocolClient pa = client(a);

        // 30 topics published on hub A: each is stored on the shard the ring names, and every shard holds some.
        Set<String> all = new HashSet<>();
        for (int n = 0; n < 30; n++) {
            pa.ack(publish(pa, "t" + n, Integer.toString(n)));
            all.add("t" + n);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            Set<String> on = topicsOn(i);
            assertThat(on).as("shard %d", i).isNotEmpty();
            for (String t : on) {
                assertThat(brokerA.shardOf(t)).as(t).isEqualTo(i);
            }
            seen.addAll(on);
        }
        assertThat(seen).isEqualTo(all);

        // One topic per shard; a subscriber on hub B gets hub A's publications on all three.
        List<String> topics = List.of(topicOn(brokerA, 0), topicOn(brokerA, 1), topicOn(brokerA, 2));
        ProtocolClient sb = client(b);
        for (String t : topics) {
            sb.subscribe(t);
        }
        List<JsonNode> acks = new ArrayList<>();
        for (String t : topics) {
            acks.add(pa.ack(publish(pa, t, "\"live\"")));
            JsonNode p = sb.next("pub");
            assertThat(p.get("topic").asText()).isEqualTo(t);
            assertThat(p.get("offset").asLong()).isEqualTo(2);
        }

        // Recovery across hubs: what was published while away comes back from the topic's shard.
        for (String t : topics) {
            ProtocolClient onA = client(a);
            ObjectNode r = onA.request("subscribe");
            r.put("topic", t);
            r.putObject("recover").put("epoch", acks.get(topics.indexOf(t)).get("epoch").asText()).put("offset", 1);
            JsonNode ack = onA.ack(r);
            assertThat(ack.get("recovered").asBoolean()).as(t).isTrue();
            assertThat(ack.get("missed").asInt()).isEqualTo(1);
            assertThat(onA.next("pub").get("data").asText()).isEqualTo("live");
            onA.close();
        }

        // Shard 2 down: its topic fails with unavailable, the others publish and deliver as before.
        redis.get(2).stop();
        JsonNode failed = pa.call(publish(pa, topics.get(2), "\"lost\""));
        assertThat(failed.get("type").asText()).isEqualTo("error");
        assertThat(failed.get("code").asText()).isEqualTo("unavailable");
        for (String t : topics.subList(0, 2)) {
            assertThat(pa.ack(publish(pa, t, "\"meanwhile\"")).get("offset").asLong()).isEqualTo(3);
            JsonNode p = sb.next("pub");
            assertThat(p.get("topic").asText()).isEqualTo(t);
            assertThat(p.get("data").asText()).isEqualTo("meanwhile");
        }
        sb.ack(sb.request("ping"));

        // Shard 2 back, empty: its topic starts a new epoch, the subscriber on B gets it, an old position is not
        // recovered.
        redis.get(2).start();
        JsonNode again = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (again == null) {
            JsonNode r = pa.call(publish(pa, topics.get(2), "\"back\""));
            if ("ack".equals(r.get("type").asText())) {
                again = r;
            } else {
                assertThat(r.get("code").asText()).isEqualTo("unavailable");
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
        assertThat(again.get("epoch").asText()).isNotEqualTo(acks.get(2).get("epoch").asText());
        assertThat(again.get("offset").asLong()).isEqualTo(1);
        JsonNode back = sb.next("pub");
        assertThat(back.get("topic").asText()).isEqualTo(topics.get(2));
        assertThat(back.get("data").asText()).isEqualTo("back");
        ProtocolClient late = client(a);
        ObjectNode r = late.request("subscribe");
        r.put("topic", topics.get(2));
        r.putObject("recover").put("epoch", acks.get(2).get("epoch").asText()).put("offset", 2);
        JsonNode ack = late.ack(r);
        assertThat(ack.get("recovered").asBoolean()).isFalse();
        assertThat(ack.get("epoch").asText()).isEqualTo(again.get("epoch").asText());
        // The other shards' topics kept their epochs throughout.
        assertThat(pa.ack(publish(pa, topics.get(0), "\"still\"")).get("epoch").asText())
                .isEqualTo(acks.get(0).get("epoch").asText());
        assertThat(sb.next("pub").get("data").asText()).isEqualTo("still");
        assertThat(sb.poll(Duration.ofMillis(100))).isNull();
    }

    @Test
    void presenceOfATopicIsGlobalOnItsShard() throws Exception {
        List<String> uris = startShards();
        ShardedBroker brokerA = broker(uris);
        HubServer a = hub(brokerA);
        HubServer b = hub(broker(uris));
        for (int i = 0; i < 3; i++) {
            String t = topicOn(brokerA, i);
            ProtocolClient onA = client(a);
            ProtocolClient onB = client(b);
            onA.subscribe(t);
            onB.subscribe(t);
            ObjectNode p = onB.request("presence");
            p.put("topic", t);
            JsonNode answer = onB.ack(p);
            assertThat(answer.get("count").asInt()).as(t).isEqualTo(2);
            assertThat(topicsOn(i)).contains(t);
        }
    }
}
