package io.duplex.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Tag;

/**
 * Recovery as a property: clients that disconnect at random (cleanly or abruptly) and resubscribe with their last
 * position while publications keep coming end with exactly the published sequence of every topic, in order,
 * each once — except where the server said "not recovered", after which they continue from the position it gave.
 * History is kept short so that long absences do hit the "not recovered" path.
 */
class RecoveryPropertyTest {
    private static final int TOPICS = 3;
    private static final int PUBLICATIONS = 240;
    private static final int CLIENTS = 4;

    @Property(tries = 4, seed = "")
    @Tag("network")
    void clientsEndWithExactlyThePublishedSequenceOrAreToldNotRecovered(@ForAll long seed) throws Exception {
        HubConfig config = HubConfig.defaults().withHistory(25, Duration.ofMinutes(5)).withRates(0, 0, 0, 0, 20);
        try (HubServer server = HubServer.start(config)) {
            Map<String, Map<Long, String>> published = new ConcurrentHashMap<>();
            Map<String, Long> finalOffset = new ConcurrentHashMap<>();
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
            try {
                List<Future<Client>> clients = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    Random r = new Random(seed + i);
                    clients.add(pool.submit(() -> new Client(server, r).run(done, finalOffset, published)));
                }
                Future<?> publisher = pool.submit(() -> {
                    Random r = new Random(seed);
                    try (ProtocolClient p = server.client()) {
                        for (int n = 0; n < PUBLICATIONS; n++) {
                            String topic = "rec." + r.nextInt(TOPICS);
                            String data = "\"" + topic + "#" + n + "\"";
                            JsonNode ack = p.publish(topic, data);
                            published.computeIfAbsent(topic, t -> new ConcurrentHashMap<>())
                                    .put(ack.path("offset").asLong(), data);
                            finalOffset.put(topic, ack.path("offset").asLong());
                            if (r.nextInt(8) == 0) {
                                Thread.sleep(r.nextInt(15));
                            }
                        }
                    }
                    return null;
                });
                publisher.get(60, TimeUnit.SECONDS);
                done.set(true);
                int notRecovered = 0;
                for (Future<Client> f : clients) {
                    Client c = f.get(60, TimeUnit.SECONDS);
                    notRecovered += c.notRecovered;
                    assertThat(c.errors).as("client with seed %d", seed).isEmpty();
                    for (String[] r : c.received) {
                        assertThat(r[2]).as("data of %s at %s", r[0], r[1])
                                .isEqualTo(published.get(r[0]).get(Long.parseLong(r[1])));
                    }
                    for (int t = 0; t < TOPICS; t++) {
                        String topic = "rec." + t;
                        assertThat(c.last.get(topic)).as("final offset of %s", topic)
                                .isEqualTo(finalOffset.getOrDefault(topic, 0L));
                    }
                }
                System.out.println("seed " + seed + ": " + notRecovered + " not-recovered answers");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** One client's life: connect, resubscribe with positions, read for a while, drop the connection; repeat. */
    private static final class Client {
        final HubServer server;
        final Random random;
        final Map<String, String> epoch = new HashMap<>();
        final Map<String, Long> last = new HashMap<>();
        final List<String> errors = new ArrayList<>();
        final List<String[]> received = new ArrayList<>();
        int notRecovered;

        Client(HubServer server, Random random) {
            this.server = server;
            this.random = random;
        }

        Client run(AtomicBoolean done, Map<String, Long> finalOffset, Map<String, Map<Long, String>> published)
                throws Exception {
            while (true) {
                boolean finalRound = done.get();
                ProtocolClient c = server.client();
                try {
                    for (int t = 0; t < TOPICS; t++) {
                        subscribe(c, "rec." + t);
                    }
                    if (finalRound) {
                        // Read until every topic has reached its final offset.
                        while (!caughtUp(finalOffset)) {
                            Object o = c.poll(Duration.ofSeconds(10));
                            if (o == null) {
                                errors.add("stalled at " + last + " of " + finalOffset);
                                break;
                            }
                            take(o, published);
                        }
                        c.close();
                        return this;
                    }
                    int reads = random.nextInt(60);
                    for (int i = 0; i < reads && !done.get(); i++) {
                        Object o = c.poll(Duration.ofMillis(50));
                        if (o != null) {
                            take(o, published);
                        }
                    }
                } finally {
                    if (random.nextBoolean()) {
                        c.socket().terminate();
                    } else {
                        c.close();
                    }
                }
                if (random.nextInt(4) == 0) {
                    // Now and then a long absence, so that history runs out and "not recovered" is exercised.
                    Thread.sleep(random.nextInt(random.nextInt(5) == 0 ? 400 : 60));
                }
            }
        }

        private boolean caughtUp(Map<String, Long> finalOffset) {
            for (int t = 0; t < TOPICS; t++) {
                String topic = "rec." + t;
                if (last.getOrDefault(topic, 0L) < finalOffset.getOrDefault(topic, 0L)) {
                    return false;
                }
            }
            return true;
        }

        private void subscribe(ProtocolClient c, String topic) throws Exception {
            ObjectNode r = c.request("subscribe");
            r.put("topic", topic);
            if (epoch.containsKey(topic)) {
                r.putObject("recover").put("epoch", epoch.get(topic)).put("offset", last.get(topic));
            }
            JsonNode ack = c.ack(r);
            if (epoch.containsKey(topic)) {
                boolean recovered = ack.path("recovered").asBoolean();
                if (recovered) {
                    if (!ack.path("epoch").asText().equals(epoch.get(topic))) {
                        errors.add("recovered into another epoch: " + ack);
                    }
                    long missed = ack.path("missed").asLong();
                    if (missed != ack.path("offset").asLong() - last.get(topic)) {
                        errors.add("missed " + missed + " but the gap is " + (ack.path("offset").asLong() - last.get(topic)));
                    }
                    return;
                }
                notRecovered++;
            }
            epoch.put(topic, ack.path("epoch").asText());
            last.put(topic, ack.path("offset").asLong());
        }

        private void take(Object o, Map<String, Map<Long, String>> published) {
            if (!(o instanceof JsonNode m) || !"pub".equals(m.path("type").asText())) {
                errors.add("unexpected message " + o);
                return;
            }
            String topic = m.path("topic").asText();
            long offset = m.path("offset").asLong();
            if (!m.path("epoch").asText().equals(epoch.get(topic))) {
                errors.add("publication from another epoch: " + m);
            }
            if (offset != last.get(topic) + 1) {
                errors.add("expected offset " + (last.get(topic) + 1) + " of " + topic + ", got " + offset);
            }
            // Compared with what was published once the publisher is done: its ack may come after the delivery.
            received.add(new String[] {topic, Long.toString(offset), m.path("data").toString()});
            last.put(topic, offset);
        }
    }
}
