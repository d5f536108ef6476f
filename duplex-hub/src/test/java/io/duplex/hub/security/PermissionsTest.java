package io.duplex.hub.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class PermissionsTest {

    @Provide
    Arbitrary<String> topics() {
        return Arbitraries.strings().withChars("ab.{}su_").ofMaxLength(12);
    }

    @Provide
    Arbitrary<String> literals() {
        return Arbitraries.strings().withChars("ab.{}su_").ofMaxLength(12).filter(s -> !s.contains("{sub}"));
    }

    private static Permissions subscribeOnly(String userId, String... patterns) {
        return Permissions.of(List.of(patterns), null, null, userId);
    }

    @Property
    void patternWithoutWildcardsMatchesExactlyItself(@ForAll("literals") String pattern, @ForAll("topics") String topic) {
        Permissions p = subscribeOnly("u", pattern);

        assertThat(p.canSubscribe(pattern)).isTrue();
        assertThat(p.canSubscribe(topic)).isEqualTo(topic.equals(pattern));
    }

    @Property
    void starMatchesEverything(@ForAll("topics") String topic) {
        assertThat(subscribeOnly(null, "*").canSubscribe(topic)).isTrue();
        assertThat(subscribeOnly(null, "**").canSubscribe(topic)).isTrue();
    }

    @Property
    void starPatternAgreesWithARegularExpression(
            @ForAll("literals") String a, @ForAll("literals") String b, @ForAll("literals") String c,
            @ForAll("topics") String topic) {
        String pattern = a + "*" + b + "*" + c;
        String regex = java.util.regex.Pattern.quote(a) + ".*" + java.util.regex.Pattern.quote(b) + ".*"
                + java.util.regex.Pattern.quote(c);

        assertThat(subscribeOnly(null, pattern).canSubscribe(topic)).isEqualTo(topic.matches("(?s)" + regex));
        assertThat(subscribeOnly(null, pattern).canSubscribe(a + topic + b + c)).isTrue();
    }

    @Property
    void subIsTheUserIdTakenLiterally(@ForAll("topics") String userId) {
        Permissions p = subscribeOnly(userId, "user.{sub}.*");

        assertThat(p.canSubscribe("user." + userId + ".inbox")).isTrue();
        assertThat(p.canSubscribe("user." + userId + "x.inbox")).isFalse();
    }

    @Test
    void subInAUserIdIsNotAWildcard() {
        Permissions star = subscribeOnly("*", "user.{sub}");

        assertThat(star.canSubscribe("user.*")).isTrue();
        assertThat(star.canSubscribe("user.alice")).isFalse();
    }

    @Test
    void subMatchesNothingForAnonymous() {
        Permissions p = subscribeOnly(null, "user.{sub}", "public.*");

        assertThat(p.canSubscribe("user.")).isFalse();
        assertThat(p.canSubscribe("user.{sub}")).isFalse();
        assertThat(p.canSubscribe("public.news")).isTrue();
    }

    @Test
    void forUserRebindsSub() {
        Permissions template = Permissions.of(List.of("user.{sub}"), List.of("user.{sub}"), List.of(), null);
        Permissions bob = template.forUser("bob");

        assertThat(template.canSubscribe("user.bob")).isFalse();
        assertThat(bob.canSubscribe("user.bob")).isTrue();
        assertThat(bob.canPublish("user.bob")).isTrue();
        assertThat(bob.canPresence("user.bob")).isFalse();
        assertThat(bob.forUser("alice").canSubscribe("user.alice")).isTrue();
    }

    @Test
    void allAndNone() {
        assertThat(Permissions.all().canSubscribe("x")).isTrue();
        assertThat(Permissions.all().canPublish("")).isTrue();
        assertThat(Permissions.all().canPresence("y")).isTrue();
        assertThat(Permissions.none().canSubscribe("x")).isFalse();
        assertThat(Permissions.none().canPublish("x")).isFalse();
        assertThat(Permissions.none().canPresence("x")).isFalse();
        assertThat(Permissions.all().forUser("a")).isSameAs(Permissions.all());
    }

    @Test
    void manyStarsStayFast() {
        Permissions p = subscribeOnly(null, "*a".repeat(200) + "b");

        assertThat(p.canSubscribe("a".repeat(20_000))).isFalse();
    }

    @Test
    void anonymousPrincipal() {
        Principal p = Principal.anonymous(Permissions.none());

        assertThat(p.isAnonymous()).isTrue();
        assertThat(p.expiresAt()).isNull();
        assertThat(p.isExpiredAt(java.time.Instant.MAX)).isFalse();
    }
}
