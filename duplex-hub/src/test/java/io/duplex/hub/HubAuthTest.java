package io.duplex.hub;

import static io.duplex.hub.security.TestTokens.base64url;
import static io.duplex.hub.security.TestTokens.claims;
import static io.duplex.hub.security.TestTokens.date;
import static io.duplex.hub.security.TestTokens.hs256;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import io.duplex.hub.security.Permissions;
import io.duplex.hub.security.TestTokens;
import io.duplex.hub.security.TokenVerifier;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.hub.testing.UpgradeProbe;
import io.duplex.hub.ws.HubEndpoint;
import io.duplex.net.ClientOptions;
import io.duplex.protocol.handshake.HandshakeException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Admission by token at the upgrade (docs/protocol.md, "Connecting" and "Tokens"), each case a real upgrade to a
 * hub on 127.0.0.1, and the permissions a token's {@code duplex} claim (or the anonymous setting) grants.
 */
class HubAuthTest {
    private static final Instant IN_AN_HOUR = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    private HubServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** A hub verifying HS256 with {@link TestTokens#SECRET}, refusing anonymous clients. */
    private HubServer tokenHub() throws Exception {
        return hub(HubEndpoint.Options.defaults().withAnonymous(null), TokenVerifier.hmac(TestTokens.SECRET));
    }

    private HubServer hub(HubEndpoint.Options options, TokenVerifier verifier) throws Exception {
        server = HubServer.start(HubConfig.defaults(), options, verifier, 1);
        return server;
    }

    private static String alice() {
        return hs256(claims("alice").expirationTime(date(IN_AN_HOUR)).build());
    }

    private static ClientOptions bearer(String token) {
        return ClientOptions.DEFAULTS.withHeader("Authorization", "Bearer " + token);
    }

    private static void assertWelcomesAlice(ProtocolClient c) {
        assertThat(c.welcome().path("user").asText()).isEqualTo("alice");
        assertThat(c.welcome().path("expires_at").asLong()).isEqualTo(IN_AN_HOUR.toEpochMilli());
    }

    // ---------------------------------------------------------------- accepted tokens

    @Test
    void bearerHeaderAdmitsTheTokensUser() throws Exception {
        tokenHub();
        try (ProtocolClient c = ProtocolClient.connect(server.uri(), bearer(alice()))) {
            assertWelcomesAlice(c);
            assertThat(c.ack(c.request("ping")).path("type").asText()).isEqualTo("ack");
        }
    }

    @Test
    void tokenInTheSubprotocolListSelectsDuplexV1AndNeverEchoesTheToken() throws Exception {
        tokenHub();
        String token = alice();
        ClientOptions offer = ClientOptions.DEFAULTS.withSubprotocols("duplex.v1", "duplex.bearer." + token);
        try (ProtocolClient c = ProtocolClient.connect(server.uri(), offer)) {
            assertWelcomesAlice(c);
            assertThat(c.socket().subprotocol()).isEqualTo("duplex.v1");
        }
        // The same offer with the bearer entry first: the raw response header holds duplex.v1 alone.
        UpgradeProbe.Response r = UpgradeProbe.upgrade(server.uri(),
                "Sec-WebSocket-Protocol: duplex.bearer." + token + ", duplex.v1");
        assertThat(r.status()).isEqualTo(101);
        assertThat(r.header("Sec-WebSocket-Protocol")).isEqualTo("duplex.v1");
        assertThat(r.headers().values()).noneMatch(v -> v.contains(token));
    }

    @Test
    void tokenInTheQueryAdmitsTheTokensUser() throws Exception {
        tokenHub();
        URI uri = URI.create(server.uri() + "?token=" + URLEncoder.encode(alice(), StandardCharsets.UTF_8));
        try (ProtocolClient c = ProtocolClient.connect(uri)) {
            assertWelcomesAlice(c);
        }
    }

    @Test
    void tokenWithoutExpiryHasNoExpiresAtInWelcome() throws Exception {
        tokenHub();
        try (ProtocolClient c = ProtocolClient.connect(server.uri(), bearer(hs256(claims("bob").build())))) {
            assertThat(c.welcome().path("user").asText()).isEqualTo("bob");
            assertThat(c.welcome().has("expires_at")).isFalse();
        }
    }

    // ---------------------------------------------------------------- refused tokens

    static Stream<Arguments> invalidTokens() {
        Instant now = Instant.now();
        JWTClaimsSet valid = claims("alice").expirationTime(date(IN_AN_HOUR)).build();
        String unsigned = base64url("{\"alg\":\"none\"}") + "." + base64url(valid.toString()) + ".";
        String otherSecret = TestTokens.sign(JWSAlgorithm.HS256, null, valid,
                TestTokens.mac("another-secret-of-32-bytes-at-least!".getBytes(StandardCharsets.US_ASCII)));
        return Stream.of(
                Arguments.of("expired", hs256(claims("alice").expirationTime(date(now.minusSeconds(3600))).build()),
                        "expired"),
                Arguments.of("not yet valid", hs256(claims("alice").notBeforeTime(date(now.plusSeconds(3600)))
                        .expirationTime(date(IN_AN_HOUR.plusSeconds(3600))).build()), "not_yet_valid"),
                Arguments.of("bad signature", otherSecret, "bad_signature"),
                Arguments.of("alg none", unsigned, "unsupported_algorithm"),
                Arguments.of("no sub", hs256(new JWTClaimsSet.Builder().expirationTime(date(IN_AN_HOUR)).build()),
                        "no_subject"),
                Arguments.of("not a JWT", "not.a.jwt", "malformed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidTokens")
    void invalidTokenIsRefusedWith401SayingWhy(String name, String token, String reason) throws Exception {
        tokenHub();
        UpgradeProbe.Response r = UpgradeProbe.upgrade(server.uri(), "Authorization: Bearer " + token);
        assertThat(r.status()).as(name).isEqualTo(401);
        assertThat(r.body()).as(name).isNotBlank().doesNotContain(token);
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"duplex\"");
        // Duplex's own client reports the status.
        Throwable t = ProtocolClient.connectFailure(server.uri(), bearer(token));
        assertThat(t).isInstanceOf(HandshakeException.class);
        assertThat(((HandshakeException) t).status()).isEqualTo(401);

        assertThat(server.count("duplex.auth.rejections", "reason", reason)).isEqualTo(2.0);
        assertThat(server.count("duplex.handshake.failures", "reason", "unauthorized")).isEqualTo(2.0);
        assertThat(server.hub().sessionCount()).isZero();
    }

    @Test
    void tokenForAnotherKeyTypeIsRefused(@TempDir Path dir) throws Exception {
        Path pem = TestTokens.writePem(dir, "PUBLIC KEY", TestTokens.RSA.getPublic().getEncoded());
        hub(HubEndpoint.Options.defaults().withAnonymous(null), TokenVerifier.publicKeyPem(pem));
        String rsa = TestTokens.rs256(claims("alice").expirationTime(date(IN_AN_HOUR)).build());
        String ec = TestTokens.es256(null, TestTokens.EC, claims("alice").expirationTime(date(IN_AN_HOUR)).build());
        String hmac = alice();

        try (ProtocolClient c = ProtocolClient.connect(server.uri(), bearer(rsa))) {
            assertWelcomesAlice(c);
        }
        for (String token : List.of(ec, hmac)) {
            UpgradeProbe.Response r = UpgradeProbe.upgrade(server.uri(), "Authorization: Bearer " + token);
            assertThat(r.status()).isEqualTo(401);
        }
        assertThat(server.count("duplex.auth.rejections", "reason", "unsupported_algorithm")).isEqualTo(2.0);
    }

    @Test
    void missingTokenIsRefusedWhenAnonymousClientsAreNot() throws Exception {
        tokenHub();
        UpgradeProbe.Response r = UpgradeProbe.upgrade(server.uri());
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"duplex\"");
        assertThat(r.body()).contains("token");
        assertThat(server.count("duplex.auth.rejections", "reason", "missing")).isEqualTo(1.0);
    }

    @Test
    void missingTokenGivesAnAnonymousSessionWhenAllowed() throws Exception {
        hub(HubEndpoint.Options.defaults(), TokenVerifier.hmac(TestTokens.SECRET));
        try (ProtocolClient anonymous = server.client();
             ProtocolClient c = ProtocolClient.connect(server.uri(), bearer(alice()))) {
            assertThat(anonymous.welcome().has("user")).isFalse();
            assertThat(anonymous.welcome().has("expires_at")).isFalse();
            assertWelcomesAlice(c);
            // An invalid token is not downgraded to anonymous.
            assertThat(UpgradeProbe.upgrade(server.uri(), "Authorization: Bearer not.a.jwt").status())
                    .isEqualTo(401);
        }
    }

    // ---------------------------------------------------------------- permissions

    private static String tokenWithPermissions(String sub, Map<String, List<String>> duplex) {
        return hs256(claims(sub).expirationTime(date(IN_AN_HOUR)).claim("duplex", duplex).build());
    }

    private static String errorCode(JsonNode answer) {
        return answer.path("type").asText().equals("error") ? answer.path("code").asText() : "ack";
    }

    private static JsonNode call(ProtocolClient c, String type, String topic) throws Exception {
        var r = c.request(type);
        r.put("topic", topic);
        if (type.equals("publish")) {
            r.put("data", "x");
        }
        return c.call(r);
    }

    @Test
    void duplexClaimAllowsEachActionOnlyOnItsPatterns() throws Exception {
        tokenHub();
        String token = tokenWithPermissions("alice", Map.of(
                "subscribe", List.of("chat.*", "user.{sub}"),
                "publish", List.of("chat.*"),
                "presence", List.of("chat.lobby")));
        try (ProtocolClient c = ProtocolClient.connect(server.uri(), bearer(token))) {
            assertThat(errorCode(call(c, "subscribe", "chat.lobby"))).isEqualTo("ack");
            assertThat(errorCode(call(c, "subscribe", "user.alice"))).isEqualTo("ack");
            assertThat(errorCode(call(c, "subscribe", "user.bob"))).isEqualTo("forbidden");
            assertThat(errorCode(call(c, "subscribe", "news"))).isEqualTo("forbidden");

            assertThat(errorCode(call(c, "publish", "chat.lobby"))).isEqualTo("ack");
            assertThat(errorCode(call(c, "publish", "user.alice"))).isEqualTo("forbidden");

            assertThat(errorCode(call(c, "presence", "chat.lobby"))).isEqualTo("ack");
            assertThat(errorCode(call(c, "presence", "chat.other"))).isEqualTo("forbidden");

            // history needs the subscribe permission
            assertThat(errorCode(call(c, "history", "chat.lobby"))).isEqualTo("ack");
            assertThat(errorCode(call(c, "history", "user.bob"))).isEqualTo("forbidden");
        }
    }

    @Test
    void duplexClaimWithoutAnActionsListForbidsThatAction() throws Exception {
        tokenHub();
        String token = tokenWithPermissions("alice", Map.of("subscribe", List.of("*")));
        try (ProtocolClient c = ProtocolClient.connect(server.uri(), bearer(token))) {
            assertThat(errorCode(call(c, "subscribe", "anything"))).isEqualTo("ack");
            assertThat(errorCode(call(c, "publish", "anything"))).isEqualTo("forbidden");
            assertThat(errorCode(call(c, "presence", "anything"))).isEqualTo("forbidden");
        }
    }

    @Test
    void tokenWithoutDuplexClaimMayDoEverything() throws Exception {
        tokenHub();
        try (ProtocolClient c = ProtocolClient.connect(server.uri(), bearer(alice()))) {
            for (String type : List.of("subscribe", "publish", "presence")) {
                assertThat(errorCode(call(c, type, "any.topic"))).as(type).isEqualTo("ack");
            }
        }
    }

    @Test
    void anonymousClientsGetThePermissionsOfTheOptions() throws Exception {
        Permissions anonymous = Permissions.of(List.of("public.*", "user.{sub}"), List.of(), List.of("public.*"), null);
        hub(HubEndpoint.Options.defaults().withAnonymous(anonymous), TokenVerifier.hmac(TestTokens.SECRET));
        try (ProtocolClient c = server.client()) {
            assertThat(errorCode(call(c, "subscribe", "public.news"))).isEqualTo("ack");
            assertThat(errorCode(call(c, "subscribe", "private"))).isEqualTo("forbidden");
            // {sub} matches nothing without a user
            assertThat(errorCode(call(c, "subscribe", "user."))).isEqualTo("forbidden");
            assertThat(errorCode(call(c, "publish", "public.news"))).isEqualTo("forbidden");
            assertThat(errorCode(call(c, "presence", "public.news"))).isEqualTo("ack");
        }
        try (ProtocolClient c = ProtocolClient.connect(server.uri(), bearer(alice()))) {
            assertThat(errorCode(call(c, "publish", "public.news"))).isEqualTo("ack");
        }
    }
}
