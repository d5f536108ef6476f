package io.duplex.hub.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Scale;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void startsFullAndRefillsAtTheRate() {
        TokenBucket bucket = new TokenBucket(10, 3, 0);

        assertThat(bucket.tryTake(1, 0)).isTrue();
        assertThat(bucket.tryTake(1, 0)).isTrue();
        assertThat(bucket.tryTake(1, 0)).isTrue();
        assertThat(bucket.tryTake(1, 0)).isFalse();
        assertThat(bucket.nanosUntilAvailable(1, 0)).isEqualTo(SECOND / 10);
        assertThat(bucket.tryTake(1, SECOND / 10 - 1)).isFalse();
        assertThat(bucket.tryTake(1, SECOND / 10)).isTrue();
        assertThat(bucket.available(100 * SECOND)).isEqualTo(3.0);
    }

    @Test
    void refusedTakeTakesNothing() {
        TokenBucket bucket = new TokenBucket(1, 2, 0);

        assertThat(bucket.tryTake(3, 0)).isFalse();
        assertThat(bucket.available(0)).isEqualTo(2.0);
        assertThat(bucket.nanosUntilAvailable(3, 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(bucket.nanosUntilAvailable(2, 0)).isZero();
    }

    @Test
    void timeGoingBackwardsCountsAsNoTime() {
        TokenBucket bucket = new TokenBucket(1, 1, 10 * SECOND);
        bucket.tryTake(1, 10 * SECOND);

        assertThat(bucket.tryTake(1, 5 * SECOND)).isFalse();
        assertThat(bucket.tryTake(1, 11 * SECOND)).isTrue();
    }

    @Test
    void invalidArgumentsAreRefused() {
        assertThatThrownBy(() -> new TokenBucket(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void neverHoldsMoreThanBurst(
            @ForAll @DoubleRange(min = 0.01, max = 1000) double rate,
            @ForAll @DoubleRange(min = 0.5, max = 100) double burst,
            @ForAll @Size(max = 50) List<@LongRange(min = 0, max = 100_000_000_000L) Long> steps) {
        TokenBucket bucket = new TokenBucket(rate, burst, 0);
        long now = 0;
        for (long step : steps) {
            now += step;
            assertThat(bucket.available(now)).isLessThanOrEqualTo(burst);
            bucket.tryTake(1, now);
        }
    }

    @Property
    void takesAtTheRateOverLongRuns(
            @ForAll @DoubleRange(min = 0.5, max = 200) double rate,
            @ForAll @DoubleRange(min = 0, max = 50) double extraBurst,
            @ForAll @LongRange(min = 1_000_000, max = 500_000_000) long tick) {
        // room for what one tick brings on top of a token, so polling every tick never loses tokens at the cap
        double burst = 1 + rate * tick / 1e9 + extraBurst;
        TokenBucket bucket = new TokenBucket(rate, burst, 0);
        long duration = 100 * SECOND;
        long taken = 0;
        for (long now = 0; now <= duration; now += tick) {
            while (bucket.tryTake(1, now)) {
                taken++;
            }
        }
        double seconds = duration / 1e9;
        assertThat((double) taken).isLessThanOrEqualTo(burst + rate * seconds + 1e-6);
        // the last tick may end before the last token comes due
        assertThat((double) taken).isGreaterThanOrEqualTo(rate * seconds - 1 - rate * tick / 1e9);
    }

    @Property
    void waitingTheHintIsAlwaysEnough(
            @ForAll @DoubleRange(min = 0.001, max = 1e6) @Scale(4) double rate,
            @ForAll @DoubleRange(min = 1, max = 100) double burst,
            @ForAll @DoubleRange(min = 0, max = 1) double fraction,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 4) long start) {
        TokenBucket bucket = new TokenBucket(rate, burst, start);
        bucket.tryTake(burst, start);
        double amount = 1 + fraction * (burst - 1);

        long wait = bucket.nanosUntilAvailable(amount, start);

        assertThat(wait).isPositive();
        assertThat(bucket.tryTake(amount, start + wait)).isTrue();
    }
}
