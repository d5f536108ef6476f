package io.duplex.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.duplex.hub.http.HttpApi;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.net.WebSocketServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API (docs/protocol.md, "HTTP API") through {@link HttpClient} against a real server: the API key,
 * request validation and its status codes, and publications reaching WebSocket subscribers.
 */
class HttpApiTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HubServer server;

    @BeforeEach
    void start() throws Exception {
        server = HubServer.start(HubConfig.defaults().withLimits(100_000, 256, 1024));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private static HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(ProtocolClient.WAIT);
    }

    private HttpRequest.Builder withKey(String pathAndQuery) {
        return request(server.http(pathAndQuery)).header("Authorization", "Bearer " + HubServer.API_KEY);
    }

    private static HttpRequest.BodyPublisher json(String body) {
        return HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static JsonNode body(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return ProtocolClient.JSON.readTree(r.body());
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = body(r);
        assertThat(e.path("code").asText()).isEqualTo(code);
        assertThat(e.path("message").asText()).isNotBlank();
    }

    private HttpResponse<String> publish(String body) throws Exception {
        return send(withKey("/api/publish").header("Content-Type", "application/json").POST(json(body)));
    }

    // ---------------------------------------------------------------- the key

    @Test
    void publishWithEitherKeyHeaderReachesSubscribers() throws Exception {
        try (ProtocolClient sub = server.client()) {
            sub.subscribe("alerts.bob");

            HttpResponse<String> r = publish("{\"topic\":\"alerts.bob\",\"data\":{\"level\":\"high\"}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode position = body(r);
            JsonNode pub = sub.next("pub");
            assertThat(pub.path("data")).isEqualTo(ProtocolClient.JSON.readTree("{\"level\":\"high\"}"));
            assertThat(pub.has("user")).as("publications from the API have no user").isFalse();
            assertThat(pub.path("epoch").asText()).isEqualTo(position.path("epoch").asText());
            assertThat(pub.path("offset").asLong()).isEqualTo(position.path("offset").asLong());

            HttpResponse<String> viaHeader = send(request(server.http("/api/publish"))
                    .header("X-API-Key", HubServer.API_KEY).header("Content-Type", "application/json")
                    .POST(json("{\"topic\":\"alerts.bob\",\"data\":2}")));
            assertThat(viaHeader.statusCode()).as(viaHeader.body()).isEqualTo(200);
            assertThat(sub.next("pub").path("data").asInt()).isEqualTo(2);
        }
    }

    @Test
    void publishWithAKeyIsStoredOnce() throws Exception {
        String body = "{\"topic\":\"jobs\",\"data\":\"done\",\"key\":\"job-17\"}";
        JsonNode first = body(publish(body));
        JsonNode retry = body(publish(body));
        assertThat(first.has("duplicate")).isFalse();
        assertThat(retry.path("duplicate").asBoolean()).isTrue();
        assertThat(retry.path("offset").asLong()).isEqualTo(first.path("offset").asLong());
    }

    @Test
    void wrongOrMissingKeyIs401() throws Exception {
        String body = "{\"topic\":\"t\",\"data\":1}";
        assertError(send(request(server.http("/api/publish")).POST(json(body))), 401, "unauthorized");
        assertError(send(request(server.http("/api/publish")).header("Authorization", "Bearer wrong")
                .POST(json(body))), 401, "unauthorized");
        assertError(send(request(server.http("/api/publish")).header("X-API-Key", HubServer.API_KEY + "x")
                .POST(json(body))), 401, "unauthorized");
        assertError(send(request(server.http("/api/presence?topic=t"))), 401, "unauthorized");
        assertError(send(request(server.http("/api/history?topic=t")).header("Authorization", "Basic "
                + HubServer.API_KEY)), 401, "unauthorized");
    }

    @Test
    void serverWithoutAKeyRefusesEveryCall() throws Exception {
        try (Hub hub = Hub.builder().build()) {
            WebSocketServer.Builder b = WebSocketServer.builder().host("127.0.0.1").port(0).loops(1);
            new HttpApi(hub, null).mount(b);
            WebSocketServer keyless = b.start();
            try {
                String base = "http://127.0.0.1:" + keyless.port();
                for (String key : new String[] {"anything", HubServer.API_KEY, ""}) {
                    HttpResponse<String> r = send(request(URI.create(base + "/api/publish"))
                            .header("X-API-Key", key).POST(json("{\"topic\":\"t\",\"data\":1}")));
                    assertError(r, 401, "unauthorized");
                }
                assertError(send(request(URI.create(base + "/api/presence?topic=t"))
                        .header("Authorization", "Bearer anything")), 401, "unauthorized");
            } finally {
                keyless.shutdown(Duration.ofSeconds(5)).get();
            }
        }
    }

    // ---------------------------------------------------------------- validation

    @Test
    void malformedPublishBodiesAre400() throws Exception {
        assertError(publish("{\"topic\":"), 400, "bad_request");
        assertError(publish("[1,2]"), 400, "bad_request");
        assertError(publish("{\"topic\":\"t\"}"), 400, "bad_request");
        assertError(publish("{\"topic\":\"bad topic\",\"data\":1}"), 400, "bad_request");
        HttpResponse<String> unknown = publish("{\"topic\":\"t\",\"data\":1,\"user\":\"root\"}");
        assertError(unknown, 400, "bad_request");
        assertThat(body(unknown).path("message").asText()).contains("user");
    }

    @Test
    void dataOverThePublicationLimitIs413() throws Exception {
        // The hub of this test allows 1024 bytes of data.
        HttpResponse<String> r = publish("{\"topic\":\"t\",\"data\":\"" + "x".repeat(1100) + "\"}");
        assertError(r, 413, "too_large");
        byte[] big = new byte[1025];
        assertError(send(withKey("/api/publish?topic=t").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big))), 413, "too_large");
    }

    @Test
    void bodyOverOneMebibyteIs413() throws Exception {
        byte[] big = new byte[(1 << 20) + 1];
        Arrays.fill(big, (byte) ' ');
        HttpResponse<String> r = send(withKey("/api/publish").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void otherMethodsAre405WithAllow() throws Exception {
        HttpResponse<String> get = send(withKey("/api/publish").GET());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> post = send(withKey("/api/presence?topic=t").POST(json("{}")));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        HttpResponse<String> delete = send(withKey("/api/history?topic=t").DELETE());
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("Allow")).hasValue("GET");
    }

    // ---------------------------------------------------------------- presence and history

    @Test
    void presenceListsTheSubscribers() throws Exception {
        try (ProtocolClient member = server.client()) {
            member.subscribe("chat.lobby");
            HttpResponse<String> r = send(withKey("/api/presence?topic=chat.lobby"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode p = body(r);
            assertThat(p.path("count").asInt()).isEqualTo(1);
            assertThat(p.path("members").get(0).path("client").asText()).isEqualTo(member.clientId());
            assertThat(p.has("type")).isFalse();
        }
        assertThat(body(send(withKey("/api/presence?topic=empty"))).path("count").asInt()).isZero();
        assertError(send(withKey("/api/presence")), 400, "bad_request");
    }

    @Test
    void historyGivesTheNewestOrThoseSinceAPosition() throws Exception {
        JsonNode first = null;
        for (int i = 1; i <= 3; i++) {
            JsonNode position = body(publish("{\"topic\":\"log\",\"data\":" + i + "}"));
            first = first == null ? position : first;
        }
        JsonNode newest = body(send(withKey("/api/history?topic=log&limit=2")));
        assertThat(newest.path("publications")).hasSize(2);
        assertThat(newest.path("publications").get(1).path("data").asInt()).isEqualTo(3);
        assertThat(newest.path("offset").asLong()).isEqualTo(first.path("offset").asLong() + 2);

        JsonNode since = body(send(withKey("/api/history?topic=log&epoch=" + first.path("epoch").asText()
                + "&offset=" + first.path("offset").asLong())));
        assertThat(since.path("complete").asBoolean()).isTrue();
        assertThat(since.path("publications")).extracting(p -> p.path("data").asInt()).containsExactly(2, 3);

        assertError(send(withKey("/api/history?topic=nothing.here")), 404, "not_found");
        assertError(send(withKey("/api/history?topic=log&epoch=x")), 400, "bad_request");
        assertError(send(withKey("/api/history?topic=log&limit=-1")), 400, "bad_request");
    }

    // ---------------------------------------------------------------- binary

    @Test
    void octetStreamPublishArrivesAsABinaryFrame() throws Exception {
        try (ProtocolClient sub = server.client()) {
            sub.subscribe("game");
            byte[] data = {0, 1, 2, (byte) 0xff};
            HttpResponse<String> r = send(withKey("/api/publish?topic=game&key=frame-9")
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(data)));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode position = body(r);

            // docs/protocol.md, "Binary frames": kind, flags, topic, epoch, offset, user, data.
            ByteBuffer f = ByteBuffer.wrap(sub.nextBinary());
            assertThat(f.get()).isEqualTo((byte) 0x01);
            assertThat(f.get()).isZero();
            assertThat(string(f)).isEqualTo("game");
            assertThat(string(f)).isEqualTo(position.path("epoch").asText());
            assertThat(f.getLong()).isEqualTo(position.path("offset").asLong());
            assertThat(string(f)).as("no user").isEmpty();
            byte[] rest = new byte[f.remaining()];
            f.get(rest);
            assertThat(rest).containsExactly(data);
        }
    }

    private static String string(ByteBuffer f) {
        byte[] b = new byte[f.get() & 0xff];
        f.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
