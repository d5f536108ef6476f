package io.duplex.hub.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzz-like properties without Jazzer: whatever string arrives, {@link TokenVerifier#verify} either returns a
 * principal or throws {@link AuthException}, never anything else (a stray runtime exception would escape the
 * hub's handshake code). Inputs are raw strings and three-part strings with JSON-ish headers and payloads.
 * The class name does not end in FuzzTest, so the Jazzer execution leaves it alone.
 */
class TokenVerifierArbitraryInputTest {
    private static final List<TokenVerifier> VERIFIERS = verifiers();

    /** Keys are read at construction, so the PEM files can go at once. */
    private static List<TokenVerifier> verifiers() {
        try {
            Path dir = Files.createTempDirectory("duplex-security-");
            Path rsa = TestTokens.writePem(dir, "PUBLIC KEY", TestTokens.RSA.getPublic().getEncoded());
            TokenVerifier rsaVerifier = TokenVerifier.publicKeyPem(rsa);
            Path ec = TestTokens.writePem(dir, "PUBLIC KEY", TestTokens.EC.getPublic().getEncoded());
            TokenVerifier ecVerifier = TokenVerifier.publicKeyPem(ec);
            Files.delete(ec);
            Files.delete(dir);
            return List.of(TokenVerifier.hmac(TestTokens.SECRET), rsaVerifier, ecVerifier);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void onlyAuthException(String token) {
        for (TokenVerifier verifier : VERIFIERS) {
            Throwable thrown = catchThrowable(() -> verifier.verify(token, TestTokens.NOW));
            if (thrown != null) {
                assertThat(thrown).isInstanceOf(AuthException.class);
            }
        }
    }

    @Property(tries = 2000)
    void anyStringOnlyThrowsAuthException(@ForAll String token) {
        onlyAuthException(token);
    }

    @Property(tries = 2000)
    void anyJwtShapedStringOnlyThrowsAuthException(@ForAll("jwtShaped") String token) {
        onlyAuthException(token);
    }

    @Provide
    Arbitrary<String> jwtShaped() {
        Arbitrary<String> alg = Arbitraries.of("none", "None", "HS256", "HS512", "RS256", "PS384", "ES256", "ES512",
                "EdDSA", "RSA-OAEP", "dir", "", "\u0000");
        Arbitrary<String> extra = Arbitraries.of("", ",\"kid\":\"k\"", ",\"crit\":[\"x\"]", ",\"enc\":\"A128GCM\"",
                ",\"b64\":false,\"crit\":[\"b64\"]", ",\"jwk\":{\"kty\":\"oct\",\"k\":\"AA\"}", ",\"typ\":7");
        Arbitrary<String> header = Combinators.combine(alg, extra).as((a, e) -> "{\"alg\":\"" + a + "\"" + e + "}");
        Arbitrary<String> payload = Arbitraries.of("{}", "{\"sub\":\"a\"}", "{\"sub\":1}", "{\"sub\":\"a\",\"exp\":\"x\"}",
                "{\"sub\":\"a\",\"exp\":1e300}", "{\"sub\":\"a\",\"nbf\":-1e300}", "[]", "null", "\"s\"",
                "{\"sub\":\"a\",\"duplex\":{\"publish\":[null]}}", "{\"sub\":\"a\",\"info\":" + "[".repeat(600) + "}",
                "{\"sub\":\"a\",\"sub\":\"b\"}", "{");
        Arbitrary<String> part = Arbitraries.strings().withChars("AZaz09-_=+/.").ofMaxLength(40);
        Arbitrary<String> encoded = Arbitraries.oneOf(
                Combinators.combine(header, payload).as((h, p) -> TestTokens.base64url(h) + "." + TestTokens.base64url(p)),
                Combinators.combine(header, part).as((h, p) -> TestTokens.base64url(h) + "." + p));
        return Combinators.combine(encoded, part, Arbitraries.of(".", "..", "...", ".a.b."))
                .as((e, signature, dots) -> e + dots.substring(0, 1) + signature + dots.substring(1));
    }
}
