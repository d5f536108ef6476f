package io.duplex.server;

import io.duplex.net.EventLoop;
import io.duplex.net.EventLoopGroup;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop lag: every 500 ms each loop is handed a task, and the time until it runs is recorded in
 * {@code duplex_event_loop_lag_seconds{loop}}. A loop busy with long callbacks, or starved of CPU, shows here
 * before its clients notice.
 */
final class LoopLag {
    private LoopLag() {}

    private static final long PERIOD_MS = 500;

    static void register(EventLoopGroup group, MeterRegistry registry) {
        for (EventLoop loop : group.loops()) {
            Timer timer = Timer.builder("duplex.event.loop.lag").tag("loop", loop.name())
                    .description("Delay between handing a task to an event loop and its start")
                    .publishPercentiles(0.5, 0.99).register(registry);
            loop.execute(() -> probe(loop, timer));
        }
    }

    /** Loop thread. */
    private static void probe(EventLoop loop, Timer timer) {
        loop.schedule(PERIOD_MS, TimeUnit.MILLISECONDS, () -> {
            long handed = System.nanoTime();
            loop.execute(() -> {
                timer.record(System.nanoTime() - handed, TimeUnit.NANOSECONDS);
                if (!loop.isShutdown()) {
                    probe(loop, timer);
                }
            });
        });
    }
}
