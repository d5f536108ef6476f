package io.duplex.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.protocol.BinaryFrames;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every message type of docs/protocol.md over real sockets, with its exact answer. */
class HubProtocolTest {
    static HubServer server;

    @BeforeAll
    static void start() throws Exception {
        server = HubServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void welcomeNamesTheClientAndTheLimits() throws Exception {
        try (ProtocolClient c = server.client()) {
            JsonNode w = c.welcome();
            assertThat(w.path("client").asText()).hasSize(16);
            assertThat(w.has("user")).isFalse();
            assertThat(w.path("protocol").asInt()).isEqualTo(1);
            assertThat(w.path("limits").path("max_publication_bytes").asInt()).isEqualTo(64 * 1024);
            assertThat(c.socket().subprotocol()).isNull();
        }
    }

    @Test
    void publishReachesSubscribersWithItsPositionAndTheAckSaysWhere() throws Exception {
        try (ProtocolClient sub = server.client(); ProtocolClient pub = server.client()) {
            JsonNode ack = sub.subscribe("t.publish");
            assertThat(ack.path("offset").asLong()).isZero();
            String epoch = ack.path("epoch").asText();
            assertThat(epoch).isNotEmpty();
            JsonNode pa = pub.publish("t.publish", "{\"text\":\"hi\",\"n\":[1,2]}");
            assertThat(pa.path("epoch").asText()).isEqualTo(epoch);
            assertThat(pa.path("offset").asLong()).isEqualTo(1);
            assertThat(pa.has("duplicate")).isFalse();
            JsonNode p = sub.next("pub");
            assertThat(p.toString()).isEqualTo("{\"type\":\"pub\",\"topic\":\"t.publish\",\"epoch\":\"" + epoch
                    + "\",\"offset\":1,\"data\":{\"text\":\"hi\",\"n\":[1,2]}}");
        }
    }

    @Test
    void everyJsonValueIsValidData() throws Exception {
        try (ProtocolClient c = server.client()) {
            c.subscribe("t.values");
            for (String v : List.of("null", "true", "0", "-1.5e3", "\"\"", "\"\\u00e9\\n\"", "[]", "{}")) {
                c.publish("t.values", v);
                assertThat(c.next("pub").get("data")).isEqualTo(ProtocolClient.JSON.readTree(v));
            }
        }
    }

    @Test
    void excludeSelfSkipsOnlyTheLiveDeliveryToThePublisher() throws Exception {
        try (ProtocolClient a = server.client(); ProtocolClient b = server.client()) {
            a.subscribe("t.exclude");
            b.subscribe("t.exclude");
            ObjectNode r = a.request("publish");
            r.put("topic", "t.exclude").put("exclude_self", true).put("data", 1);
            a.ack(r);
            a.publish("t.exclude", "2");
            assertThat(b.next("pub").path("offset").asLong()).isEqualTo(1);
            assertThat(b.next("pub").path("offset").asLong()).isEqualTo(2);
            // The publisher gets only the second one.
            assertThat(a.next("pub").path("offset").asLong()).isEqualTo(2);
        }
    }

    @Test
    void aRetriedKeyIsStoredAndDeliveredOnceAndTheAckRepeated() throws Exception {
        try (ProtocolClient sub = server.client(); ProtocolClient pub = server.client()) {
            sub.subscribe("t.key");
            ObjectNode r = pub.request("publish");
            r.put("topic", "t.key").put("key", "k-1").put("data", "first");
            JsonNode first = pub.ack(r);
            ObjectNode again = pub.request("publish");
            again.put("topic", "t.key").put("key", "k-1").put("data", "retry");
            JsonNode second = pub.ack(again);
            assertThat(second.path("offset").asLong()).isEqualTo(first.path("offset").asLong());
            assertThat(second.path("epoch").asText()).isEqualTo(first.path("epoch").asText());
            assertThat(second.path("duplicate").asBoolean()).isTrue();
            pub.publish("t.key", "\"after\"");
            assertThat(sub.next("pub").path("data").asText()).isEqualTo("first");
            assertThat(sub.next("pub").path("data").asText()).isEqualTo("after");
        }
        // Another session (same anonymous key space) retrying after a reconnect gets the same answer.
        try (ProtocolClient pub = server.client()) {
            ObjectNode r = pub.request("publish");
            r.put("topic", "t.key").put("key", "k-1").put("data", "third try");
            assertThat(pub.ack(r).path("duplicate").asBoolean()).isTrue();
        }
    }

    @Test
    void unsubscribeStopsDeliveriesAndTwiceIsNotSubscribed() throws Exception {
        try (ProtocolClient c = server.client()) {
            c.subscribe("t.unsub");
            ObjectNode u = c.request("unsubscribe");
            u.put("topic", "t.unsub");
            assertThat(c.call(u).toString()).isEqualTo("{\"type\":\"ack\",\"id\":" + u.get("id") + "}");
            c.publish("t.unsub", "1");
            ObjectNode again = c.request("unsubscribe");
            again.put("topic", "t.unsub");
            JsonNode e = c.call(again);
            assertThat(e.path("code").asText()).isEqualTo("not_subscribed");
            assertThat(c.drain()).isEmpty();
        }
    }

    @Test
    void subscribingTwiceIsAlreadySubscribed() throws Exception {
        try (ProtocolClient c = server.client()) {
            c.subscribe("t.twice");
            ObjectNode r = c.request("subscribe");
            r.put("topic", "t.twice");
            JsonNode e = c.call(r);
            assertThat(e.path("type").asText()).isEqualTo("error");
            assertThat(e.path("code").asText()).isEqualTo("already_subscribed");
            assertThat(e.path("message").asText()).isEqualTo("already subscribed to t.twice");
        }
    }

    @Test
    void presenceListsMembersWithInfoAndJoinLeaveEventsFollowChurn() throws Exception {
        try (ProtocolClient watcher = server.client()) {
            ObjectNode s = watcher.request("subscribe");
            s.put("topic", "t.presence").put("join_leave", true).putObject("info").put("name", "w");
            watcher.ack(s);
            JsonNode selfJoin = watcher.next("join");
            assertThat(selfJoin.path("member").path("client").asText()).isEqualTo(watcher.clientId());
            assertThat(selfJoin.path("member").path("info").path("name").asText()).isEqualTo("w");
            String other;
            try (ProtocolClient guest = server.client()) {
                other = guest.clientId();
                guest.subscribe("t.presence");
                assertThat(watcher.next("join").path("member").path("client").asText()).isEqualTo(other);
                ObjectNode p = watcher.request("presence");
                p.put("topic", "t.presence");
                JsonNode list = watcher.ack(p);
                assertThat(list.path("count").asInt()).isEqualTo(2);
                List<String> clients = new ArrayList<>();
                list.path("members").forEach(m -> clients.add(m.path("client").asText()));
                assertThat(clients).containsExactlyInAnyOrder(watcher.clientId(), other);
            }
            JsonNode leave = watcher.next("leave");
            assertThat(leave.path("topic").asText()).isEqualTo("t.presence");
            assertThat(leave.path("member").path("client").asText()).isEqualTo(other);
        }
    }

    @Test
    void anAbruptDisconnectLeavesPresenceToo() throws Exception {
        try (ProtocolClient watcher = server.client()) {
            ObjectNode s = watcher.request("subscribe");
            s.put("topic", "t.reset").put("join_leave", true);
            watcher.ack(s);
            watcher.next("join");
            ProtocolClient guest = server.client();
            guest.subscribe("t.reset");
            watcher.next("join");
            guest.socket().terminate();
            assertThat(watcher.next("leave").path("member").path("client").asText()).isEqualTo(guest.clientId());
            ObjectNode p = watcher.request("presence");
            p.put("topic", "t.reset");
            assertThat(watcher.ack(p).path("count").asInt()).isEqualTo(1);
        }
    }

    @Test
    void batchesAreCutAtTheirMaximumSize() throws Exception {
        try (HubServer small = HubServer.start(HubConfig.defaults().withBatching(true, 1000, Duration.ZERO)
                .withRates(0, 0, 0, 0, 20));
             ProtocolClient c = small.client()) {
            c.subscribe("t.batch");
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= 50; i++) {
                sb.append("{\"type\":\"publish\",\"topic\":\"t.batch\",\"data\":\"").append("y".repeat(90))
                        .append("\"}\n");
            }
            int before = c.frameSizes().size();
            c.send(sb.toString());
            for (int i = 1; i <= 50; i++) {
                assertThat(c.next("pub").path("offset").asLong()).isEqualTo(i);
            }
            List<Integer> frames = c.frameSizes().subList(before, c.frameSizes().size());
            assertThat(frames.size()).isBetween(2, 49);
            // A frame grows past the limit by at most one message (about 150 bytes here).
            assertThat(frames).allMatch(n -> n < 1000 + 200);
        }
    }

