package io.duplex.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.HubConfig;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two hubs in one JVM, each behind its own WebSocket server and its own {@link RedisBroker}, sharing one Redis:
 * clients on both behave as if on one server. The Redis restart runs on a redis-server of the test's own.
 */
class TwoHubsTest {
    private static final HubConfig CONFIG = HubConfig.defaults().withHistory(1000, Duration.ofMinutes(1));

    private final List<AutoCloseable> open = new ArrayList<>();
    private String uri;
    private String prefix;

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (uri != null && uri.equals(TestRedis.SHARED)) {
            TestRedis.deleteKeys(uri, prefix);
        }
    }

    private HubServer hub(String redisUri) throws Exception {
        RedisBroker broker = new RedisBroker(CONFIG, RedisBroker.Options.defaults(redisUri).withKeyPrefix(prefix)
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

    private void sharedRedis() {
        uri = TestRedis.shared();
        prefix = TestRedis.prefix();
    }

    private static ObjectNode subscribe(ProtocolClient c, String topic) {
        ObjectNode r = c.request("subscribe");
        r.put("topic", topic);
        return r;
    }

    private static ObjectNode publish(ProtocolClient c, String topic, String data) throws Exception {
        ObjectNode r = c.request("publish");
        r.put("topic", topic);
        r.set("data", ProtocolClient.JSON.readTree(data));
        return r;
    }

    /** The next {@code n} publications {@code c} receives (of any topic), as their data. */
    private static List<JsonNode> pubs(ProtocolClient c, int n) throws InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(c.next("pub"));
        }
        return out;
    }

    @Test
    void aPublicationOnEitherHubReachesSubscribersOnBothExactlyOnceInOrder() throws Exception {
        sharedRedis();
        HubServer a = hub(uri);
        HubServer b = hub(uri);
        List<ProtocolClient> subscribers = List.of(client(a), client(a), client(b), client(b));
        for (ProtocolClient s : subscribers) {
            s.subscribe("room");
        }
        ProtocolClient pa = client(a);
        ProtocolClient pb = client(b);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (ProtocolClient p : List.of(pa, pb)) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        p.ack(publish(p, "room", "{\"from\":\"" + p.clientId() + "\",\"i\":" + i + "}"));
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
        List<Long> expected = LongStream.rangeClosed(1, 200).boxed().toList();
        for (ProtocolClient s : subscribers) {
            List<JsonNode> got = pubs(s, 200);
            assertThat(got).extracting(j -> j.get("offset").asLong()).isEqualTo(expected);
            assertThat(got).extracting(j -> j.get("epoch").asText()).containsOnly(got.get(0).get("epoch").asText());
            // Each publisher's own messages in the order it sent them.
            for (ProtocolClient p : List.of(pa, pb)) {
                assertThat(got.stream().filter(j -> j.at("/data/from").asText().equals(p.clientId()))
                        .map(j -> j.at("/data/i").asInt()).toList())
                        .isEqualTo(java.util.stream.IntStream.range(0, 100).boxed().toList());
            }
            assertThat(s.poll(Duration.ofMillis(100))).isNull();
        }
    }

    /**
     * With Redis the subscribe's answer waits for the broker, so an unsubscribe in the same frame overtakes it: both
     * requests still get exactly one ack (the unsubscribe's first), and nothing is delivered for the topic after.
     */
    @Test
    void aSubscribeOvertakenByItsUnsubscribeIsStillAnswered() throws Exception {
        sharedRedis();
        HubServer a = hub(uri);
        ProtocolClient c = client(a);
        ProtocolClient p = client(a);
        for (int round = 0; round < 20; round++) {
            ObjectNode sub = subscribe(c, "race");
            sub.putObject("recover").put("epoch", "x").put("offset", 0);
            ObjectNode unsub = c.request("unsubscribe");
            unsub.put("topic", "race");
            c.send(sub + "\n" + unsub);
            JsonNode first = c.next("ack");
            JsonNode second = c.next("ack");
            assertThat(List.of(first.get("id").asLong(), second.get("id").asLong()))
                    .containsExactlyInAnyOrder(sub.get("id").asLong(), unsub.get("id").asLong());
            JsonNode subAck = first.get("id").asLong() == sub.get("id").asLong() ? first : second;
            assertThat(subAck.has("epoch")).isTrue();
            assertThat(subAck.get("recovered").asBoolean()).isFalse();
        }
        p.ack(publish(p, "race", "1"));
        assertThat(c.poll(Duration.ofMillis(200))).isNull();
    }

    /**
     * A refresh that withdraws the permission of a subscribe still waiting for Redis answers that subscribe, as
     * forbidden; when Redis answers it later, nothing more is sent for it: one answer per request.
     */
    @Test
    void aRefreshThatWithdrawsAPendingSubscribeAnswersItExactlyOnce() throws Exception {
        sharedRedis();
        RedisBroker broker = new RedisBroker(CONFIG, RedisBroker.Options.defaults(uri).withKeyPrefix(prefix));
        open.add(broker);
        HubServer hub = HubServer.start(CONFIG, io.duplex.hub.ws.HubEndpoint.Options.defaults().withAnonymous(null),
                io.duplex.hub.security.TokenVerifier.hmac(io.duplex.hub.security.TestTokens.SECRET), 1, broker);
        open.add(hub);
        java.util.Date exp = java.util.Date.from(java.time.Instant.now().plusSeconds(3600));
        String all = io.duplex.hub.security.TestTokens.hs256(
                io.duplex.hub.security.TestTokens.claims("alice").expirationTime(exp).build());
        String narrow = io.duplex.hub.security.TestTokens.hs256(io.duplex.hub.security.TestTokens.claims("alice")
                .expirationTime(exp).claim("duplex", java.util.Map.of("subscribe", List.of("other.*"))).build());
        ProtocolClient c = ProtocolClient.connect(hub.uri(),
                io.duplex.net.ClientOptions.DEFAULTS.withHeader("Authorization", "Bearer " + all));
        open.add(c);
        ObjectNode sub = subscribe(c, "room");
        ObjectNode refresh = c.request("refresh");
        refresh.put("token", narrow);
        ObjectNode later = subscribe(c, "other.x");
        c.send(sub + "\n" + refresh + "\n" + later);
        // The later subscribe's ack comes after Redis answered the first subscribe too (one connection, in order).
        List<JsonNode> answers = new ArrayList<>();
        while (answers.stream().noneMatch(a -> a.path("id").asLong() == later.get("id").asLong())) {
            answers.add(c.next());
        }
        assertThat(answers).filteredOn(a -> a.path("id").asLong() == sub.get("id").asLong())
                .singleElement().satisfies(a -> assertThat(a.path("code").asText()).isEqualTo("forbidden"));
        assertThat(answers).filteredOn(a -> a.path("id").asLong() == refresh.get("id").asLong())
                .singleElement().satisfies(a -> assertThat(a.path("type").asText()).isEqualTo("ack"));
        assertThat(c.poll(Duration.ofMillis(200))).isNull();
    }

    @Test
    void presenceIsGlobalAndJoinAndLeaveCrossNodes() throws Exception {
        sharedRedis();
        HubServer a = hub(uri);
        HubServer b = hub(uri);
        ProtocolClient watcher = client(a);
        ObjectNode w = subscribe(watcher, "lobby");
        w.put("join_leave", true);
        watcher.ack(w);
        assertThat(watcher.next("join").at("/member/client").asText()).isEqualTo(watcher.clientId());
        ProtocolClient alice = client(b);
        ObjectNode s = subscribe(alice, "lobby");
        s.set("info", ProtocolClient.JSON.readTree("{\"name\":\"Alice\"}"));
        alice.ack(s);
        JsonNode join = watcher.next("join");
        assertThat(join.at("/member/client").asText()).isEqualTo(alice.clientId());
        assertThat(join.at("/member/info/name").asText()).isEqualTo("Alice");
        for (ProtocolClient asker : List.of(watcher, alice)) {
            ObjectNode p = asker.request("presence");
            p.put("topic", "lobby");
            JsonNode answer = asker.ack(p);
            assertThat(answer.get("count").asInt()).isEqualTo(2);
            List<String> clients = new ArrayList<>();
            answer.get("members").forEach(m -> clients.add(m.get("client").asText()));
            assertThat(clients).containsExactlyInAnyOrder(watcher.clientId(), alice.clientId());
        }
        alice.close();
        assertThat(watcher.next("leave").at("/member/client").asText()).isEqualTo(alice.clientId());
    }

    @Test
    void aClientThatLeavesHubAAndRecoversOnHubBGetsExactlyWhatItMissed() throws Exception {
        sharedRedis();
        HubServer a = hub(uri);
        HubServer b = hub(uri);
        ProtocolClient publisher = client(b);
        for (int i = 1; i <= 3; i++) {
            publisher.ack(publish(publisher, "feed", Integer.toString(i)));
        }
        ProtocolClient onA = client(a);
        JsonNode ack = onA.subscribe("feed");
        assertThat(ack.get("offset").asLong()).isEqualTo(3);
        publisher.ack(publish(publisher, "feed", "4"));
        JsonNode last = onA.next("pub");
        assertThat(last.get("offset").asLong()).isEqualTo(4);
        onA.close();
        for (int i = 5; i <= 9; i++) {
            publisher.ack(publish(publisher, "feed", Integer.toString(i)));
        }
        ProtocolClient onB = client(b);
        ObjectNode r = subscribe(onB, "feed");
        r.putObject("recover").put("epoch", last.get("epoch").asText()).put("offset", 4);
        JsonNode recovered = onB.ack(r);
        assertThat(recovered.get("recovered").asBoolean()).isTrue();
        assertThat(recovered.get("missed").asInt()).isEqualTo(5);
        assertThat(recovered.get("offset").asLong()).isEqualTo(9);
        assertThat(pubs(onB, 5)).extracting(j -> j.get("data").asInt()).containsExactly(5, 6, 7, 8, 9);
        publisher.ack(publish(publisher, "feed", "10"));
        assertThat(onB.next("pub").get("offset").asLong()).isEqualTo(10);
        assertThat(onB.poll(Duration.ofMillis(100))).isNull();
    }

    @Test
    void aRedisRestartFailsPublishesFastKeepsConnectionsAndDeliveriesResumeInANewEpoch() throws Exception {
        TestRedis.OwnRedis redis = new TestRedis.OwnRedis();
        open.add(redis);
        uri = redis.uri();
        prefix = "dx:";
        HubServer a = hub(uri);
        HubServer b = hub(uri);
        ProtocolClient onA = client(a);
        ProtocolClient onB = client(b);
        onA.subscribe("t");
        onB.subscribe("t");
        JsonNode first = onA.ack(publish(onA, "t", "1"));
        assertThat(pubs(onB, 1).get(0).get("offset").asLong()).isEqualTo(1);
        assertThat(pubs(onA, 1).get(0).get("offset").asLong()).isEqualTo(1);

        redis.stop();
        long t0 = System.nanoTime();
        JsonNode failed = onB.call(publish(onB, "t", "2"));
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(failed.get("type").asText()).isEqualTo("error");
        assertThat(failed.get("code").asText()).isEqualTo("unavailable");
        assertThat(tookMillis).isLessThan(2500);
        // The sessions stay up while Redis is away.
        onA.ack(onA.request("ping"));
        onB.ack(onB.request("ping"));

        redis.start();
        JsonNode again = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (again == null) {
            JsonNode r = onB.call(publish(onB, "t", "3"));
            if ("ack".equals(r.get("type").asText())) {
                again = r;
            } else {
                assertThat(r.get("code").asText()).isEqualTo("unavailable");
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
        // Redis came back empty: a new epoch, numbered from 1.
        assertThat(again.get("epoch").asText()).isNotEqualTo(first.get("epoch").asText());
        assertThat(again.get("offset").asLong()).isEqualTo(1);
        for (ProtocolClient c : List.of(onA, onB)) {
            JsonNode p = c.next("pub");
            assertThat(p.get("epoch").asText()).isEqualTo(again.get("epoch").asText());
            assertThat(p.get("data").asInt()).isEqualTo(3);
        }
        JsonNode next = onA.ack(publish(onA, "t", "4"));
        assertThat(next.get("offset").asLong()).isEqualTo(2);
        for (ProtocolClient c : List.of(onA, onB)) {
            assertThat(c.next("pub").get("data").asInt()).isEqualTo(4);
        }
        // A client that held a position from before the restart is told it was not recovered.
        ProtocolClient late = client(a);
        ObjectNode r = subscribe(late, "t");
        r.putObject("recover").put("epoch", first.get("epoch").asText()).put("offset", 1);
        JsonNode ack = late.ack(r);
        assertThat(ack.get("recovered").asBoolean()).isFalse();
        assertThat(ack.get("epoch").asText()).isEqualTo(again.get("epoch").asText());
        assertThat(ack.get("offset").asLong()).isEqualTo(2);
    }
}
