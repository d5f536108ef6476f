package io.duplex.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.duplex.hub.testing.ProtocolClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The JavaScript client run by {@code duplex-client-js/test-support/through-proxy.mjs}: one subscription, every
 * event reported as a JSON line. Needs Node and duplex-client-js's dev dependencies
 * ({@link ForeignClients#requireJsClient()}).
 */
final class ScriptedClient implements AutoCloseable {
    private final Process node;
    private final LinkedBlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();

    ScriptedClient(String wsUrl, String topic) throws IOException {
        node = new ProcessBuilder("node", "test-support/through-proxy.mjs", wsUrl, topic)
                .directory(ForeignClients.jsClientDir().toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    events.add(ProtocolClient.JSON.readTree(line));
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "scripted-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** The next event that matches, within 20 s; the ones before it are skipped. */
    JsonNode until(Predicate<JsonNode> match) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<JsonNode> seen = new ArrayList<>();
        while (true) {
            JsonNode e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no matching event within 20 s; saw " + seen);
            }
            if (match.test(e)) {
                return e;
            }
            seen.add(e);
        }
    }

    JsonNode untilState(String state) throws InterruptedException {
        return until(e -> e.path("state").asText().equals(state));
    }

    JsonNode untilEvent(String event) throws InterruptedException {
        return until(e -> e.path("event").asText().equals(event));
    }

    @Override
    public void close() throws Exception {
        try {
            node.getOutputStream().write("close\n".getBytes(StandardCharsets.UTF_8));
            node.getOutputStream().flush();
        } catch (IOException e) {
            // already gone
        }
        if (!node.waitFor(10, TimeUnit.SECONDS)) {
            node.destroyForcibly();
        }
    }
}
