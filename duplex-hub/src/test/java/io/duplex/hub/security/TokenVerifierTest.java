package io.duplex.hub.security;

import static io.duplex.hub.security.TestTokens.NOW;
import static io.duplex.hub.security.TestTokens.SECRET;
import static io.duplex.hub.security.TestTokens.base64url;
import static io.duplex.hub.security.TestTokens.claims;
import static io.duplex.hub.security.TestTokens.date;
import static io.duplex.hub.security.TestTokens.hs256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import io.duplex.hub.security.AuthException.Reason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Token rules on an HMAC verifier: time window, subject, claims, and refusals of broken or unsigned tokens. */
class TokenVerifierTest {
    private final TokenVerifier verifier = TokenVerifier.hmac(SECRET);

    private static Reason reasonOf(TokenVerifier verifier, String token) {
        AuthException e = catchThrowableOfType(AuthException.class, () -> verifier.verify(token, NOW));
        assertThat(e).as("token should be refused").isNotNull();
        assertThat(e.getMessage()).isNotBlank();
        return e.reason();
    }

    private Reason reasonOf(String token) {
        return reasonOf(verifier, token);
    }

    @Test
    void validHs256TokenGivesThePrincipal() throws AuthException {
        String token = hs256(claims("alice").expirationTime(date(NOW.plusSeconds(60))).build());

        Principal p = verifier.verify(token, NOW);

        assertThat(p.userId()).isEqualTo("alice");
        assertThat(p.isAnonymous()).isFalse();
        assertThat(p.expiresAt()).isEqualTo(NOW.plusSeconds(60));
        assertThat(p.info()).isNull();
        assertThat(p.permissions()).isSameAs(Permissions.all());
    }

    @Test
    void tokenWithoutExpNeverExpires() throws AuthException {
        Principal p = verifier.verify(hs256(claims("alice").build()), NOW.plus(Duration.ofDays(36500)));

        assertThat(p.expiresAt()).isNull();
        assertThat(p.isExpiredAt(NOW.plus(Duration.ofDays(36500)))).isFalse();
    }