    @Test
    void withoutBatchingEveryMessageHasItsOwnFrame() throws Exception {
        try (HubServer plain = HubServer.start(HubConfig.defaults().withBatching(false, 1000, Duration.ZERO));
             ProtocolClient c = plain.client()) {
            int before = c.frameSizes().size();
            c.send("{\"type\":\"ping\",\"id\":1}\n{\"type\":\"ping\",\"id\":2}\n{\"type\":\"ping\",\"id\":3}");
            for (int i = 1; i <= 3; i++) {
                assertThat(c.next().path("id").asInt()).isEqualTo(i);
            }
            assertThat(c.frameSizes().size() - before).isEqualTo(3);
        }
    }

    @Test
    void historyWithAndWithoutSinceAndOfAnUnknownTopic() throws Exception {
        try (ProtocolClient c = server.client()) {
            for (int i = 1; i <= 5; i++) {
                c.publish("t.history", Integer.toString(i));
            }
            ObjectNode last2 = c.request("history");
            last2.put("topic", "t.history").put("limit", 2);
            JsonNode h = c.ack(last2);
            assertThat(h.path("offset").asLong()).isEqualTo(5);
            assertThat(h.path("complete").asBoolean()).isTrue();
            assertThat(h.path("publications")).extracting(p -> p.path("data").asInt()).containsExactly(4, 5);
            ObjectNode since = c.request("history");
            since.put("topic", "t.history").putObject("since").put("epoch", h.path("epoch").asText()).put("offset", 2);
            assertThat(c.ack(since).path("publications")).extracting(p -> p.path("offset").asLong())
                    .containsExactly(3L, 4L, 5L);
            ObjectNode unknown = c.request("history");
            unknown.put("topic", "t.never-used");
            JsonNode e = c.call(unknown);
            assertThat(e.path("code").asText()).isEqualTo("not_found");
        }
    }

