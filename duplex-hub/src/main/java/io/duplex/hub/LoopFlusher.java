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
    /** The last batch of publications built in this pass, and what it holds: the next session likely gets the same. */
    private Object[] lastItems = new Object[0];
    private int lastCount;
    private Batch lastBatch;

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
        forgetBatch();
    }

    /**
     * One frame for {@code items[from, to)}, all publications: the batch built for the previous session when it
     * held the very same publications (the common case in fan-out: every subscriber of a topic on this loop gets
     * the same ones in the same pass), else a new one. Encoding and compression then happen once per loop pass.
     */
    Batch batch(java.util.List<Object> items, int from, int to) {
        int n = to - from;
        boolean same = lastBatch != null && n == lastCount;
        for (int i = 0; same && i < n; i++) {
            same = lastItems[i] == items.get(from + i);
        }
        if (same) {
            return lastBatch;
        }
        int size = n - 1;
        for (int i = from; i < to; i++) {
            size += ((Publication) items.get(i)).wire().length;
        }
        byte[] wire = new byte[size];
        int at = 0;
        if (lastItems.length < n) {
            lastItems = new Object[Math.max(n, lastItems.length * 2)];
        }
        for (int i = from; i < to; i++) {
            if (i > from) {
                wire[at++] = '\n';
            }
            byte[] w = ((Publication) items.get(i)).wire();
            System.arraycopy(w, 0, wire, at, w.length);
            at += w.length;
            lastItems[i - from] = items.get(i);
        }
        lastCount = n;
        lastBatch = new Batch(wire);
        return lastBatch;
    }

    private void forgetBatch() {
        if (lastBatch != null) {
            java.util.Arrays.fill(lastItems, 0, lastCount, null);
            lastCount = 0;
            lastBatch = null;
        }
    }
}
