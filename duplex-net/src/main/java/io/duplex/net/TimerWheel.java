package io.duplex.net;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hashed timing wheel: {@code wheelSize} buckets of intrusive doubly linked lists, one bucket per
 * tick. A timeout lives in bucket {@code deadlineTick & mask}; when the wheel reaches that bucket it
 * fires the entries whose deadline tick has come and leaves those due in a later rotation.
 *
 * <p>Defaults: a 10 ms tick and 512 buckets (5.12 s per rotation). The timers this wheel exists for
 * (handshake, idle, heartbeat, close) are seconds long, so 10 ms of slack is invisible, while a
 * coarser tick means the loop wakes at most 100 times a second, and only for ticks that may have a timer due. With
 * 512 buckets each tick scans about N/512 entries; a 30 s heartbeat for 10,000 connections costs
 * about 20 comparisons per tick and one node per connection, with no per-tick objects.
 *
 * <p>A task never runs before its delay has elapsed; it may run up to one tick late (more if the
 * loop was busy). Tasks due in the same tick run in scheduling order; tasks in different ticks run
 * in deadline order.
 *
 * <p>Thread-safety: not thread-safe. Confined to one thread, normally the event loop that calls
 * {@link #advance()}.
 */
public final class TimerWheel {
    private static final Logger log = LoggerFactory.getLogger(TimerWheel.class);

    public static final long DEFAULT_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    public static final int DEFAULT_WHEEL_SIZE = 512;

    private final LongSupplier nanoClock;
    private final long tickNanos;
    private final long startNanos;
    private final int mask;
    private final Timeout[] heads;
    private final Timeout[] tails;
    /** Last tick whose bucket has been processed; new timeouts always land after it. */
    private long processedTick;
    /**
     * No pending timeout is due before this tick (Long.MAX_VALUE: none pending). A lower bound: a cancelled entry
     * may leave it early, which costs one wakeup that finds nothing, never a late timer.
     */
    private long earliestTick = Long.MAX_VALUE;
    private int size;

    public TimerWheel(LongSupplier nanoClock) {
        this(nanoClock, DEFAULT_TICK_NANOS, DEFAULT_WHEEL_SIZE);
    }

    public TimerWheel(LongSupplier nanoClock, long tickNanos, int wheelSize) {
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tickNanos must be positive: " + tickNanos);
        }
        if (wheelSize <= 0 || Integer.bitCount(wheelSize) != 1) {
            throw new IllegalArgumentException("wheelSize must be a power of two: " + wheelSize);
        }
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.tickNanos = tickNanos;
        this.mask = wheelSize - 1;
        this.heads = new Timeout[wheelSize];
        this.tails = new Timeout[wheelSize];
        this.startNanos = nanoClock.getAsLong();
    }

    /** Runs {@code task} on the driving thread once {@code delay} has elapsed. */
    public Timeout schedule(long delay, TimeUnit unit, Runnable task) {
        Objects.requireNonNull(task, "task");
        long delayNanos = Math.max(0, unit.toNanos(delay));
        long elapsed = nanoClock.getAsLong() - startNanos;
        if (size == 0) {
            // Nothing to fire in between: catch up so a long idle spell does not look like a stall. A cancelled
            // timer may have left its tick as the earliest: forget it, or the loop would see a tick long past as due
            // and spin (select without waiting) until the clock reaches the next one.
            processedTick = Math.max(processedTick, elapsed / tickNanos);
            earliestTick = Long.MAX_VALUE;
        }
        // Saturate rather than overflow for "practically never" delays.
        long due = elapsed > Long.MAX_VALUE - delayNanos ? Long.MAX_VALUE : elapsed + delayNanos;
        // Round up so that the task never fires early.
        long tick = due / tickNanos + (due % tickNanos == 0 ? 0 : 1);
        // A bucket already processed will not be seen again until the next rotation.
        tick = Math.max(tick, processedTick + 1);
        Timeout t = new Timeout(this, tick, task);
        link(t);
        earliestTick = Math.min(earliestTick, tick);
        return t;
    }

    /** Number of pending timeouts. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Nanoseconds until the next tick that may have a timeout due; zero or negative if it is due now,
     * {@link Long#MAX_VALUE} when nothing is pending. Ticks with nothing due are skipped, so a loop with only
     * distant timers (a 30 s heartbeat) sleeps until them instead of waking every tick.
     */
    public long nanosToNextTick() {
        long tick = earliestTick;
        if (tick == Long.MAX_VALUE || tick > (Long.MAX_VALUE - startNanos) / tickNanos - 1) {
            return Long.MAX_VALUE;
        }
        return startNanos + tick * tickNanos - nanoClock.getAsLong();
    }

    /**
     * Fires every timeout whose deadline tick has been reached by the clock. Exceptions thrown by a
     * task are logged and do not stop the others.
     *
     * @return the number of tasks run
     */
    public int advance() {
        long nowTick = (nanoClock.getAsLong() - startNanos) / tickNanos;
        if (nowTick <= processedTick) {
            return 0;
        }
        if (size == 0) {
            processedTick = nowTick;
            earliestTick = Long.MAX_VALUE;
            return 0;
        }
        if (earliestTick > nowTick) {
            // Nothing can be due yet: skip the empty ticks at once.
            processedTick = nowTick;
            return 0;
        }
        // Empty ticks before the earliest one need no visit.
        processedTick = Math.max(processedTick, earliestTick - 1);
        int fired;
        if (nowTick - processedTick > mask) {
            fired = sweepAll(nowTick);
        } else {
            fired = 0;
            while (processedTick < nowTick) {
                long tick = ++processedTick;
                fired += fireChain(detachDue((int) (tick & mask), tick));
            }
        }
        earliestTick = findEarliest();
        return fired;
    }

    /**
     * A lower bound on the next due tick: the first non-empty bucket after the processed tick. Its entries may
     * belong to a later rotation, which costs one wakeup per such bucket and rotation.
     */
    private long findEarliest() {
        if (size == 0) {
            return Long.MAX_VALUE;
        }
        for (long tick = processedTick + 1; tick <= processedTick + mask + 1; tick++) {
            if (heads[(int) (tick & mask)] != null) {
                return tick;
            }
        }
        return Long.MAX_VALUE;
    }

    /** Unlinks the entries of one bucket that are due and returns them as a chain in list order. */
    private Timeout detachDue(int bucket, long tick) {
        Timeout chainHead = null;
        Timeout chainTail = null;
        Timeout t = heads[bucket];
        while (t != null) {
            Timeout next = t.next;
            if (t.deadlineTick <= tick) {
                unlink(t);
                if (chainTail == null) {
                    chainHead = t;
                } else {
                    chainTail.next = t;
                }
                chainTail = t;
            }
            t = next;
        }
        return chainHead;
    }

    private int fireChain(Timeout t) {
        int fired = 0;
        while (t != null) {
            Timeout next = t.next;
            t.next = null;
            if (fire(t)) {
                fired++;
            }
            t = next;
        }
        return fired;
    }

    /**
     * The clock jumped more than one rotation (the loop was stalled): walking tick by tick would cost
     * the length of the stall, so collect everything due from all buckets and fire in deadline order.
     * The sort is stable, which keeps scheduling order within a tick.
     */
    private int sweepAll(long nowTick) {
        processedTick = nowTick;
        List<Timeout> due = new ArrayList<>();
        for (int b = 0; b <= mask; b++) {
            for (Timeout t = detachDue(b, nowTick); t != null; ) {
                Timeout next = t.next;
                t.next = null;
                due.add(t);
                t = next;
            }
        }
        due.sort(Comparator.comparingLong(t -> t.deadlineTick));
        int fired = 0;
        for (Timeout t : due) {
            if (fire(t)) {
                fired++;
            }
        }
        return fired;
    }

    private boolean fire(Timeout t) {
        // Cancelled by an earlier task of the same batch.
        if (t.state != Timeout.PENDING) {
            return false;
        }
        t.state = Timeout.EXPIRED;
        Runnable task = t.task;
        t.task = null;
        try {
            task.run();
        } catch (Throwable e) {
            log.error("timer task failed", e);
        }
        return true;
    }

    private void link(Timeout t) {
        int b = (int) (t.deadlineTick & mask);
        t.bucket = b;
        Timeout tail = tails[b];
        t.prev = tail;
        if (tail == null) {
            heads[b] = t;
        } else {
            tail.next = t;
        }
        tails[b] = t;
        size++;
    }

    void unlink(Timeout t) {
        int b = t.bucket;
        if (t.prev == null) {
            heads[b] = t.next;
        } else {
            t.prev.next = t.next;
        }
        if (t.next == null) {
            tails[b] = t.prev;
        } else {
            t.next.prev = t.prev;
        }
        t.prev = null;
        t.next = null;
        t.bucket = Timeout.DETACHED;
        size--;
    }
}
