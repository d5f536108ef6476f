package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.net.ClientOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code duplex serve} gives the demo pages: named tokens when it has no JWT key, and the market feed. */
class DemoSupportTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static ServeCommand.Running start(String... extra) throws Exception {
        ServeCommand serve = new ServeCommand();
        String[] args = new String[extra.length + 4];
        System.arraycopy(new String[] {"--port", "0", "--loops", "1"}, 0, args, 0, 4);
        System.arraycopy(extra, 0, args, 4, extra.length);
        new CommandLine(serve).parseArgs(args);
        return serve.start();
    }

    private static HttpResponse<String> token(ServeCommand.Running r, String query) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.server().port() + "/demo/token?"
                + query)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void demoTokensNameTheUserAndScopeNotificationsToThem() throws Exception {
        ServeCommand.Running r = start();
        try {
            HttpResponse<String> res = token(r, "name=alice");
            assertThat(res.statusCode()).isEqualTo(200);
            String token = ProtocolClient.JSON.readTree(res.body()).path("token").asText();
            URI ws = URI.create("ws://127.0.0.1:" + r.server().port() + "/ws");
            try (ProtocolClient alice = ProtocolClient.connect(ws,
                    ClientOptions.DEFAULTS.withHeader("Authorization", "Bearer " + token));
                 ProtocolClient anonymous = ProtocolClient.connect(ws)) {
                assertThat(alice.welcome().path("user").asText()).isEqualTo("alice");
                assertThat(alice.subscribe("notify.alice").path("type").asText()).isEqualTo("ack");
                ObjectNode other = alice.request("subscribe");
                other.put("topic", "notify.bob");
                assertThat(alice.call(other).path("code").asText()).isEqualTo("forbidden");
                ObjectNode p = anonymous.request("subscribe");
                p.put("topic", "chat.lobby").put("join_leave", true);
                anonymous.ack(p);
                anonymous.next("join");
                alice.subscribe("chat.lobby");
                JsonNode join = anonymous.next("join");
                assertThat(join.path("member").path("user").asText()).isEqualTo("alice");
                assertThat(join.path("member").path("user_info").path("name").asText()).isEqualTo("alice");
            }
            assertThat(token(r, "name=bad%20name").statusCode()).isEqualTo(400);
            assertThat(token(r, "name=x&ttl=99999").statusCode()).isEqualTo(400);
            HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + r.server().port() + "/demo/token?name=alice")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.headers().firstValue("Allow")).hasValue("POST");
            assertThat(ProtocolClient.JSON.readTree(get.body()).path("code").asText()).isEqualTo("bad_request");
        } finally {
            r.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void noDemoTokensWhenTheServerHasItsOwnKey() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "0123456789abcdef0123456789abcdef");
        ServeCommand.Running r = start("--jwt-secret-file", secret.toString());
        try {
            assertThat(token(r, "name=alice").statusCode()).isNotEqualTo(200);
        } finally {
            r.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void theMarketFeedTicksWhileWatched() throws Exception {
        ServeCommand.Running r = start();
        try (ProtocolClient c = ProtocolClient.connect(URI.create("ws://127.0.0.1:" + r.server().port() + "/ws"))) {
            String symbol = r.feed().symbols().get(7);
            c.subscribe("market." + symbol);
            JsonNode first = c.next("pub");
            JsonNode second = c.next("pub");
            assertThat(first.path("data").path("s").asText()).isEqualTo(symbol);
            assertThat(second.path("data").path("n").asLong()).isGreaterThan(first.path("data").path("n").asLong());
            assertThat(second.path("offset").asLong()).isEqualTo(first.path("offset").asLong() + 1);
        } finally {
            r.stop(Duration.ofSeconds(5));
        }
    }
}
