package io.duplex.hub.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission per client address: how often it may try to connect (a {@link TokenBucket} per address) and how
 * many connections it may hold open at once. Stops one host from exhausting file descriptors, memory or the
 * TLS/upgrade CPU budget with a connection flood, while other hosts still get in.
 *
 * <p>Thread-safety: thread-safe; meant to be shared by every event loop. Each address's state is changed only
 * under {@link ConcurrentHashMap#compute}, so different addresses never contend.
 *
 * <p>Memory: an address is tracked while it has open connections or its attempt bucket is not yet full again
 * (at most {@code attemptBurst / attemptsPerSecond} seconds after its last attempt). Entries past that are
 * idle: a fresh entry would behave the same, so they are dropped, at once when the last connection is
 * released with a full bucket, otherwise by a sweep that {@link #tryAdmit} runs every {@code max(1024, n)}
 * attempts, n being the entries the previous sweep left (amortised O(1) per attempt: a sweep visits at most n
 * plus the attempts since). Memory is thus bounded by the active addresses, not by every address
 * ever seen. {@link #sweep} can also be called from a timer.
 *
 * <p>IPv6: a single host often owns a whole /64, so per-address limits are easy to dodge with many addresses.
 * {@link #IpLimiter(double, double, int, int)} can count IPv6 addresses by prefix instead.
 */
public final class IpLimiter {
    private static final int MIN_SWEEP_INTERVAL = 1024;

    /**
     * The outcome of {@link #tryAdmit}.
     *
     * @param admitted whether the connection may proceed (it then holds a slot until {@link #release})
     * @param reason why not, as a short sentence; null when admitted
     * @param retryAfterNanos when refused for too many attempts, how long until one would be admitted; 0 when
     *     admitted or refused for too many open connections (that depends on when one closes)
     */
    public record Admission(boolean admitted, String reason, long retryAfterNanos) {
        static final Admission ADMITTED = new Admission(true, null, 0);
    }

    private final double attemptsPerSecond;
    private final double attemptBurst;
    private final int maxConcurrent;
    private final int ipv6PrefixBits;
    private final ConcurrentHashMap<InetAddress, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong attemptsSinceSweep = new AtomicLong();
    /** Attempts between sweeps: as many as entries were left by the last one, so sweeping stays amortised O(1). */
    private volatile int sweepInterval = MIN_SWEEP_INTERVAL;

    /**
     * Limits per exact address. Any argument {@code <= 0} turns its check off (both attempt arguments must
     * be positive for the attempt check to be on).
     */
    public IpLimiter(double attemptsPerSecond, double attemptBurst, int maxConcurrent) {
        this(attemptsPerSecond, attemptBurst, maxConcurrent, 128);
    }

    /** As {@link #IpLimiter(double, double, int)}, counting IPv6 addresses by their first {@code ipv6PrefixBits} bits (1 to 128). */
    public IpLimiter(double attemptsPerSecond, double attemptBurst, int maxConcurrent, int ipv6PrefixBits) {
        if (ipv6PrefixBits < 1 || ipv6PrefixBits > 128) {
            throw new IllegalArgumentException("ipv6PrefixBits must be 1 to 128, got " + ipv6PrefixBits);
        }
        boolean attemptsOn = attemptsPerSecond > 0 && attemptBurst > 0;
        this.attemptsPerSecond = attemptsOn ? attemptsPerSecond : 0;
        this.attemptBurst = attemptsOn ? attemptBurst : 0;
        this.maxConcurrent = Math.max(0, maxConcurrent);
        this.ipv6PrefixBits = ipv6PrefixBits;
    }

    /** Counts an attempt from {@code ip} and, when admitted, takes one of its concurrent slots. */
    public Admission tryAdmit(InetAddress ip, long nowNanos) {
        Admission[] outcome = new Admission[1];
        entries.compute(key(ip), (k, entry) -> {
            Entry e = entry != null ? entry : new Entry(nowNanos);
            outcome[0] = e.admit(nowNanos);
            return e.isIdle(nowNanos) ? null : e;
        });
        long attempts = attemptsSinceSweep.incrementAndGet();
        if (attempts >= sweepInterval && attemptsSinceSweep.compareAndSet(attempts, 0)) {
            sweep(nowNanos);
        }
        return outcome[0];
    }

    /** Gives back the slot of an admitted connection that has ended. Call exactly once per admission. */
    public void release(InetAddress ip) {
        entries.computeIfPresent(key(ip), (k, e) -> {
            if (e.concurrent > 0) {
                e.concurrent--;
            }
            return e.concurrent == 0 && (e.bucket == null || e.bucket.isFull(e.lastNanos)) ? null : e;
        });
    }

    /** Connections of {@code ip} admitted and not yet released. */
    public int concurrent(InetAddress ip) {
        Entry e = entries.get(key(ip));
        return e == null ? 0 : e.concurrent;
    }

    /** Drops idle entries; returns how many addresses are still tracked. */
    public int sweep(long nowNanos) {
        for (InetAddress ip : entries.keySet()) {
            entries.computeIfPresent(ip, (k, e) -> e.isIdle(nowNanos) ? null : e);
        }
        int left = entries.size();
        sweepInterval = Math.max(MIN_SWEEP_INTERVAL, left);
        return left;
    }

    /** Addresses (or IPv6 prefixes) tracked now; for metrics and tests. */
    public int trackedAddresses() {
        return entries.size();
    }

    private InetAddress key(InetAddress ip) {
        byte[] bytes = ip.getAddress();
        if (bytes.length != 16 || ipv6PrefixBits == 128) {
            return ip;
        }
        for (int bit = ipv6PrefixBits; bit < 128; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("16 bytes are always a valid address", e);
        }
    }

    /** One address's state; changed only inside a map compute for its key. */
    private final class Entry {
        final TokenBucket bucket;
        /** Written under the map's lock for this key; volatile for {@link #concurrent} reads. */
        volatile int concurrent;
        long lastNanos;

        Entry(long nowNanos) {
            this.bucket = attemptsPerSecond > 0 ? new TokenBucket(attemptsPerSecond, attemptBurst, nowNanos) : null;
            this.lastNanos = nowNanos;
        }

        Admission admit(long nowNanos) {
            lastNanos = Math.max(lastNanos, nowNanos);
            if (bucket != null && !bucket.tryTake(1, nowNanos)) {
                return new Admission(false, "too many connection attempts from this address",
                        Math.max(1, bucket.nanosUntilAvailable(1, nowNanos)));
            }
            if (maxConcurrent > 0 && concurrent >= maxConcurrent) {
                return new Admission(false, "too many open connections from this address", 0);
            }
            concurrent++;
            return Admission.ADMITTED;
        }

        boolean isIdle(long nowNanos) {
            return concurrent == 0 && (bucket == null || bucket.isFull(nowNanos));
        }
    }
}
