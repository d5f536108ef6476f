package io.duplex.hub.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IpLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private static final InetAddress A = ip("192.0.2.1");
    private static final InetAddress B = ip("192.0.2.2");

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void attemptsAreLimitedPerAddress() {
        IpLimiter limiter = new IpLimiter(2, 2, 0);

        assertThat(limiter.tryAdmit(A, 0).admitted()).isTrue();
        assertThat(limiter.tryAdmit(A, 0).admitted()).isTrue();
        IpLimiter.Admission third = limiter.tryAdmit(A, 0);
        assertThat(third.admitted()).isFalse();
        assertThat(third.reason()).contains("attempts");
        assertThat(third.retryAfterNanos()).isEqualTo(SECOND / 2);
        assertThat(limiter.tryAdmit(B, 0).admitted()).as("other addresses are unaffected").isTrue();
        assertThat(limiter.tryAdmit(A, SECOND / 2).admitted()).isTrue();
    }

    @Test
    void concurrentConnectionsAreLimitedAndReleased() {
        IpLimiter limiter = new IpLimiter(0, 0, 2);

        assertThat(limiter.tryAdmit(A, 0).admitted()).isTrue();
        assertThat(limiter.tryAdmit(A, 0).admitted()).isTrue();
        IpLimiter.Admission third = limiter.tryAdmit(A, 0);
        assertThat(third.admitted()).isFalse();
        assertThat(third.reason()).contains("open connections");
        assertThat(third.retryAfterNanos()).isZero();
        assertThat(limiter.concurrent(A)).isEqualTo(2);

        limiter.release(A);
        assertThat(limiter.concurrent(A)).isEqualTo(1);
        assertThat(limiter.tryAdmit(A, 0).admitted()).isTrue();
    }

    @Test
    void refusedForConcurrencyStillCountsTheAttempt() {
        IpLimiter limiter = new IpLimiter(1, 2, 1);

        assertThat(limiter.tryAdmit(A, 0).admitted()).isTrue();
        assertThat(limiter.tryAdmit(A, 0).reason()).contains("open connections");
        limiter.release(A);
        assertThat(limiter.tryAdmit(A, 0).reason()).contains("attempts");
    }

    @Test
    void idleEntriesAreDropped() {
        IpLimiter limiter = new IpLimiter(1, 1, 5);
        limiter.tryAdmit(A, 0);
        limiter.tryAdmit(B, 0);
        limiter.release(B);

        assertThat(limiter.trackedAddresses()).isEqualTo(2);
        assertThat(limiter.sweep(SECOND - 1000)).as("B's bucket is not full yet").isEqualTo(2);
        assertThat(limiter.sweep(SECOND)).as("B is idle, A still connected").isEqualTo(1);
        limiter.release(A);
        assertThat(limiter.trackedAddresses()).isEqualTo(1);
        assertThat(limiter.sweep(2 * SECOND)).isZero();
        limiter.release(A);
        assertThat(limiter.concurrent(A)).as("extra release is ignored").isZero();
    }

    @Test
    void releaseWithoutAttemptLimitForgetsTheAddressAtOnce() {
        IpLimiter limiter = new IpLimiter(0, 0, 3);
        limiter.tryAdmit(A, 0);
        limiter.release(A);

        assertThat(limiter.trackedAddresses()).isZero();
    }

    @Test
    void manyAddressesStayBoundedBySweeps() {
        IpLimiter limiter = new IpLimiter(10, 1, 0);
        for (int i = 0; i < 100_000; i++) {
            InetAddress ip = ip("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
            limiter.tryAdmit(ip, i * (SECOND / 1000));
            limiter.release(ip);
        }
        // each bucket is full again 100 ms after its attempt: about 100 addresses are active at any time
        assertThat(limiter.trackedAddresses()).isLessThan(2 * 1024 + 100);
    }

    @Test
    void ipv6PrefixGroupsAddresses() {
        IpLimiter limiter = new IpLimiter(0, 0, 1, 64);

        assertThat(limiter.tryAdmit(ip("2001:db8::1"), 0).admitted()).isTrue();
        assertThat(limiter.tryAdmit(ip("2001:db8::2"), 0).admitted()).isFalse();
        assertThat(limiter.tryAdmit(ip("2001:db8:0:1::1"), 0).admitted()).isTrue();
        assertThat(limiter.concurrent(ip("2001:db8::ffff"))).isEqualTo(1);
    }

    @Test
    void countsStayConsistentUnderConcurrentUse() throws Exception {
        int threads = 8;
        int rounds = 20_000;
        int maxConcurrent = 5;
        IpLimiter limiter = new IpLimiter(0, 0, maxConcurrent);
        List<InetAddress> addresses = List.of(A, B, ip("192.0.2.3"));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> admittedPerThread = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                admittedPerThread.add(pool.submit(() -> {
                    start.await();
                    int admitted = 0;
                    for (int i = 0; i < rounds; i++) {
                        InetAddress ip = addresses.get((i + seed) % addresses.size());
                        if (limiter.tryAdmit(ip, 0).admitted()) {
                            admitted++;
                            assertThat(limiter.concurrent(ip)).isBetween(1, maxConcurrent);
                            limiter.release(ip);
                        }
                    }
                    return admitted;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : admittedPerThread) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isPositive();
            for (InetAddress ip : addresses) {
                assertThat(limiter.concurrent(ip)).isZero();
            }
            assertThat(limiter.trackedAddresses()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void neverMoreThanTheLimitHeldAtOnceAcrossThreads() throws Exception {
        int threads = 8;
        IpLimiter limiter = new IpLimiter(0, 0, 3);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return limiter.tryAdmit(A, 0).admitted() ? 1 : 0;
                }));
            }
            start.countDown();
            int admitted = 0;
            for (Future<Integer> f : results) {
                admitted += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(admitted).isEqualTo(3);
            assertThat(limiter.concurrent(A)).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
    }
}