    @Test
    void binaryPublishArrivesAsABinaryFrameInTheDocumentedLayout() throws Exception {
        try (ProtocolClient sub = server.client(); ProtocolClient pub = server.client()) {
            String epoch = sub.subscribe("game").path("epoch").asText();
            pub.sendBinary(BinaryFrames.publish(12, "game", null, false, new byte[] {1, 2, 3}));
            JsonNode ack = pub.next("ack");
            assertThat(ack.path("id").asLong()).isEqualTo(12);
            byte[] f = sub.nextBinary();
            ByteBuffer b = ByteBuffer.wrap(f);
            assertThat(b.get()).isEqualTo((byte) 0x01);
            assertThat(b.get()).isZero();
            assertThat(string(b)).isEqualTo("game");
            assertThat(string(b)).isEqualTo(epoch);
            assertThat(b.getLong()).isEqualTo(ack.path("offset").asLong());
            assertThat(string(b)).isEmpty();
            assertThat(b.remaining()).isEqualTo(3);
            assertThat(new byte[] {b.get(), b.get(), b.get()}).containsExactly(1, 2, 3);
        }
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[b.get() & 0xff];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    @Test
    void severalRequestsInOneFrameAreAllAnsweredAndBadLinesDoNotStopTheRest() throws Exception {
        try (ProtocolClient c = server.client()) {
            c.send("{\"type\":\"ping\",\"id\":1}\n\n{not json\n{\"type\":\"nope\",\"id\":2}\n{\"type\":\"ping\",\"id\":3}\n");
            assertThat(c.next().toString()).isEqualTo("{\"type\":\"ack\",\"id\":1}");
            JsonNode bad = c.next();
            assertThat(bad.path("code").asText()).isEqualTo("bad_request");
            assertThat(bad.has("id")).isFalse();
            assertThat(c.next().toString()).isEqualTo(
                    "{\"type\":\"error\",\"id\":2,\"code\":\"bad_request\",\"message\":\"unknown type 'nope'\"}");
            assertThat(c.next().toString()).isEqualTo("{\"type\":\"ack\",\"id\":3}");
            c.send("\n\n");
            assertThat(c.next().path("message").asText()).isEqualTo("empty message");
        }
    }

    @Test
    void answersToOneFrameOfRequestsComeBackBatchedInOneFrame() throws Exception {
        try (ProtocolClient c = server.client()) {
            int before = c.frameSizes().size();
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= 20; i++) {
                sb.append("{\"type\":\"ping\",\"id\":").append(i).append("}\n");
            }
            c.send(sb.toString());
            for (int i = 1; i <= 20; i++) {
                assertThat(c.next().path("id").asInt()).isEqualTo(i);
            }
            assertThat(c.frameSizes().size() - before).isEqualTo(1);
        }
    }

