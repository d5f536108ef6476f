package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EventLoopTest {
    private final EventLoop loop = new EventLoop("test-loop");

    @AfterEach
    void stop() throws Exception {
        loop.shutdown().get(10, TimeUnit.SECONDS);
    }

    @Test
    void runsTasksOnItsOwnThread() throws Exception {
        assertThat(loop.inEventLoop()).isFalse();
        assertThat(loop.submit(loop::inEventLoop).get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void foreignThreadsKeepTheirSubmissionOrder() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        List<List<Integer>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            seen.add(new ArrayList<>(perThread));
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Integer> mine = seen.get(t);
            Thread p = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    int value = i;
                    // The list is only touched on the loop thread.
                    loop.execute(() -> mine.add(value));
                }
            });
            p.start();
            producers.add(p);
        }
        start.countDown();
        for (Thread p : producers) {
            p.join(TimeUnit.SECONDS.toMillis(20));
        }
        loop.submit(() -> null).get(10, TimeUnit.SECONDS);
        List<List<Integer>> snapshot = loop.submit(() -> {
            List<List<Integer>> copy = new ArrayList<>();
            for (List<Integer> l : seen) {
                copy.add(new ArrayList<>(l));
            }
            return copy;
        }).get(10, TimeUnit.SECONDS);
        for (List<Integer> l : snapshot) {
            assertThat(l).hasSize(perThread);
            for (int i = 0; i < perThread; i++) {
                assertThat(l.get(i)).isEqualTo(i);
            }
        }
    }

    @Test
    void failingTaskDoesNotKillTheLoop() throws Exception {
        loop.execute(() -> {
            throw new IllegalStateException("boom (expected by test)");
        });
        loop.execute(() -> {
            throw new AssertionError("error (expected by test)");
        });
        assertThat(loop.submit(() -> 42).get(5, TimeUnit.SECONDS)).isEqualTo(42);
    }

    /**
     * Every round trip leaves the loop with nothing to do, so it goes back to a select with no
     * timeout; a lost wakeup would hang the next round until the future times out.
     */
    @Test
    void wakeupIsNeverLost() throws Exception {
        for (int i = 0; i < 20_000; i++) {
            int expected = i;
            if ((i & 7) == 0) {
                // Vary the phase so that submissions land on both sides of the loop's flag check.
                Thread.onSpinWait();
            }
            assertThat(loop.submit(() -> expected).get(5, TimeUnit.SECONDS)).isEqualTo(expected);
        }
    }

    @Test
    void wakeupIsNeverLostWithRacingProducers() throws Exception {
        int producers = 3;
        int rounds = 3_000;
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            done.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < rounds; i++) {
                    loop.submit(() -> null).orTimeout(5, TimeUnit.SECONDS).join();
                }
            }));
        }
        CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(50, TimeUnit.SECONDS);
    }

    @Test
    void timersFireOnTheLoop() throws Exception {
        CompletableFuture<Long> fired = new CompletableFuture<>();
        long start = System.nanoTime();
        loop.execute(() -> loop.schedule(30, TimeUnit.MILLISECONDS, () -> {
            if (loop.inEventLoop()) {
                fired.complete(System.nanoTime() - start);
            } else {
                fired.completeExceptionally(new AssertionError("timer ran off the loop"));
            }
        }));
        assertThat(fired.get(5, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
    }

    @Test
    void scheduleOffTheLoopIsRefused() {
        assertThatThrownBy(() -> loop.schedule(1, TimeUnit.SECONDS, () -> { }))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shutdownRunsQueuedTasksThenRejects() throws Exception {
        CompletableFuture<Void> ran = new CompletableFuture<>();
        loop.execute(() -> ran.complete(null));
        loop.shutdown().get(10, TimeUnit.SECONDS);
        assertThat(ran).isDone();
        assertThat(loop.isShutdown()).isTrue();
        assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void groupHandsOutLoopsRoundRobin() throws Exception {
        EventLoopGroup group = new EventLoopGroup(3, "rr");
        try {
            Set<EventLoop> firstRound = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                firstRound.add(group.next());
            }
            assertThat(firstRound).hasSize(3);
            assertThat(group.next()).isSameAs(group.loops().get(0));
        } finally {
            group.shutdown().get(10, TimeUnit.SECONDS);
        }
    }
}
