package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.server.ot.OtSite;
import io.duplex.server.ot.RandomOps;
import io.duplex.server.ot.TextOperation;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Collaborative editing through the real server (docs/collab.md): three clients on real WebSockets edit document
 * {@code demo} concurrently, each running the client state machine, and end with the authority's text.
 */
class OtEndToEndTest {
    private static final long SEED = 20261130L;
    private static final int ROUNDS = 60;

    private ServeCommand.Running server;
    private final List<ProtocolClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--port", "0", "--loops", "2", "--editor-docs", "demo,notes");
        server = serve.start();
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(ProtocolClient::close);
        if (server != null) {
            server.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void threeClientsEditingConcurrentlyConverge() throws Exception {
        Random random = new Random(SEED);
        URI uri = URI.create("ws://127.0.0.1:" + server.server().port() + "/ws");
        List<OtSite> sites = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ProtocolClient c = ProtocolClient.connect(uri);
            clients.add(c);
            c.subscribe("editor.demo");
            sites.add(join(c));
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < 3; i++) {
                if (random.nextInt(10) < 6) {
                    OtSite s = sites.get(i);
                    send(clients.get(i), s.edit(RandomOps.edit(random, s.text(), RandomOps.BMP)));
                }
            }
            for (int i = 0; i < 3; i++) {
                pump(clients.get(i), sites.get(i), Duration.ofMillis(random.nextInt(3)));
            }
        }
        // Let every sent operation be confirmed, then ask for the authority's text and catch up to it.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (sites.stream().anyMatch(s -> s.state() != OtSite.State.SYNCHRONIZED)) {
            assertThat(System.nanoTime()).as("all operations confirmed in time").isLessThan(deadline);
            for (int i = 0; i < 3; i++) {
                pump(clients.get(i), sites.get(i), Duration.ofMillis(10));
            }
        }
        ProtocolClient first = clients.get(0);
        snapshotRequest(first);
        JsonNode snapshot = awaitSnapshot(first, sites.get(0));
        long rev = snapshot.path("rev").asLong();
        String text = snapshot.path("text").asText();
        assertThat(rev).as("operations applied").isGreaterThan(ROUNDS);
        while (sites.stream().anyMatch(s -> s.rev() < rev)) {
            assertThat(System.nanoTime()).as("all revisions delivered in time").isLessThan(deadline);
            for (int i = 0; i < 3; i++) {
                pump(clients.get(i), sites.get(i), Duration.ofMillis(10));
            }
        }
        assertThat(sites.stream().mapToInt(OtSite::transformed).sum()).as("concurrent operations").isPositive();
        for (OtSite s : sites) {
            assertThat(s.rev()).as(s.client).isEqualTo(rev);
            assertThat(s.text()).as(s.client).isEqualTo(text);
        }
    }

    /** Asks for a snapshot; messages before it are dropped, as docs/collab.md says a joining client does. */
    private static OtSite join(ProtocolClient c) throws Exception {
        snapshotRequest(c);
        while (true) {
            JsonNode m = c.next("pub");
            JsonNode data = m.path("data");
            if (data.path("client").asText().equals(c.clientId()) && data.has("text")) {
                return new OtSite(c.clientId(), data.path("text").asText(), data.path("rev").asLong());
            }
        }
    }

    private static void snapshotRequest(ProtocolClient c) throws Exception {
        ObjectNode data = ProtocolClient.JSON.createObjectNode().put("client", c.clientId()).put("snapshot", true);
        c.publish("editor.demo.in", data.toString());
    }

    private static JsonNode awaitSnapshot(ProtocolClient c, OtSite site) throws Exception {
        while (true) {
            JsonNode data = c.next("pub").path("data");
            if (data.path("client").asText().equals(c.clientId()) && data.has("text")) {
                return data;
            }
            handle(c, site, data);
        }
    }

    private static void send(ProtocolClient c, OtSite.Send s) {
        if (s == null) {
            return;
        }
        ObjectNode publish = ProtocolClient.JSON.createObjectNode().put("type", "publish")
                .put("topic", "editor.demo.in");
        ObjectNode data = publish.putObject("data").put("client", s.client()).put("seq", s.seq()).put("rev", s.rev());
        data.set("op", s.op().toJsonNode());
        c.send(publish);
    }

    /** Handles whatever arrives within {@code wait}, then whatever else is already there. */
    private static void pump(ProtocolClient c, OtSite site, Duration wait) throws Exception {
        for (Object o = c.poll(wait); o != null; o = c.poll(Duration.ZERO)) {
            JsonNode m = (JsonNode) o;
            assertThat(m.path("type").asText()).as("message to %s: %s", site.client, m).isIn("pub", "ack");
            if ("pub".equals(m.path("type").asText())) {
                handle(c, site, m.path("data"));
            }
        }
    }

    private static void handle(ProtocolClient c, OtSite site, JsonNode data) {
        assertThat(data.has("error")).as("authority answer %s", data).isFalse();
        if (data.has("op")) {
            send(c, site.receive(data.path("client").asText(), data.path("seq").asLong(), data.path("rev").asLong(),
                    TextOperation.fromJson(data.get("op"))));
        }
    }
}