    @Test
    void tooLargeDataIsRefusedAndTheSessionGoesOn() throws Exception {
        try (ProtocolClient c = server.client()) {
            ObjectNode r = c.request("publish");
            r.put("topic", "t.large").put("data", "x".repeat(64 * 1024));
            JsonNode e = c.call(r);
            assertThat(e.path("code").asText()).isEqualTo("too_large");
            assertThat(c.publish("t.large", "\"small\"").path("offset").asLong()).isEqualTo(1);
        }
    }

    @Test
    void presenceInfoOverItsLimitIsTooLargeAndNothingIsSubscribed() throws Exception {
        try (ProtocolClient c = server.client()) {
            ObjectNode r = c.request("subscribe");
            r.put("topic", "t.info").putObject("info").put("bio", "b".repeat(1024));
            JsonNode e = c.call(r);
            assertThat(e.path("code").asText()).isEqualTo("too_large");
            assertThat(e.path("message").asText()).isEqualTo("info is larger than 1024 bytes");
            // Nothing half-done: the same subscribe with small info succeeds.
            ObjectNode ok = c.request("subscribe");
            ok.put("topic", "t.info").putObject("info").put("bio", "short");
            assertThat(c.ack(ok).path("offset").asLong()).isZero();
        }
    }

    @Test
    void limitOnSubscriptionsPerSession() throws Exception {
        try (HubServer small = HubServer.start(HubConfig.defaults().withLimits(100, 2, 1024));
             ProtocolClient c = small.client()) {
            c.subscribe("a");
            c.subscribe("b");
            ObjectNode r = c.request("subscribe");
            r.put("topic", "c");
            assertThat(c.call(r).path("code").asText()).isEqualTo("limit_exceeded");
        }
    }

    @Test
    void inProcessListenersSeeEveryPublicationInOrderUntilClosed() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<Publication> seen = new java.util.concurrent.LinkedBlockingQueue<>();
        AutoCloseable handle = server.hub().listen("t.listen", seen::add);
        try (ProtocolClient c = server.client()) {
            c.publish("t.listen", "1");
            server.hub().publish("t.listen", "2", null).get();
            assertThat(seen.poll(5, java.util.concurrent.TimeUnit.SECONDS).json()).isEqualTo("1");
            Publication second = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(second.offset()).isEqualTo(2);
            assertThat(second.user()).isNull();
            handle.close();
            c.publish("t.listen", "3");
            assertThat(seen.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void pingIsAcked() throws Exception {
        try (ProtocolClient c = server.client()) {
            ObjectNode p = c.request("ping");
            assertThat(c.call(p).toString()).isEqualTo("{\"type\":\"ack\",\"id\":" + p.get("id") + "}");
            c.send("{\"type\":\"ping\"}");
            assertThat(c.poll(Duration.ofMillis(200))).isNull();
        }
    }
}
