package io.duplex.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.HubConfig;
import io.duplex.hub.broker.BrokerException;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two hubs, each with a {@link RedisBroker#cluster} given different seed nodes of one three-master Redis Cluster
 * the test starts itself ({@link TestCluster}): topics on different masters behave as on one server.
 */
class ClusterTest {
    private static final HubConfig CONFIG = HubConfig.defaults().withHistory(1000, Duration.ofMinutes(1));
    private static final String PREFIX = "dx:";

    private final List<AutoCloseable> open = new ArrayList<>();
    private TestCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new TestCluster(3);
        open.add(cluster);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private HubServer hub(String seeds) throws Exception {
        RedisBroker broker = RedisBroker.cluster(CONFIG, RedisBroker.Options.defaults(seeds).withKeyPrefix(PREFIX)
                .withPresenceRefresh(Duration.ofMillis(200)));
        open.add(broker);
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

    /** One topic whose slot is owned by each master, in node order. */
    private List<String> topicPerMaster() {
        String[] found = new String[3];
        for (int n = 0; found[0] == null || found[1] == null || found[2] == null; n++) {
            String t = "t" + n;
            int owner = cluster.ownerOf(TopicKeys.of(PREFIX, t).state());
            if (found[owner] == null) {
                found[owner] = t;
            }
        }
        return List.of(found);
    }

    @Test
    void publicationsCrossHubsExactlyOnceInOrderOnEveryMasterAndRecoverAcrossHubs() throws Exception {
        HubServer a = hub(cluster.seeds(0));
        HubServer b = hub(cluster.seeds(1, 2));
        List<String> topics = topicPerMaster();
        List<ProtocolClient> subscribers = List.of(client(a), client(b));
        for (ProtocolClient s : subscribers) {
            for (String t : topics) {
                s.subscribe(t);
            }
        }
        ProtocolClient pa = client(a);
        ProtocolClient pb = client(b);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (ProtocolClient p : List.of(pa, pb)) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        for (String t : topics) {
                            p.ack(publish(p, t, "{\"from\":\"" + p.clientId() + "\",\"i\":" + i + "}"));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        // Each topic's keys are on the master that owns its slot, and only there; both hubs listen to its
        // channel with sharded pub/sub on that master.
        for (int node = 0; node < 3; node++) {
            TopicKeys k = TopicKeys.of(PREFIX, topics.get(node));
            for (int other = 0; other < 3; other++) {
                assertThat(cluster.nodeHasKeysInSlotOf(other, k.history()))
                        .as("%s on node %d", topics.get(node), other).isEqualTo(node == other);
                assertThat(cluster.shardSubscribers(other, k.channel()))
                        .as("subscribers of %s on node %d", k.channel(), other).isEqualTo(node == other ? 2 : 0);
            }
        }

        List<Long> expected = LongStream.rangeClosed(1, 100).boxed().toList();
        for (ProtocolClient s : subscribers) {
            Map<String, List<JsonNode>> byTopic = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                JsonNode p = s.next("pub");
                byTopic.computeIfAbsent(p.get("topic").asText(), k -> new ArrayList<>()).add(p);
            }
            assertThat(byTopic.keySet()).containsExactlyInAnyOrderElementsOf(topics);
            for (String t : topics) {
                List<JsonNode> got = byTopic.get(t);
                assertThat(got).as(t).extracting(j -> j.get("offset").asLong()).isEqualTo(expected);
                assertThat(got).extracting(j -> j.get("epoch").asText()).containsOnly(got.get(0).get("epoch").asText());
                for (ProtocolClient p : List.of(pa, pb)) {
                    assertThat(got.stream().filter(j -> j.at("/data/from").asText().equals(p.clientId()))
                            .map(j -> j.at("/data/i").asInt()).toList())
                            .isEqualTo(IntStream.range(0, 50).boxed().toList());
                }
            }
            assertThat(s.poll(Duration.ofMillis(200))).isNull();
        }

        // Recovery across hubs: a client that saw offset 90 on hub A resubscribes on hub B and gets 91..100.
        for (String t : topics) {
            JsonNode last = pb.ack(publish(pb, t, "\"probe\""));
            ProtocolClient onB = client(b);
            ObjectNode r = onB.request("subscribe");
            r.put("topic", t);
            r.putObject("recover").put("epoch", last.get("epoch").asText()).put("offset", 90);
            JsonNode ack = onB.ack(r);
            assertThat(ack.get("recovered").asBoolean()).as(t).isTrue();
            assertThat(ack.get("missed").asInt()).isEqualTo(11);
            for (long o = 91; o <= 101; o++) {
                assertThat(onB.next("pub").get("offset").asLong()).isEqualTo(o);
            }
            onB.close();
        }
    }

    @Test
    void presenceIsGlobalOnEveryMaster() throws Exception {
        HubServer a = hub(cluster.seeds(0, 1, 2));
        HubServer b = hub(cluster.seeds(2));
        for (String topic : topicPerMaster()) {
            ProtocolClient watcher = client(a);
            ObjectNode w = watcher.request("subscribe");
            w.put("topic", topic);
            w.put("join_leave", true);
            watcher.ack(w);
            assertThat(watcher.next("join").at("/member/client").asText()).isEqualTo(watcher.clientId());
            ProtocolClient alice = client(b);
            ObjectNode s = alice.request("subscribe");
            s.put("topic", topic);
            s.set("info", ProtocolClient.JSON.readTree("{\"name\":\"Alice\"}"));
            alice.ack(s);
            JsonNode join = watcher.next("join");
            assertThat(join.at("/member/client").asText()).isEqualTo(alice.clientId());
            for (ProtocolClient asker : List.of(watcher, alice)) {
                ObjectNode p = asker.request("presence");
                p.put("topic", topic);
                JsonNode answer = asker.ack(p);
                List<String> clients = new ArrayList<>();
                answer.get("members").forEach(m -> clients.add(m.get("client").asText()));
                assertThat(clients).as(topic).containsExactlyInAnyOrder(watcher.clientId(), alice.clientId());
            }
            alice.close();
            assertThat(watcher.next("leave").at("/member/client").asText()).isEqualTo(alice.clientId());
            watcher.close();
        }
    }

    @Test
    void seedsThatDoNotAnswerFailTheStartWithBrokerException() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        assertThatThrownBy(() -> RedisBroker.cluster(CONFIG, RedisBroker.Options.defaults("redis://127.0.0.1:" + dead)))
                .isInstanceOf(BrokerException.class).hasMessageContaining("Redis Cluster");
    }
}
