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
    void theSelectTimeoutReachesToTheEarliestTimerNotTheNextTick() {
        advanceTo(3);
        assertThat(wheel.nanosToNextTick()).as("nothing pending: block").isEqualTo(Long.MAX_VALUE);
        wheel.schedule(25, TimeUnit.MILLISECONDS, record("a"));
        // Due at 28 ms, so its tick is the one at 30 ms: 27 ms from now, not the 7 ms to the next tick.
        assertThat(wheel.nanosToNextTick()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(27));
        wheel.schedule(500, TimeUnit.MILLISECONDS, record("far"));
        assertThat(wheel.nanosToNextTick()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(27));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(27));
        assertThat(wheel.nanosToNextTick()).isZero();
        wheel.advance();
        assertThat(fired).containsExactly("a");
        // "far" is due at 503 ms (tick 510), several rotations of this 80 ms wheel away: at most one wakeup per
        // rotation at its bucket, never a wakeup per tick.
        int wakeups = 0;
        while (fired.size() < 2) {
            long wait = wheel.nanosToNextTick();
            assertThat(wait).isPositive().isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
            now.addAndGet(wait);
            wheel.advance();
            wakeups++;
        }
        assertThat(fired).containsExactly("a", "far");
        assertThat(now.get() - 1_000_000_000L).isEqualTo(TimeUnit.MILLISECONDS.toNanos(510));
        assertThat(wakeups).isLessThanOrEqualTo(1 + 480 / 80);
        assertThat(wheel.nanosToNextTick()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aCancelledEarliestTimerCostsOneEmptyWakeupAtMost() {
        Timeout a = wheel.schedule(20, TimeUnit.MILLISECONDS, record("a"));
        wheel.schedule(60, TimeUnit.MILLISECONDS, record("b"));
        a.cancel();
        now.addAndGet(wheel.nanosToNextTick());
        assertThat(wheel.advance()).isZero();
        assertThat(wheel.nanosToNextTick()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
        now.addAndGet(wheel.nanosToNextTick());
        wheel.advance();
        assertThat(fired).containsExactly("b");
    }

    /**
     * The last pending timer cancelled, then a new one scheduled ticks later (the first connection after the last
     * one closed): the select timeout is the new timer's, not a negative one left by the cancelled timer (which made
     * the loop spin until the next tick).
     */
    @Test
    void aTimerScheduledAfterTheLastOneWasCancelledIsNotSeenAsDueAtOnce() {
        Timeout a = wheel.schedule(20, TimeUnit.MILLISECONDS, record("a"));
        a.cancel();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(55));
        wheel.schedule(30, TimeUnit.MILLISECONDS, record("b"));
        assertThat(wheel.nanosToNextTick()).isPositive().isLessThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
        assertThat(wheel.advance()).isZero();
        now.addAndGet(wheel.nanosToNextTick());
        wheel.advance();
        assertThat(fired).containsExactly("b");
    }

    /** One timer of the randomized test below. */
    private static final class Entry {
        long due;
        Timeout timeout;
        boolean cancelled;
        int fires;
        long firedAt;
    }

    @Test
    void aLoopThatSleepsAsToldFiresEveryTimerOnItsTickNeverEarly() {
        for (long seed = 1; seed <= 50; seed++) {
            java.util.Random random = new java.util.Random(seed);
            AtomicLong clock = new AtomicLong(random.nextLong() >>> 2);
            long start = clock.get();
            TimerWheel w = new TimerWheel(clock::get, TICK, 8);
            List<Entry> entries = new ArrayList<>();
            for (int step = 0; step < 300; step++) {
                int action = random.nextInt(4);
                if (action < 2) {
                    Entry e = new Entry();
                    long delayMillis = random.nextInt(400);
                    e.due = clock.get() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
                    e.timeout = w.schedule(delayMillis, TimeUnit.MILLISECONDS, () -> {
                        e.fires++;
                        e.firedAt = clock.get();
                    });
                    entries.add(e);
                } else if (action == 2 && !entries.isEmpty()) {
                    Entry e = entries.get(random.nextInt(entries.size()));
                    e.cancelled |= e.timeout.cancel();
                } else {
                    // Sleep as a loop would: the whole timeout, or less when I/O wakes it early.
                    long wait = w.nanosToNextTick();
                    long sleep = wait == Long.MAX_VALUE ? TimeUnit.MILLISECONDS.toNanos(random.nextInt(300))
                            : wait <= 0 || random.nextBoolean() ? Math.max(0, wait) : random.nextLong(wait);
                    clock.addAndGet(sleep);
                    w.advance();
                }
            }
            long wait;
            while ((wait = w.nanosToNextTick()) != Long.MAX_VALUE) {
                clock.addAndGet(Math.max(0, wait));
                w.advance();
            }
            for (Entry e : entries) {
                if (e.cancelled) {
                    assertThat(e.fires).as("seed %d: a cancelled timer never fires", seed).isZero();
                    continue;
                }
                assertThat(e.fires).as("seed %d: fires once", seed).isEqualTo(1);
                long dueTickEnd = start + ((e.due - start + TICK - 1) / TICK) * TICK;
                assertThat(e.firedAt).as("seed %d: never early, at most a tick late", seed)
                        .isBetween(e.due, dueTickEnd + TICK);
            }
        }
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
