package io.duplex.net;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of event loops handed out round-robin.
 *
 * <p>Thread-safety: all methods are safe from any thread.
 */
public final class EventLoopGroup {
    private final EventLoop[] loops;
    private final AtomicInteger nextIndex = new AtomicInteger();

    /** One loop per available processor. */
    public EventLoopGroup() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public EventLoopGroup(int size) {
        this(size, "duplex-loop");
    }

    public EventLoopGroup(int size, String namePrefix) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1: " + size);
        }
        loops = new EventLoop[size];
        for (int i = 0; i < size; i++) {
            loops[i] = new EventLoop(namePrefix + "-" + i);
        }
    }

    /** The next loop in round-robin order. */
    public EventLoop next() {
        // floorMod keeps the index valid after the counter wraps around.
        return loops[Math.floorMod(nextIndex.getAndIncrement(), loops.length)];
    }

    public List<EventLoop> loops() {
        return List.of(loops);
    }

    public int size() {
        return loops.length;
    }

    /** Sets {@link EventLoop#messageBufferPoolBytes} on every loop of the group. */
    public EventLoopGroup messageBufferPoolBytes(long bytes) {
        for (EventLoop loop : loops) {
            loop.messageBufferPoolBytes(bytes);
        }
        return this;
    }

    /** Shuts every loop down; completes when all have terminated. */
    public CompletableFuture<Void> shutdown() {
        CompletableFuture<?>[] fs = new CompletableFuture<?>[loops.length];
        for (int i = 0; i < loops.length; i++) {
            fs[i] = loops[i].shutdown();
        }
        return CompletableFuture.allOf(fs);
    }
}
