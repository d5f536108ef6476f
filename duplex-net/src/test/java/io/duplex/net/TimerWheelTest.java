package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** 8 buckets of 10 ms: one rotation is 80 ms, so multi-round cases stay short. */
    private final TimerWheel wheel = new TimerWheel(now::get, TICK, 8);
    private final List<String> fired = new ArrayList<>();

    private void advanceTo(long millisSinceStart) {
        now.set(1_000_000_000L + TimeUnit.MILLISECONDS.toNanos(millisSinceStart));
        wheel.advance();
    }

    private Runnable record(String name) {
        return () -> fired.add(name);
    }

    @Test
    void neverFiresEarlyAndFiresWithinOneTick() {
        wheel.schedule(25, TimeUnit.MILLISECONDS, record("a"));
        advanceTo(20);
        assertThat(fired).isEmpty();
        advanceTo(29);
        assertThat(fired).isEmpty();
        advanceTo(30);
        assertThat(fired).containsExactly("a");
        assertThat(wheel.isEmpty()).isTrue();
    }

    @Test
    void timeoutBeyondOneRotationWaitsForItsRound() {
        Timeout t = wheel.schedule(250, TimeUnit.MILLISECONDS, record("late"));
        for (int ms = 10; ms < 250; ms += 10) {
            advanceTo(ms);
            assertThat(fired).as("at %d ms", ms).isEmpty();
        }
        advanceTo(250);
        assertThat(fired).containsExactly("late");
        assertThat(t.isExpired()).isTrue();
    }

    @Test
    void cancelIsFinalAndFreesTheSlot() {
        Timeout a = wheel.schedule(30, TimeUnit.MILLISECONDS, record("a"));
        wheel.schedule(30, TimeUnit.MILLISECONDS, record("b"));
        Timeout c = wheel.schedule(30, TimeUnit.MILLISECONDS, record("c"));
        assertThat(wheel.size()).isEqualTo(3);
        assertThat(a.cancel()).isTrue();
        assertThat(c.cancel()).isTrue();
        assertThat(a.cancel()).isFalse();
        assertThat(wheel.size()).isEqualTo(1);
        advanceTo(100);
        assertThat(fired).containsExactly("b");
        assertThat(a.isCancelled()).isTrue();
        assertThat(c.isExpired()).isFalse();
    }

    @Test
    void cancelAfterExpiryReturnsFalse() {
        Timeout t = wheel.schedule(10, TimeUnit.MILLISECONDS, record("x"));
        advanceTo(10);
        assertThat(t.cancel()).isFalse();
        assertThat(t.isExpired()).isTrue();
    }

    @Test
    void firesInDeadlineOrderThenSchedulingOrder() {
        wheel.schedule(50, TimeUnit.MILLISECONDS, record("50"));
        wheel.schedule(15, TimeUnit.MILLISECONDS, record("15-first"));
        wheel.schedule(70, TimeUnit.MILLISECONDS, record("70"));
        wheel.schedule(12, TimeUnit.MILLISECONDS, record("12-second"));
        wheel.schedule(30, TimeUnit.MILLISECONDS, record("30"));
        advanceTo(75);
        // 12 and 15 ms share the 20 ms tick, so they keep the order they were scheduled in.
        assertThat(fired).containsExactly("15-first", "12-second", "30", "50", "70");
    }

    @Test
    void stallLongerThanARotationStillFiresInDeadlineOrder() {
        wheel.schedule(300, TimeUnit.MILLISECONDS, record("300"));
        wheel.schedule(90, TimeUnit.MILLISECONDS, record("90"));
        wheel.schedule(170, TimeUnit.MILLISECONDS, record("170"));
        wheel.schedule(900, TimeUnit.MILLISECONDS, record("900"));
        advanceTo(500);
        assertThat(fired).containsExactly("90", "170", "300");
        assertThat(wheel.size()).isEqualTo(1);
        advanceTo(900);
        assertThat(fired).containsExactly("90", "170", "300", "900");
    }

    @Test
    void taskCanCancelALaterTaskOfTheSameTick() {
        Timeout[] victim = new Timeout[1];
        wheel.schedule(10, TimeUnit.MILLISECONDS, () -> {
            fired.add("killer");
            victim[0].cancel();
        });
        victim[0] = wheel.schedule(10, TimeUnit.MILLISECONDS, record("victim"));
        advanceTo(10);
        assertThat(fired).containsExactly("killer");
        assertThat(wheel.isEmpty()).isTrue();
    }

    @Test
    void taskScheduledFromATaskRunsOnALaterTick() {
        wheel.schedule(10, TimeUnit.MILLISECONDS, () -> {
            fired.add("first");
            wheel.schedule(0, TimeUnit.MILLISECONDS, record("second"));
        });
        advanceTo(10);
        assertThat(fired).containsExactly("first");
        advanceTo(20);
        assertThat(fired).containsExactly("first", "second");
    }

    @Test
    void failingTaskDoesNotStopTheOthers() {
        wheel.schedule(10, TimeUnit.MILLISECONDS, () -> {
            throw new IllegalStateException("boom (expected by test)");
        });
        wheel.schedule(10, TimeUnit.MILLISECONDS, record("after"));
        assertThat(wheel.advance()).isZero();
        advanceTo(10);
        assertThat(fired).containsExactly("after");
    }

    @Test
    void nextTickDelayDrivesTheSelectTimeout() {
        advanceTo(3);
        assertThat(wheel.nanosToNextTick()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(7));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(8));
        assertThat(wheel.nanosToNextTick()).isNegative();
    }

    @Test
    void longIdleSpellDoesNotDelayTheNextTimer() {
        advanceTo(0);
        now.addAndGet(TimeUnit.SECONDS.toNanos(3600));
        wheel.schedule(20, TimeUnit.MILLISECONDS, record("fresh"));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(19));
        wheel.advance();
        assertThat(fired).isEmpty();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(11));
        wheel.advance();
        assertThat(fired).containsExactly("fresh");
    }

    @Test
    void manyTimeoutsAcrossRoundsAllFireExactlyOnce() {
        int n = 2000;
        int[] counts = new int[n];
        for (int i = 0; i < n; i++) {
            int id = i;
            wheel.schedule(i % 400, TimeUnit.MILLISECONDS, () -> counts[id]++);
        }
        for (int ms = 0; ms <= 420; ms += 10) {
            advanceTo(ms);
        }
        for (int c : counts) {
            assertThat(c).isEqualTo(1);
        }
        assertThat(wheel.isEmpty()).isTrue();
    }
}
