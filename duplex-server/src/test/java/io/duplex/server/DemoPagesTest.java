package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The demo pages (duplex-client-js/demo/) in headless Chromium against the server {@code duplex serve} starts,
 * driven as a user would by duplex-client-js/test-support/browser/demos.mjs, which reports what the user sees; the
 * assertions are here. Screenshots go to target/demo-screenshots, or to {@code -Ddemo.screenshots=DIR}
 * (docs/demos for the README). Needs Node, playwright-core in interop/node_modules and /usr/bin/chromium:
 * fails without them when CI=true, skips loudly otherwise.
 */
class DemoPagesTest {
    private static final Duration DRIVER_TIMEOUT = Duration.ofSeconds(100);
    private static final String API_KEY = "demo-pages-test-key";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ServeCommand.Running server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void startServer() throws Exception {
        ForeignClients.requireBrowser();
        Path keyFile = Files.writeString(dir.resolve("api-key"), API_KEY + "\n");
        ServeCommand serve = new ServeCommand();
        // As `duplex serve` parses its flags; the IP limits are far above what a few browsers need.
        new CommandLine(serve).parseArgs("--port", "0", "--loops", "2", "--api-key-file", keyFile.toString(),
                "--ip-connect-rate", "10000", "--ip-connect-burst", "10000", "--ip-max-connections", "10000");
        server = serve.start();
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.stop(Duration.ofSeconds(5));
        }
    }

    private String base() {
        return "http://127.0.0.1:" + server.server().port();
    }

    @Test
    void chatUsersSeeEachOtherTalkAndANewcomerReadsHistory() throws Exception {
        List<JsonNode> seen = drive("chat");

        List<JsonNode> presence = all(seen, "presence");
        assertThat(strings(presence.get(0), "people")).as("alice's list").containsExactly("alice", "bob");
        assertThat(strings(presence.get(1), "people")).as("bob's list").containsExactly("alice", "bob");
        List<JsonNode> messages = all(seen, "message");
        assertThat(strings(messages.get(0), "log")).as("bob's log").containsExactly("hello from alice");
        assertThat(strings(messages.get(1), "log")).as("alice's log")
                .containsExactly("hello from alice", "hi alice, bob here");
        JsonNode carol = one(seen, "history");
        assertThat(strings(carol, "log")).as("the newcomer's log")
                .containsExactly("hello from alice", "hi alice, bob here");
        assertThat(strings(carol, "fromHistory")).as("shown from history").hasSize(2);
        assertThat(strings(carol, "people")).containsExactly("alice", "bob", "carol");
        assertThat(strings(presence.get(2), "people")).as("alice's list after carol came")
                .containsExactly("alice", "bob", "carol");
        assertThat(strings(one(seen, "left"), "people")).as("alice's list after carol left")
                .containsExactly("alice", "bob");
    }

    @Test
    void notificationsArriveLiveAndWhatCameWhileAwayIsRecovered() throws Exception {
        List<JsonNode> seen = drive("notifications");

        assertThat(one(seen, "curl").path("text").asText()).isEqualTo("curl -X POST " + base() + "/api/publish"
                + " -H 'X-API-Key: <key printed by duplex serve>' -H 'Content-Type: application/json'"
                + " -d '{\"topic\":\"notify.dora\",\"data\":{\"title\":\"Build #42 failed\",\"priority\":\"high\"}}'");
        JsonNode live = one(seen, "live");
        assertThat(live.path("items").findValuesAsText("title")).containsExactly("Weekly digest", "Deploy finished");
        assertThat(live.path("items").findValuesAsText("className")).containsExactly("priority-low", "priority-high");

        JsonNode back = one(seen, "recovered");
        assertThat(back.path("items").findValuesAsText("title")).as("the inbox after coming back")
                .containsExactly("Disk almost full", "Invoice paid", "Weekly digest", "Deploy finished");
        assertThat(back.path("items").findValuesAsText("missed")).as("marked as new while away")
                .containsExactly("true", "true", "false", "false");
        assertThat(back.path("items").get(0).path("className").asText()).isEqualTo("priority-high");
        assertThat(back.path("status").asText()).isEqualTo("2 new while you were away");
        assertThat(back.path("recovery").asText()).as("replayed by the server's recovery, not read from history")
                .isEqualTo("server");
    }

    @Test
    void marketTableAndChartKeepUpWithFiveHundredTicksASecond() throws Exception {
        List<JsonNode> seen = drive("market");

        JsonNode ticker = one(seen, "ticker");
        assertThat(ticker.path("waited").asBoolean()).as("every row painted within 3 s: %s", ticker).isTrue();
        assertThat(ticker.path("readyMs").asLong()).isLessThan(3000);
        assertThat(ticker.path("rows").asInt()).isEqualTo(50);
        assertThat(ticker.path("rowsChanged").asInt()).as("rows whose price changed within 1 s").isGreaterThanOrEqualTo(45);
        assertThat(ticker.path("chartChanged").asBoolean()).as("the chart canvas changed within 1 s").isTrue();
        JsonNode frames = one(seen, "frames");
        assertThat(frames.path("selected").asText()).as("the chart follows the clicked row").isEqualTo("AGXG");
        JsonNode stats = frames.path("stats");
        assertThat(stats.path("frames").asInt()).as("frames painted: %s", stats).isGreaterThan(100);
        assertThat(stats.path("medianFrameMs").asDouble()).as("median frame time: %s", stats).isLessThan(20.0);
        assertThat(stats.path("updates").asInt()).as("ticks received: %s", stats).isGreaterThan(1000);
    }

    // ------------------------------------------------------------------ the driver

    /** Runs the driver on one demo, answering its publish requests, and returns its observations. */
    private List<JsonNode> drive(String demo) throws Exception {
        Path repo = ForeignClients.interopDir().getParent();
        Path shots = Path.of(System.getProperty("demo.screenshots", "target/demo-screenshots")).toAbsolutePath();
        Process p = new ProcessBuilder("node", repo.resolve("duplex-client-js/test-support/browser/demos.mjs").toString(),
                "--base", base(), "--demo", demo, "--shots", shots.toString(), "--timeout", "10000")
                .directory(repo.toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("{\"observe\":\"driver-output\",\"error\":\"" + e + "\"}");
            }
            lines.add("{\"eof\":true}");
        }, "demos-driver-stdout");
        reader.setDaemon(true);
        reader.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));

        List<JsonNode> seen = new ArrayList<>();
        StringBuilder transcript = new StringBuilder();
        JsonNode done = null;
        long end = System.nanoTime() + DRIVER_TIMEOUT.toNanos();
        try (Writer toDriver = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            while (done == null) {
                String line = lines.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError("the " + demo + " driver did not finish within " + DRIVER_TIMEOUT
                            + "\n" + transcript);
                }
                transcript.append(line).append('\n');
                JsonNode n = JSON.readTree(line);
                if (n.has("eof")) {
                    break;
                } else if (n.has("push")) {
                    int status = publish(n.get("push"));
                    toDriver.write("{\"pushed\":" + n.get("seq").asInt() + ",\"status\":" + status + "}\n");
                    toDriver.flush();
                } else if (n.has("done")) {
                    done = n;
                } else {
                    seen.add(n);
                }
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the " + demo + " driver did not exit");
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String all = "--- stdout\n" + transcript + "--- stderr\n" + err.get(5, TimeUnit.SECONDS);
        assertThat(seen).as("errors in the pages or the driver%n%s", all)
                .noneMatch(n -> n.path("observe").asText().endsWith("error"));
        assertThat(done).as("final line of the driver%n%s", all).isNotNull();
        assertThat(done.path("ok").asBoolean()).as("driver ok%n%s", all).isTrue();
        assertThat(seen).as("every wait for what the user should see succeeded%n%s", all)
                .allMatch(n -> !n.has("waited") || n.get("waited").asBoolean());
        System.out.println("DemoPagesTest " + demo + ":\n" + transcript);
        return seen;
    }

    /** What a backend does: POST /api/publish with the API key. Returns the HTTP status. */
    private int publish(JsonNode push) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.set("topic", push.get("topic"));
        body.set("data", push.get("data"));
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/publish"))
                .timeout(Duration.ofSeconds(5)).header("X-API-Key", API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as("POST /api/publish: %s", res.body()).isEqualTo(200);
        return res.statusCode();
    }

    private static List<JsonNode> all(List<JsonNode> seen, String name) {
        return seen.stream().filter(n -> n.path("observe").asText().equals(name)).toList();
    }

    private static JsonNode one(List<JsonNode> seen, String name) {
        List<JsonNode> found = all(seen, name);
        assertThat(found).as("observation %s in %s", name, seen).hasSize(1);
        return found.get(0);
    }

    private static List<String> strings(JsonNode n, String field) {
        return StreamSupport.stream(n.path(field).spliterator(), false).map(JsonNode::asText).toList();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
