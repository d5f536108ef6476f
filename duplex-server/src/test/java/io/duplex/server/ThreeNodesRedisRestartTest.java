package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.testing.ProtocolClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code duplex serve --broker redis} JVMs on a redis-server of the test's own, which is killed (SIGKILL,
 * no persistence: it comes back empty) while three publishers, one per node, keep publishing. During the outage
 * every publish fails with {@code unavailable} and none is ever acked or delivered; every session stays up; after
 * the restart publishing resumes in a new epoch that every subscriber follows; a client that comes back with a
 * position from before the outage is told {@code recovered: false}, one with a position from after it recovers.
 */
@Timeout(90)
class ThreeNodesRedisRestartTest {
    private static final String TOPIC = "restart";
    private static final int PER_PUBLISHER = 5;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private ProtocolClient client(NodeProcess n) throws Exception {
        ProtocolClient c = ProtocolClient.connect(n.ws());
        open.add(c);
        return c;
    }

    private static ObjectNode publish(ProtocolClient c, String data) {
        ObjectNode r = c.request("publish");
        r.put("topic", TOPIC);
        r.put("data", data);
        return r;
    }

    /** Runs {@code task} for each publisher concurrently and returns their results in publisher order. */
    private static <T> List<T> eachConcurrently(List<ProtocolClient> publishers, PublisherTask<T> task)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(publishers.size());
        try {
            List<Future<T>> done = new ArrayList<>();
            for (int i = 0; i < publishers.size(); i++) {
                int p = i;
                done.add(pool.submit(() -> task.run(p, publishers.get(p))));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : done) {
                out.add(f.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private interface PublisherTask<T> {
        T run(int index, ProtocolClient publisher) throws Exception;
    }

    @Test
    void publishesDuringARedisRestartFailUnavailableSessionsStayAndPublishingResumesInANewEpoch() throws Exception {
        RedisProcess redis = new RedisProcess(dir);
        open.add(redis);
        List<String> flags = List.of("--loops", "1", "--no-demo", "--editor-docs=", "--broker", "redis",
                "--redis", redis.uri(), "--presence-refresh", "PT0.5S", "--history-size", "1000",
                "--rate-messages", "0", "--ip-connect-rate", "0");
        List<NodeProcess> nodes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            NodeProcess n = NodeProcess.launch("node" + i, dir, flags);
            open.add(n);
            nodes.add(n);
        }
        for (NodeProcess n : nodes) {
            n.awaitListening();
        }
        List<ProtocolClient> subscribers = new ArrayList<>();
        List<ProtocolClient> publishers = new ArrayList<>();
        for (NodeProcess n : nodes) {
            ProtocolClient s = client(n);
            s.subscribe(TOPIC);
            subscribers.add(s);
            publishers.add(client(n));
        }

        // Before: every publication acked once, every subscriber gets them all in offset order.
        String oldEpoch = publishers.get(0).ack(publish(publishers.get(0), "zero")).get("epoch").asText();
        Map<Long, String> before = new TreeMap<>(Map.of(1L, "zero"));
        before.putAll(acked(eachConcurrently(publishers, (p, c) -> publishN(c, "before", p))));
        assertThat(before.keySet()).containsExactlyElementsOf(range(1, 1 + 3 * PER_PUBLISHER));

        // Outage: every publish fails with unavailable, concurrently on every node; nothing is delivered.
        redis.kill();
        List<List<String>> outcomes = eachConcurrently(publishers, (p, c) -> {
            List<String> codes = new ArrayList<>();
            for (int i = 0; i < PER_PUBLISHER; i++) {
                JsonNode r = c.call(publish(c, "outage-" + p + "-" + i));
                codes.add(r.get("type").asText() + ":" + r.path("code").asText());
            }
            return codes;
        });
        for (List<String> codes : outcomes) {
            assertThat(codes).containsOnly("error:unavailable");
        }
        for (ProtocolClient c : subscribers) {
            c.ack(c.request("ping"));
        }
        for (ProtocolClient c : publishers) {
            c.ack(c.request("ping"));
        }

        // Redis back, empty: publishing resumes (bounded wait for the nodes to reconnect), in a new epoch.
        redis.start();
        String newEpoch = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (newEpoch == null) {
            JsonNode r = publishers.get(0).call(publish(publishers.get(0), "first-after"));
            if ("ack".equals(r.get("type").asText())) {
                newEpoch = r.get("epoch").asText();
            } else {
                assertThat(r.get("code").asText()).isEqualTo("unavailable");
                assertThat(System.nanoTime()).as("publishing resumed within 15 s").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
        assertThat(newEpoch).isNotEqualTo(oldEpoch);
        String epochAfter = newEpoch;
        // Every node must be back before the concurrent round: each publisher retries its own node once ready.
        for (ProtocolClient c : publishers) {
            while (!"ack".equals(c.call(publish(c, "probe")).get("type").asText())) {
                assertThat(System.nanoTime()).as("every node reconnected within 15 s").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
        Map<Long, String> round = acked(eachConcurrently(publishers, (p, c) -> publishN(c, "after", p)));

        // Every subscriber: the before publications, then the new epoch from offset 1 to its top, no outage data.
        for (ProtocolClient s : subscribers) {
            List<JsonNode> got = new ArrayList<>();
            long top = round.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            while (got.isEmpty() || !(got.get(got.size() - 1).get("epoch").asText().equals(newEpoch)
                    && got.get(got.size() - 1).get("offset").asLong() == top)) {
                got.add(s.next("pub"));
            }
            List<JsonNode> old = got.stream().filter(j -> j.get("epoch").asText().equals(oldEpoch)).toList();
            List<JsonNode> fresh = got.stream().filter(j -> j.get("epoch").asText().equals(epochAfter)).toList();
            assertThat(old.size() + fresh.size()).isEqualTo(got.size());
            assertThat(old).extracting(j -> j.get("offset").asLong()).containsExactlyElementsOf(before.keySet());
            assertThat(old).extracting(j -> j.get("data").asText()).containsExactlyElementsOf(before.values());
            assertThat(fresh).extracting(j -> j.get("offset").asLong()).containsExactlyElementsOf(range(1, top));
            assertThat(got).extracting(j -> j.get("data").asText()).noneMatch(d -> d.startsWith("outage"));
            for (JsonNode j : fresh) {
                if (round.containsKey(j.get("offset").asLong())) {
                    assertThat(j.get("data").asText()).isEqualTo(round.get(j.get("offset").asLong()));
                }
            }
            assertThat(s.poll(Duration.ofMillis(100))).isNull();
        }

        // Coming back on another node: a position from before the outage is not recovered; one from after it is.
        long top = round.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        ProtocolClient stale = client(nodes.get(1));
        ObjectNode r = stale.request("subscribe");
        r.put("topic", TOPIC);
        r.putObject("recover").put("epoch", oldEpoch).put("offset", 1 + 3 * PER_PUBLISHER);
        JsonNode ack = stale.ack(r);
        assertThat(ack.get("recovered").asBoolean()).isFalse();
        assertThat(ack.get("epoch").asText()).isEqualTo(newEpoch);
        assertThat(ack.get("offset").asLong()).isEqualTo(top);
        ProtocolClient fresh = client(nodes.get(2));
        r = fresh.request("subscribe");
        r.put("topic", TOPIC);
        r.putObject("recover").put("epoch", newEpoch).put("offset", top - 3);
        ack = fresh.ack(r);
        assertThat(ack.get("recovered").asBoolean()).isTrue();
        assertThat(ack.get("missed").asInt()).isEqualTo(3);
        assertThat(List.of(fresh.next("pub"), fresh.next("pub"), fresh.next("pub")))
                .extracting(j -> j.get("offset").asLong()).containsExactly(top - 2, top - 1, top);
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    /** Publishes {@link #PER_PUBLISHER} publications, each acked; returns offset to data. */
    private static Map<Long, String> publishN(ProtocolClient c, String phase, int p) throws Exception {
        Map<Long, String> out = new TreeMap<>();
        for (int i = 0; i < PER_PUBLISHER; i++) {
            String data = phase + "-" + p + "-" + i;
            out.put(c.ack(publish(c, data)).get("offset").asLong(), data);
        }
        return out;
    }

    /** The union of the publishers' acks; an offset acked twice fails. */
    private static Map<Long, String> acked(List<Map<Long, String>> perPublisher) {
        Map<Long, String> all = new TreeMap<>();
        for (Map<Long, String> m : perPublisher) {
            for (Map.Entry<Long, String> e : m.entrySet()) {
                assertThat(all.put(e.getKey(), e.getValue())).as("offset %d acked twice", e.getKey()).isNull();
            }
        }
        return all;
    }
}
