package io.duplex.hub.security;

/**
 * A token bucket: holds up to {@code burst} tokens and gains {@code ratePerSecond} of them each second, so over
 * any stretch of time {@code t} at most {@code burst + rate * t} can be taken. Bounds how fast one client may
 * act (publish, subscribe, connect) while letting a short burst through.
 *
 * <p>Thread-safety: not thread-safe; one bucket per connection, used on its event loop. Time is passed in as
 * {@link System#nanoTime()} values, so the bucket reads no clock and tests need no sleeps; time going backwards
 * counts as no time.
 */
public final class TokenBucket {
    /** Absorbs floating-point error so that waiting exactly {@link #nanosUntilAvailable} is always enough. */
    private static final double EPSILON = 1e-9;

    private final double perNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    /** A full bucket. Both numbers must be positive and finite. */
    public TokenBucket(double ratePerSecond, double burst, long nowNanos) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be positive and finite, got " + ratePerSecond);
        }
        if (!(burst > 0) || Double.isInfinite(burst)) {
            throw new IllegalArgumentException("burst must be positive and finite, got " + burst);
        }
        this.perNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes {@code amount} tokens if that many are there, else takes none. */
    public boolean tryTake(double amount, long nowNanos) {
        refill(nowNanos);
        if (tokens + EPSILON < amount) {
            return false;
        }
        tokens = Math.max(0, tokens - amount);
        return true;
    }

    /**
     * Nanoseconds until {@code amount} tokens will be there (0 when they are now), for a retry hint;
     * {@link Long#MAX_VALUE} when {@code amount} exceeds the burst and never will be.
     */
    public long nanosUntilAvailable(double amount, long nowNanos) {
        refill(nowNanos);
        if (tokens + EPSILON >= amount) {
            return 0;
        }
        if (amount > burst + EPSILON) {
            return Long.MAX_VALUE;
        }
        return (long) Math.ceil((amount - tokens) / perNano);
    }

    /** Tokens there now (after refilling to {@code nowNanos}). */
    public double available(long nowNanos) {
        refill(nowNanos);
        return tokens;
    }

    /** Whether the bucket is full at {@code nowNanos}, i.e. it is no different from a new one. */
    public boolean isFull(long nowNanos) {
        return available(nowNanos) + EPSILON >= burst;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * perNano);
            lastNanos = nowNanos;
        }
    }
}
