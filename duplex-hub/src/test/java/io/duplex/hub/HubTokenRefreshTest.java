package io.duplex.hub;

import static io.duplex.hub.security.TestTokens.claims;
import static io.duplex.hub.security.TestTokens.date;
import static io.duplex.hub.security.TestTokens.hs256;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.security.TestTokens;
import io.duplex.hub.security.TokenVerifier;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.hub.ws.HubEndpoint;
import io.duplex.net.ClientOptions;
import io.duplex.net.CloseStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token expiry and {@code refresh} over a real session (docs/protocol.md, "refresh", "Server to client", "Close
 * codes"): {@code token_expired} at {@code exp}, close 4001 after the grace period unless a valid refresh for
 * the same user came, and narrowed permissions ending subscriptions.
 */
class HubTokenRefreshTest {
    private static final Duration GRACE = Duration.ofMillis(300);
    private static final Instant IN_AN_HOUR = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    private HubServer server;

    @BeforeEach
    void start() throws Exception {
        server = HubServer.start(HubConfig.defaults().withTokenGrace(GRACE),
                HubEndpoint.Options.defaults().withAnonymous(null), TokenVerifier.hmac(TestTokens.SECRET), 1);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    /** The next whole second after the next one: JWT times are whole seconds, so expiry comes in 1 to 2 s. */
    private static Instant soon() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(2);
    }

    private static String token(String sub, Instant exp) {
        return hs256(claims(sub).expirationTime(date(exp)).build());
    }

    private ProtocolClient connect(String token) throws Exception {
        return ProtocolClient.connect(server.uri(), ClientOptions.DEFAULTS.withHeader("Authorization", "Bearer " + token));
    }

    private static JsonNode refresh(ProtocolClient c, String token) throws InterruptedException {
        ObjectNode r = c.request("refresh");
        r.put("token", token);
        return c.call(r);
    }

    @Test
    void expiredTokenIsAnnouncedThenTheSessionIsClosedWith4001AfterTheGrace() throws Exception {
        Instant exp = soon();
        try (ProtocolClient c = connect(token("alice", exp))) {
            assertThat(c.welcome().path("expires_at").asLong()).isEqualTo(exp.toEpochMilli());
            JsonNode expired = c.next("token_expired");
            long announcedAt = System.currentTimeMillis();
            assertThat(announcedAt).isGreaterThanOrEqualTo(exp.toEpochMilli());
            assertThat(expired.path("grace_ms").asLong()).isEqualTo(GRACE.toMillis());

            CloseStatus status = c.awaitClose();
            assertThat(status.code()).isEqualTo(4001);
            assertThat(status.reason()).isEqualTo("token expired");
            assertThat(System.currentTimeMillis() - announcedAt).isGreaterThanOrEqualTo(GRACE.toMillis() - 50);
        }
        assertThat(server.awaitCount("duplex.sessions.closed", "code", "4001", 1.0)).isEqualTo(1.0);
    }

    @Test
    void refreshWithinTheGraceKeepsTheSessionOpen() throws Exception {
        try (ProtocolClient c = connect(token("alice", soon()))) {
            c.next("token_expired");
            Instant later = IN_AN_HOUR;
            JsonNode ack = refresh(c, token("alice", later));
            assertThat(ack.path("type").asText()).isEqualTo("ack");
            assertThat(ack.path("expires_at").asLong()).isEqualTo(later.toEpochMilli());

            // Past the grace period (twice over) nothing comes: no close, no second token_expired.
            assertThat(c.poll(GRACE.multipliedBy(2))).isNull();
            assertThat(c.isClosed()).isFalse();
            assertThat(c.ack(c.request("ping")).path("type").asText()).isEqualTo("ack");
        }
    }

    @Test
    void refreshBeforeExpiryReplacesTheDeadline() throws Exception {
        try (ProtocolClient c = connect(token("alice", soon()))) {
            JsonNode ack = refresh(c, hs256(claims("alice").build()));
            assertThat(ack.path("type").asText()).isEqualTo("ack");
            assertThat(ack.has("expires_at")).as("a token without exp never expires").isFalse();
            // The old deadline (at most 2 s) plus the grace passes without token_expired or a close.
            Instant deadline = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(2).plus(GRACE);
            assertThat(c.poll(Duration.between(Instant.now(), deadline).plusMillis(100))).isNull();
            assertThat(c.ack(c.request("ping")).path("type").asText()).isEqualTo("ack");
        }
    }

    @Test
    void refreshForAnotherUserIsForbiddenAndChangesNothing() throws Exception {
        try (ProtocolClient c = connect(token("alice", IN_AN_HOUR))) {
            JsonNode e = refresh(c, token("mallory", IN_AN_HOUR));
            assertThat(e.path("type").asText()).isEqualTo("error");
            assertThat(e.path("code").asText()).isEqualTo("forbidden");
            assertThat(c.isClosed()).isFalse();
            assertThat(c.ack(c.request("ping")).path("type").asText()).isEqualTo("ack");
        }
    }

    @Test
    void refreshWithAnInvalidTokenIsUnauthorizedWithTheReason() throws Exception {
        try (ProtocolClient c = connect(token("alice", IN_AN_HOUR))) {
            JsonNode bad = refresh(c, "not.a.jwt");
            assertThat(bad.path("code").asText()).isEqualTo("unauthorized");
            assertThat(bad.path("message").asText()).isNotBlank();

            JsonNode expired = refresh(c, token("alice", Instant.now().minusSeconds(3600)));
            assertThat(expired.path("code").asText()).isEqualTo("unauthorized");
            assertThat(expired.path("message").asText()).containsIgnoringCase("expired");
            assertThat(c.ack(c.request("ping")).path("type").asText()).isEqualTo("ack");
        }
        assertThat(server.count("duplex.auth.rejections", "reason", "expired"))
                .isEqualTo(1.0);
    }

    @Test
    void refreshNarrowingPermissionsEndsTheSubscriptionsNoLongerAllowed() throws Exception {
        String wide = hs256(claims("alice").expirationTime(date(IN_AN_HOUR))
                .claim("duplex", Map.of("subscribe", List.of("chat.*", "admin.*"))).build());
        String narrow = hs256(claims("alice").expirationTime(date(IN_AN_HOUR))
                .claim("duplex", Map.of("subscribe", List.of("chat.*"))).build());
        try (ProtocolClient c = connect(wide);
             ProtocolClient publisher = connect(hs256(claims("ops").build()))) {
            c.subscribe("chat.lobby");
            c.subscribe("admin.audit");

            JsonNode ack = refresh(c, narrow);
            assertThat(ack.path("type").asText()).isEqualTo("ack");
            JsonNode unsubscribed = c.next("unsubscribed");
            assertThat(unsubscribed.path("topic").asText()).isEqualTo("admin.audit");
            assertThat(unsubscribed.path("reason").asText()).isEqualTo("forbidden");

            publisher.publish("admin.audit", "{\"n\":1}");
            publisher.publish("chat.lobby", "{\"n\":2}");
            JsonNode pub = c.next("pub");
            assertThat(pub.path("topic").asText()).isEqualTo("chat.lobby");
            // The session's own answer after that: anything for admin.audit would have come before it.
            c.ack(c.request("ping"));
            assertThat(c.drain()).noneMatch(m -> m instanceof JsonNode j && j.path("topic").asText().equals("admin.audit"));
            // Subscribing again is refused by the new token.
            ObjectNode again = c.request("subscribe");
            again.put("topic", "admin.audit");
            assertThat(c.call(again).path("code").asText()).isEqualTo("forbidden");
        }
    }
}
