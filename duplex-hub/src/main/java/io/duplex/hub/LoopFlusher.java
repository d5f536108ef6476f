package io.duplex.hub;

import io.duplex.net.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Batching, per event loop: sessions that got something to send during a loop pass are flushed once, by one task
 * queued behind the work of that pass (or after {@code maxDelay} when one is set), so several deliveries to one
 * session leave in one frame and one write. Confined to its loop.
 */
final class LoopFlusher {
    private final EventLoop loop;
    private final long delayNanos;
    private ArrayList<HubSession> queued = new ArrayList<>();
    private ArrayList<HubSession> spare = new ArrayList<>();
    private boolean scheduled;
    private final Runnable flushAll = this::flushAll;

    LoopFlusher(EventLoop loop, Duration maxDelay) {
        this.loop = loop;
        this.delayNanos = maxDelay.toNanos();
    }

    void queue(HubSession s) {
        queued.add(s);
        if (!scheduled) {
            scheduled = true;
            if (delayNanos > 0) {
                loop.schedule(delayNanos, TimeUnit.NANOSECONDS, flushAll);
            } else {
                loop.execute(flushAll);
            }
        }
    }

    private void flushAll() {
        scheduled = false;
        ArrayList<HubSession> now = queued;
        queued = spare;
        for (int i = 0, n = now.size(); i < n; i++) {
            HubSession s = now.get(i);
            s.flushQueued = false;
            s.flush();
        }
        now.clear();
        spare = now;
    }
}
