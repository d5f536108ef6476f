package io.duplex.net;

/**
 * A task scheduled on a {@link TimerWheel}. The handle is also the wheel's list node, so scheduling
 * allocates exactly one object and cancelling is an unlink.
 *
 * <p>Thread-safety: confined to the thread that drives the owning wheel (the event loop thread).
 * Cancel from elsewhere by hopping with {@link EventLoop#execute(Runnable)}.
 */
public final class Timeout {
    static final int PENDING = 0;
    static final int CANCELLED = 1;
    static final int EXPIRED = 2;

    /** Bucket index while linked into the wheel; {@link #DETACHED} once taken out to fire. */
    static final int DETACHED = -1;

    final TimerWheel wheel;
    Runnable task;
    final long deadlineTick;
    int bucket = DETACHED;
    int state = PENDING;
    Timeout prev;
    Timeout next;

    Timeout(TimerWheel wheel, long deadlineTick, Runnable task) {
        this.wheel = wheel;
        this.deadlineTick = deadlineTick;
        this.task = task;
    }

    /**
     * Cancels the task if it has not run yet. O(1).
     *
     * @return true if this call prevented the task from running
     */
    public boolean cancel() {
        if (state != PENDING) {
            return false;
        }
        state = CANCELLED;
        // A timeout already detached for firing stays in the firing chain; the state check stops it.
        if (bucket != DETACHED) {
            wheel.unlink(this);
        }
        task = null;
        return true;
    }

    public boolean isCancelled() {
        return state == CANCELLED;
    }

    public boolean isExpired() {
        return state == EXPIRED;
    }
}
