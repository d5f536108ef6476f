package io.duplex.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.security.IpLimiter;
import io.duplex.hub.security.TestTokens;
import io.duplex.hub.security.TokenVerifier;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.hub.testing.UpgradeProbe;
import io.duplex.hub.ws.HubEndpoint;
import io.duplex.net.ClientOptions;
import io.duplex.net.CloseStatus;
import io.duplex.protocol.handshake.HandshakeException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission and rate limits over real sockets (docs/protocol.md, "Connecting", "Limits", "Errors", "Close
 * codes"): the Origin allow-list, per-IP connection rate and count, per-session message and byte rates, and
 * the meters that count each refusal.
 */
class HubLimitsTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private HubServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private HubServer hub(HubConfig config, HubEndpoint.Options options) throws Exception {
        server = HubServer.start(config, options, null, 1);
        return server;
    }

    /** Waits, bounded, for state the server changes on its own thread after the client has seen the event. */
    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + ProtocolClient.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + ProtocolClient.WAIT + ": " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    // ---------------------------------------------------------------- Origin

    @Test
    void onlyAllowListedOriginsAreAdmitted() throws Exception {
        hub(HubConfig.defaults(), HubEndpoint.Options.defaults().withAllowedOrigins(Set.of("https://app.example")));
        try (ProtocolClient c = ProtocolClient.connect(server.uri(),
                ClientOptions.DEFAULTS.withOrigin("https://app.example"))) {
            assertThat(c.ack(c.request("ping")).path("type").asText()).isEqualTo("ack");
        }
        UpgradeProbe.Response other = UpgradeProbe.upgrade(server.uri(), "Origin: https://evil.example");
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.body()).isEqualTo("origin https://evil.example is not allowed");
        UpgradeProbe.Response missing = UpgradeProbe.upgrade(server.uri());
        assertThat(missing.status()).isEqualTo(403);
        Throwable t = ProtocolClient.connectFailure(server.uri(), ClientOptions.DEFAULTS.withOrigin("null"));
        assertThat(((HandshakeException) t).status()).isEqualTo(403);

        assertThat(server.count("duplex.handshake.failures", "reason", "origin")).isEqualTo(3.0);
        assertThat(server.hub().sessionCount()).isZero();
    }

    /** A hub that refuses anonymous clients and has no token verifier admits nobody, and says so: 401. */
    @Test
    void noAnonymousAccessAndNoVerifierRefusesEveryUpgradeWith401() throws Exception {
        hub(HubConfig.defaults(), HubEndpoint.Options.defaults().withAnonymous(null));
        UpgradeProbe.Response r = UpgradeProbe.upgrade(server.uri());
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).isEqualTo("anonymous clients are refused and this server accepts no tokens");
        UpgradeProbe.Response withToken = UpgradeProbe.upgrade(server.uri(), "Authorization: Bearer abc.def.ghi");
        assertThat(withToken.status()).isEqualTo(401);
        assertThat(server.hub().sessionCount()).isZero();
    }

    // ---------------------------------------------------------------- per IP

    @Test
    void connectionBurstPerIpIsRefusedWith429AndRetryAfter() throws Exception {
        // 2 at once, then one every 10 s: the third attempt in a row cannot be admitted by refill.
        hub(HubConfig.defaults(), HubEndpoint.Options.defaults().withIpLimiter(new IpLimiter(0.1, 2, 0)));
        server.client().close();
        server.client().close();
        UpgradeProbe.Response r = UpgradeProbe.upgrade(server.uri());
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.header("Retry-After")).isNotNull();
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 10L);
        assertThat(r.body()).contains("too many connection attempts");

        assertThat(server.count("duplex.rate.limited", "limit", "ip_attempts")).isEqualTo(1.0);
        assertThat(server.count("duplex.handshake.failures", "reason", "rate_limited")).isEqualTo(1.0);
    }

    @Test
    void openConnectionsPerIpAreCappedAndASlotFreesOnCloseOrTerminate() throws Exception {
        IpLimiter limiter = new IpLimiter(0, 0, 2);
        hub(HubConfig.defaults(), HubEndpoint.Options.defaults().withIpLimiter(limiter));
        ProtocolClient a = server.client();
        ProtocolClient b = server.client();
        try {
            UpgradeProbe.Response refused = UpgradeProbe.upgrade(server.uri());
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.body()).contains("too many open connections");
            assertThat(server.count("duplex.rate.limited", "limit", "ip_concurrent")).isEqualTo(1.0);

            a.close();
            await(() -> limiter.concurrent(LOOPBACK) == 1, "the closed session's slot is released");
            try (ProtocolClient c = server.client()) {
                assertThat(c.ack(c.request("ping")).path("type").asText()).isEqualTo("ack");
                assertThat(UpgradeProbe.upgrade(server.uri()).status()).isEqualTo(429);

                b.socket().terminate();
                await(() -> limiter.concurrent(LOOPBACK) == 1, "the terminated session's slot is released");
                try (ProtocolClient d = server.client()) {
                    assertThat(d.ack(d.request("ping")).path("type").asText()).isEqualTo("ack");
                }
            }
            await(() -> limiter.concurrent(LOOPBACK) == 0, "every slot is released");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void refusedTokensDoNotHoldConnectionSlots() throws Exception {
        IpLimiter limiter = new IpLimiter(0, 0, 1);
        server = HubServer.start(HubConfig.defaults(), HubEndpoint.Options.defaults().withAnonymous(null)
                .withIpLimiter(limiter), TokenVerifier.hmac(TestTokens.SECRET), 1);
        for (int i = 0; i < 3; i++) {
            assertThat(UpgradeProbe.upgrade(server.uri(), "Authorization: Bearer not.a.jwt").status()).isEqualTo(401);
        }
        assertThat(limiter.concurrent(LOOPBACK)).isZero();
        String token = TestTokens.hs256(TestTokens.claims("alice").build());
        try (ProtocolClient c = ProtocolClient.connect(server.uri(),
                ClientOptions.DEFAULTS.withHeader("Authorization", "Bearer " + token))) {
            assertThat(c.welcome().path("user").asText()).isEqualTo("alice");
        }
        assertThat(server.count("duplex.auth.rejections", "reason", "malformed")).isEqualTo(3.0);
    }

    // ---------------------------------------------------------------- per session

    @Test
    void tooManyMessagesAreRefusedWithARetryHintThenTheSessionIsClosed() throws Exception {
        // Burst 3, then one every 10 s; the 4th refusal in a row closes.
        hub(HubConfig.defaults().withRates(0.1, 3, 0, 0, 3), HubEndpoint.Options.defaults());
        try (ProtocolClient c = server.client(); ProtocolClient other = server.client()) {
            for (int i = 0; i < 3; i++) {
                c.ack(c.request("ping"));
            }
            ObjectNode fourth = c.request("ping");
            JsonNode refused = c.call(fourth);
            assertThat(refused.path("type").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("rate_limited");
            assertThat(refused.path("id").asLong()).isEqualTo(fourth.path("id").asLong());
            assertThat(refused.path("retry_after_ms").asLong()).isBetween(1L, 10_001L);
            assertThat(refused.path("message").asText()).contains("retry after");

            // Other sessions have their own budget.
            assertThat(other.ack(other.request("ping")).path("type").asText()).isEqualTo("ack");

            // A client that ignores the hints: two more refusals are answered, the next one closes.
            for (int i = 0; i < 10; i++) {
                c.send(c.request("ping"));
            }
            CloseStatus status = c.awaitClose();
            assertThat(status.code()).isEqualTo(1008);
            assertThat(status.reason()).isEqualTo("rate limit exceeded");
            List<JsonNode> answers = new ArrayList<>();
            for (Object o : c.drain()) {
                answers.add((JsonNode) o);
            }
            assertThat(answers).hasSize(2).allMatch(a -> a.path("code").asText().equals("rate_limited"));

            assertThat(other.ack(other.request("ping")).path("type").asText()).isEqualTo("ack");
        }
        // Refusals after the decision to close are not counted: the session no longer reads what comes.
        assertThat(server.count("duplex.rate.limited", "limit", "messages")).isEqualTo(4.0);
        assertThat(server.awaitCount("duplex.sessions.closed", "code", "1008", 1.0)).isEqualTo(1.0);
    }

    @Test
    void tooManyBytesAreRefusedWithARetryHint() throws Exception {
        // 200 bytes at once, then 10 per second; no message may be larger than the burst.
        hub(HubConfig.defaults().withRates(0, 0, 10, 200, 20), messagesUpTo(200));
        String data = "\"" + "x".repeat(100) + "\"";
        try (ProtocolClient c = server.client()) {
            c.publish("t", data);
            ObjectNode second = c.request("publish");
            second.put("topic", "t");
            second.set("data", ProtocolClient.JSON.readTree(data));
            JsonNode refused = c.call(second);
            assertThat(refused.path("code").asText()).isEqualTo("rate_limited");
            assertThat(refused.path("id").asLong()).isEqualTo(second.path("id").asLong());
            assertThat(refused.path("message").asText()).contains("bytes");
            // What is missing (about 90 bytes) at 10 bytes a second.
            assertThat(refused.path("retry_after_ms").asLong()).isBetween(5_000L, 20_000L);
            // Small requests still fit what is left.
            assertThat(c.ack(c.request("ping")).path("type").asText()).isEqualTo("ack");
        }
        assertThat(server.count("duplex.rate.limited", "limit", "bytes")).isEqualTo(1.0);
    }

    /**
     * A frame of several requests refused for bytes: each request gets its own rate_limited error with its own id
     * (one answer per request) and counts as a refusal; an "id" inside data is not taken for the request's.
     */
    @Test
    void aBatchRefusedForBytesAnswersEveryRequestWithItsOwnId() throws Exception {
        hub(HubConfig.defaults().withRates(0, 0, 10, 400, 20), messagesUpTo(400));
        try (ProtocolClient c = server.client()) {
            // About 320 of the 400 bytes: the batch below (about 230) does not fit what is left.
            c.publish("t", "\"" + "z".repeat(280) + "\"");
            String batch = "{\"type\":\"publish\",\"topic\":\"t\",\"data\":{\"id\":99,\"x\":\"" + "y".repeat(150)
                    + "\"},\"id\":41}\n{\"type\":\"ping\",\"id\":42}\n{\"type\":\"ping\"}";
            c.send(batch);
            List<JsonNode> answers = List.of(c.next("error"), c.next("error"), c.next("error"));
            assertThat(answers).allMatch(a -> a.path("code").asText().equals("rate_limited")
                    && a.path("retry_after_ms").asLong() > 0);
            assertThat(answers).extracting(a -> a.path("id").asLong(0)).containsExactly(41L, 42L, 0L);
        }
        assertThat(server.count("duplex.rate.limited", "limit", "bytes")).isEqualTo(3.0);
    }

    @Test
    void textIsCountedInUtf8BytesNotCharacters() throws Exception {
        // 300 bytes at once, of which a first publish takes about 140: 80 two-byte characters plus the request
        // around them are about 130 characters but over 200 bytes, which is what the client sent on the wire.
        hub(HubConfig.defaults().withRates(0, 0, 10, 300, 20), messagesUpTo(300));
        try (ProtocolClient c = server.client()) {
            c.publish("t", "\"" + "a".repeat(100) + "\"");
            double before = server.registry().find("duplex.bytes.in").functionCounter().count();
            ObjectNode publish = c.request("publish");
            publish.put("topic", "t");
            publish.put("data", "\u00e9".repeat(80));
            assertThat(publish.toString().length()).isLessThan(300 - 140 - 10);
            JsonNode answer = c.call(publish);
            assertThat(answer.path("code").asText()).isEqualTo("rate_limited");
            assertThat(server.registry().find("duplex.bytes.in").functionCounter().count()).isEqualTo(before);
        }
    }

    private static HubEndpoint.Options messagesUpTo(int bytes) {
        return HubEndpoint.Options.defaults()
                .withWebSocket(io.duplex.net.WebSocketOptions.SERVER_DEFAULTS.withMaxMessageSize(bytes));
    }

    @Test
    void aByteBurstBelowTheMessageLimitIsRefusedAtStart() {
        try (Hub h = Hub.builder().config(HubConfig.defaults().withRates(0, 0, 10, 200, 20)).build()) {
            assertThatThrownBy(() -> HubEndpoint.create(h, HubEndpoint.Options.defaults()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the byte burst (200) must be at least the message limit (262144)");
            assertThat(HubEndpoint.create(h, messagesUpTo(200))).isNotNull();
            // The HTTP transports hold to their own message limit, which may differ from the WebSocket one.
            io.duplex.hub.http.HttpTransports.Settings own = io.duplex.hub.http.HttpTransports.Settings
                    .from(messagesUpTo(200));
            io.duplex.hub.http.HttpTransports.Settings larger = new io.duplex.hub.http.HttpTransports.Settings(
                    own.pollTimeout(), own.sessionTimeout(), own.keepalive(), own.maxBuffered(), own.highWatermark(), 201);
            assertThatThrownBy(() -> new io.duplex.hub.http.HttpTransports(h, messagesUpTo(200), larger))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the byte burst (200) must be at least the message limit (201)");
            assertThat(new io.duplex.hub.http.HttpTransports(h, messagesUpTo(200), own)).isNotNull();
        }
    }
}