    @Test
    void hmacSecretShorterThan32BytesIsRefusedAtConstruction() {
        assertThatThrownBy(() -> TokenVerifier.hmac(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32");
    }

    @Test
    void expiredTokenIsRefused() {
        String token = hs256(claims("alice").expirationTime(date(NOW.minusSeconds(60))).build());

        assertThat(reasonOf(token)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void notYetValidTokenIsRefused() {
        String token = hs256(claims("alice").notBeforeTime(date(NOW.plusSeconds(60))).build());

        assertThat(reasonOf(token)).isEqualTo(Reason.NOT_YET_VALID);
    }

    @Test
    void clockSkewBoundaryIsExact() throws AuthException {
        TokenVerifier skewed = verifier.withClockSkew(Duration.ofSeconds(5));
        String expiresNow = hs256(claims("alice").expirationTime(date(NOW)).build());
        String validInFive = hs256(claims("alice").notBeforeTime(date(NOW.plusSeconds(5))).build());

        // exp: accepted until exp + skew (exclusive)
        assertThat(skewed.verify(expiresNow, NOW.plusMillis(4_999)).userId()).isEqualTo("alice");
        assertThat(catchThrowableOfType(AuthException.class, () -> skewed.verify(expiresNow, NOW.plusSeconds(5)))
                .reason()).isEqualTo(Reason.EXPIRED);
        // nbf: accepted from nbf - skew (inclusive)
        assertThat(skewed.verify(validInFive, NOW).userId()).isEqualTo("alice");
        assertThat(catchThrowableOfType(AuthException.class, () -> skewed.verify(validInFive, NOW.minusMillis(1)))
                .reason()).isEqualTo(Reason.NOT_YET_VALID);
        // without skew, exp itself is already too late (RFC 7519 section 4.1.4)
        assertThat(catchThrowableOfType(AuthException.class,
                () -> verifier.withClockSkew(Duration.ZERO).verify(expiresNow, NOW)).reason()).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void defaultClockSkewIsFiveSecondsAndNegativeIsRefused() {
        assertThat(verifier.clockSkew()).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> verifier.withClockSkew(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badSignatureIsRefused() {
        String token = hs256(claims("alice").build());
        String other = TestTokens.sign(JWSAlgorithm.HS256, null, claims("alice").build(),
                TestTokens.mac("another secret of thirty-two bytes!".getBytes()));
        String tampered = token.substring(0, token.lastIndexOf('.') + 1) + other.substring(other.lastIndexOf('.') + 1);

        assertThat(reasonOf(other)).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(reasonOf(tampered)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void unsecuredAlgNoneTokenIsRefused() {
        String token = base64url("{\"alg\":\"none\"}") + "." + base64url("{\"sub\":\"alice\"}") + ".";

        assertThat(reasonOf(token)).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void encryptedTokenIsRefused() throws JOSEException {
        EncryptedJWT jwe = new EncryptedJWT(
                new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A128GCM), claims("alice").build());
        jwe.encrypt(new DirectEncrypter(new byte[16]));

        assertThat(reasonOf(jwe.serialize())).isIn(Reason.UNSUPPORTED_ALGORITHM, Reason.MALFORMED);
    }

    @Test
    void hmacVerifierRefusesOtherAlgorithms() {
        String rs = TestTokens.rs256(claims("alice").build());

        assertThat(reasonOf(rs)).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void missingOrEmptySubjectIsRefused() {
        assertThat(reasonOf(hs256(new JWTClaimsSet.Builder().issuer("x").build()))).isEqualTo(Reason.NO_SUBJECT);
        assertThat(reasonOf(hs256(claims("").build()))).isEqualTo(Reason.NO_SUBJECT);
    }

    @Test
    void malformedStringsAreRefused() {
        assertThat(reasonOf("garbage")).isEqualTo(Reason.MALFORMED);
        assertThat(reasonOf("abc.def")).isEqualTo(Reason.MALFORMED);
        assertThat(reasonOf("a.b.c")).isEqualTo(Reason.MALFORMED);
        assertThat(reasonOf("x".repeat(TokenVerifier.MAX_TOKEN_CHARS + 1))).isEqualTo(Reason.MALFORMED);
        assertThat(reasonOf("")).isEqualTo(Reason.MISSING);
        assertThat(reasonOf(null)).isEqualTo(Reason.MISSING);
    }

    @Test
    void payloadThatIsNotAClaimsSetIsRefused() {
        String header = base64url("{\"alg\":\"HS256\"}");
        String signed = TestTokens.sign(JWSAlgorithm.HS256, null, claims("a").build(), TestTokens.mac(SECRET));

        assertThat(reasonOf(hs256(claims("a").claim("exp", "tomorrow").build()))).isEqualTo(Reason.BAD_CLAIMS);
        assertThat(reasonOf(header + "." + base64url("[1]") + "." + signed.split("\\.")[2]))
                .isIn(Reason.BAD_SIGNATURE, Reason.BAD_CLAIMS, Reason.MALFORMED);
    }

    @Test
    void duplexClaimGivesPermissionsWithSubBound() throws AuthException {
        Map<String, Object> duplex = Map.of("subscribe", List.of("chat.*", "user.{sub}"), "publish", List.of("chat.*"));
        Principal p = verifier.verify(hs256(claims("alice").claim("duplex", duplex).build()), NOW);

        assertThat(p.permissions().canSubscribe("chat.lobby")).isTrue();
        assertThat(p.permissions().canSubscribe("user.alice")).isTrue();
        assertThat(p.permissions().canSubscribe("user.bob")).isFalse();
        assertThat(p.permissions().canPublish("chat.lobby")).isTrue();
        assertThat(p.permissions().canPublish("user.alice")).isFalse();
        assertThat(p.permissions().canPresence("chat.lobby")).as("missing list allows nothing").isFalse();
    }

    @Test
    void badDuplexClaimIsRefused() {
        assertThat(reasonOf(hs256(claims("a").claim("duplex", "all").build()))).isEqualTo(Reason.BAD_CLAIMS);
        assertThat(reasonOf(hs256(claims("a").claim("duplex", Map.of("publish", "x")).build())))
                .isEqualTo(Reason.BAD_CLAIMS);
        assertThat(reasonOf(hs256(claims("a").claim("duplex", Map.of("publish", List.of(1))).build())))
                .isEqualTo(Reason.BAD_CLAIMS);
    }

    @Test
    void defaultPermissionsApplyWithoutTheClaimAndBindSub() throws AuthException {
        TokenVerifier restricted = verifier.withDefaultPermissions(
                Permissions.of(List.of("user.{sub}.*"), List.of(), null, null));

        Principal p = restricted.verify(hs256(claims("bob").build()), NOW);

        assertThat(p.permissions().canSubscribe("user.bob.inbox")).isTrue();
        assertThat(p.permissions().canSubscribe("user.alice.inbox")).isFalse();
        assertThat(p.permissions().canPublish("user.bob.inbox")).isFalse();
    }

    @Test
    void infoClaimBecomesPrincipalInfo() throws AuthException {
        Principal p = verifier.verify(hs256(claims("a").claim("info", Map.of("name", "Alice", "age", 7)).build()), NOW);

        assertThat(p.info().get("name").textValue()).isEqualTo("Alice");
        assertThat(p.info().get("age").intValue()).isEqualTo(7);
    }

    @Test
    void infoClaimOfOneKibIsAcceptedAndLargerIsRefused() throws AuthException {
        // {"n":"..."} is 8 bytes around the string
        String fits = "x".repeat(TokenVerifier.MAX_INFO_BYTES - 8);
        assertThat(verifier.verify(hs256(claims("a").claim("info", Map.of("n", fits)).build()), NOW).info())
                .isNotNull();

        assertThat(reasonOf(hs256(claims("a").claim("info", Map.of("n", fits + "x")).build())))
                .isEqualTo(Reason.BAD_CLAIMS);
    }
}
