package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.testing.ProtocolClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Three {@code duplex serve --broker redis} nodes behind a real haproxy running the committed recipe
 * ({@code duplex-bench/haproxy/duplex.cfg}, with this test's ports): WebSocket sessions are spread round robin
 * over the nodes, a publication through the balancer reaches the subscribers on every node exactly once, and
 * when a node goes away its clients reconnect through the balancer to the others and recover what they missed.
 */
@Timeout(60)
class ThreeNodesHaproxyTest {
    @TempDir
    Path dir;

    private final List<ServeCommand.Running> nodes = new ArrayList<>();
    private final List<ServeCommand.Running> stopped = new ArrayList<>();
    private final List<ProtocolClient> clients = new ArrayList<>();
    private final String topic = "haproxy-test." + UUID.randomUUID();
    private Process haproxy;
    private int proxyPort;

    @AfterEach
    void stop() throws Exception {
        clients.forEach(ProtocolClient::close);
        if (haproxy != null) {
            haproxy.destroy();
            if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
        for (ServeCommand.Running n : nodes) {
            if (!stopped.contains(n)) {
                n.stop(Duration.ofSeconds(2));
            }
        }
        RedisClient client = RedisClient.create(ForeignClients.REDIS);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = c.sync().keys("duplex:{" + topic + "}:*");
            if (!keys.isEmpty()) {
                c.sync().unlink(keys.toArray(String[]::new));
            }
        } finally {
            client.shutdown();
        }
    }

    private void startNodesAndHaproxy() throws Exception {
        ForeignClients.requireRedis();
        ForeignClients.requireHaproxy();
        for (int i = 0; i < 3; i++) {
            ServeCommand serve = new ServeCommand();
            new CommandLine(serve).parseArgs("--port", "0", "--loops", "1", "--no-demo", "--editor-docs=",
                    "--broker", "redis", "--redis", ForeignClients.REDIS, "--presence-refresh", "PT0.5S");
            nodes.add(serve.start());
        }
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        String recipe = Files.readString(repoRoot().resolve("duplex-bench/haproxy/duplex.cfg"));
        // A few connections are enough here, and fit any descriptor limit.
        String config = recipe.replace("127.0.0.1:8080", "127.0.0.1:" + proxyPort)
                .replace("maxconn 4000", "maxconn 200");
        for (int i = 0; i < 3; i++) {
            config = config.replace("127.0.0.1:808" + (i + 1), "127.0.0.1:" + nodes.get(i).server().port());
        }
        assertThat(config).doesNotContain(":808");
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        haproxy = new ProcessBuilder(ForeignClients.HAPROXY, "-f", cfg.toString(), "-db")
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!accepts(proxyPort)) {
            if (System.nanoTime() > deadline || !haproxy.isAlive()) {
                throw new AssertionError("haproxy did not start: " + Files.readString(dir.resolve("haproxy.out")));
            }
            Thread.sleep(20);
        }
    }

    private ProtocolClient throughBalancer() throws Exception {
        ProtocolClient c = ProtocolClient.connect(URI.create("ws://127.0.0.1:" + proxyPort + "/ws"));
        clients.add(c);
        return c;
    }

    private List<Integer> sessionsPerNode() {
        return nodes.stream().map(n -> stopped.contains(n) ? 0 : n.hub().sessionCount()).toList();
    }

    @Test
    void sessionsSpreadOverTheNodesAndAPublicationThroughTheBalancerReachesEveryNodeOnce() throws Exception {
        startNodesAndHaproxy();
        List<ProtocolClient> subscribers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ProtocolClient c = throughBalancer();
            c.subscribe(topic);
            subscribers.add(c);
        }
        // Round robin: two WebSocket sessions on each node (the health checks are plain HTTP, not sessions).
        assertThat(sessionsPerNode()).containsExactly(2, 2, 2);

        ProtocolClient publisher = throughBalancer();
        for (int i = 1; i <= 20; i++) {
            publisher.publish(topic, Integer.toString(i));
        }
        for (ProtocolClient s : subscribers) {
            for (int i = 1; i <= 20; i++) {
                JsonNode p = s.next("pub");
                assertThat(p.get("offset").asLong()).isEqualTo(i);
                assertThat(p.get("data").asInt()).isEqualTo(i);
            }
            assertThat(s.poll(Duration.ofMillis(100))).as("nothing delivered twice").isNull();
        }

        // A node goes away: its clients are closed with 1001, reconnect through the balancer (which takes them to
        // the other nodes) and recover what was published meanwhile.
        ServeCommand.Running second = nodes.get(1);
        List<ProtocolClient> cut = new ArrayList<>();
        List<ProtocolClient> kept = new ArrayList<>();
        second.stop(Duration.ofSeconds(5));
        stopped.add(second);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (subscribers.stream().filter(ProtocolClient::isClosed).count() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        for (ProtocolClient s : subscribers) {
            (s.isClosed() ? cut : kept).add(s);
        }
        assertThat(cut).hasSize(2);
        for (ProtocolClient s : cut) {
            assertThat(s.awaitClose().code()).isEqualTo(1001);
        }
        String epoch = null;
        for (int i = 21; i <= 25; i++) {
            ProtocolClient p = publisher.isClosed() ? (publisher = throughBalancer()) : publisher;
            epoch = p.publish(topic, Integer.toString(i)).get("epoch").asText();
        }
        List<ProtocolClient> resumed = new ArrayList<>(kept);
        for (int k = 0; k < cut.size(); k++) {
            ProtocolClient again = throughBalancer();
            ObjectNode r = again.request("subscribe");
            r.put("topic", topic);
            r.putObject("recover").put("epoch", epoch).put("offset", 20);
            JsonNode ack = again.ack(r);
            assertThat(ack.get("recovered").asBoolean()).isTrue();
            assertThat(ack.get("missed").asInt()).isEqualTo(5);
            resumed.add(again);
        }
        assertThat(sessionsPerNode().get(1)).isZero();
        assertThat(sessionsPerNode().stream().mapToInt(Integer::intValue).sum()).isEqualTo(7);
        for (ProtocolClient s : resumed) {
            for (int i = 21; i <= 25; i++) {
                JsonNode p = s.next("pub");
                assertThat(p.get("offset").asLong()).isEqualTo(i);
                assertThat(p.get("data").asInt()).isEqualTo(i);
            }
            assertThat(s.poll(Duration.ofMillis(100))).as("nothing delivered twice").isNull();
        }
    }

    /**
     * The HTTP fallback through the balancer: a session lives on the node that opened it, and the recipe routes
     * its later requests there (learned from the X-Duplex-Session answer header), so no send, poll or close of a
     * long-polling or event-stream session lands on a node that does not know it.
     */
    @Test
    void httpFallbackSessionsKeepToTheirNodeThroughTheBalancer() throws Exception {
        startNodesAndHaproxy();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        // Long polling: three sessions, so that round robin puts them on different nodes.
        for (int s = 0; s < 3; s++) {
            java.net.http.HttpResponse<String> open = http.send(java.net.http.HttpRequest.newBuilder(
                    proxy("/http/open")).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(open.statusCode()).isEqualTo(200);
            String session = ProtocolClient.JSON.readTree(open.body().split("\n")[0]).path("session").asText();
            assertThat(open.headers().firstValue("X-Duplex-Session")).hasValue(session);
            long seq = Long.parseLong(open.headers().firstValue("X-Duplex-Seq").orElseThrow());
            for (int i = 1; i <= 6; i++) {
                java.net.http.HttpResponse<String> sent = http.send(java.net.http.HttpRequest.newBuilder(
                        proxy("/http/send?session=" + session)).POST(java.net.http.HttpRequest.BodyPublishers
                        .ofString("{\"type\":\"ping\",\"id\":" + i + "}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(sent.statusCode()).as("send %d of session %d: %s", i, s, sent.body()).isEqualTo(204);
                java.net.http.HttpResponse<String> polled = http.send(java.net.http.HttpRequest.newBuilder(
                        proxy("/http/poll?session=" + session + "&ack=" + seq)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(polled.statusCode()).as("poll %d of session %d: %s", i, s, polled.body()).isEqualTo(200);
                assertThat(polled.body()).isEqualTo("{\"type\":\"ack\",\"id\":" + i + "}");
                seq = Long.parseLong(polled.headers().firstValue("X-Duplex-Seq").orElseThrow());
            }
            assertThat(http.send(java.net.http.HttpRequest.newBuilder(proxy("/http/close?session=" + session))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(204);
        }
        // An event stream: its sends reach the node holding the stream, and the acks come down it.
        java.net.http.HttpResponse<java.util.stream.Stream<String>> sse = http.send(java.net.http.HttpRequest
                .newBuilder(proxy("/http/sse")).build(), java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertThat(sse.statusCode()).isEqualTo(200);
        java.util.Iterator<String> lines = sse.body().filter(l -> l.startsWith("data: ")).iterator();
        String session = ProtocolClient.JSON.readTree(lines.next().substring(6)).path("session").asText();
        assertThat(sse.headers().firstValue("X-Duplex-Session")).hasValue(session);
        for (int i = 1; i <= 6; i++) {
            java.net.http.HttpResponse<String> sent = http.send(java.net.http.HttpRequest.newBuilder(
                    proxy("/http/send?session=" + session)).POST(java.net.http.HttpRequest.BodyPublishers
                    .ofString("{\"type\":\"ping\",\"id\":" + i + "}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(sent.statusCode()).as("send %d of the event stream: %s", i, sent.body()).isEqualTo(204);
            assertThat(lines.next()).isEqualTo("data: {\"type\":\"ack\",\"id\":" + i + "}");
        }
        sse.body().close();
    }

    private URI proxy(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + proxyPort + pathAndQuery);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path repoRoot() {
        return ForeignClients.interopDir().getParent();
    }

    /**
     * The JavaScript client (the browser client's library, run in Node) through the balancer: when the node it
     * landed on stops, it reconnects through haproxy to another node and recovers what was published meanwhile.
     */
    @Test
    void theJavaScriptClientMovesToAnotherNodeThroughTheBalancerAndRecovers() throws Exception {
        startNodesAndHaproxy();
        ForeignClients.requireJsClient();
        try (ScriptedClient client = new ScriptedClient("ws://127.0.0.1:" + proxyPort + "/ws", topic)) {
            assertThat(client.untilState("connected").path("transport").asText()).isEqualTo("websocket");
            client.untilEvent("subscribed");
            int home = sessionsPerNode().indexOf(1);
            assertThat(home).as("the client's node").isNotNegative();
            ServeCommand.Running other = nodes.get((home + 1) % 3);
            ProtocolClient publisher = ProtocolClient.connect(
                    URI.create("ws://127.0.0.1:" + other.server().port() + "/ws"));
            clients.add(publisher);
            publisher.publish(topic, "1");
            assertThat(client.untilEvent("pub").path("offset").asLong()).isEqualTo(1);
            ServeCommand.Running gone = nodes.get(home);
            stopped.add(gone);
            gone.stop(Duration.ofSeconds(2));
            client.untilState("reconnecting");
            publisher.publish(topic, "2");
            publisher.publish(topic, "3");
            JsonNode resumed = client.untilEvent("subscribed");
            assertThat(resumed.path("recovered").asBoolean()).isTrue();
            assertThat(client.untilEvent("pub").path("offset").asLong()).isEqualTo(2);
            assertThat(client.untilEvent("pub").path("offset").asLong()).isEqualTo(3);
            assertThat(sessionsPerNode().get(home)).isZero();
        }
    }
}
