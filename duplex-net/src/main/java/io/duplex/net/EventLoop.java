package io.duplex.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread running one {@link Selector}. Every channel registered here, and all state of the
 * connections on it, is confined to this thread, so the I/O path needs no locks.
 *
 * <p>Each iteration: select (blocking only when there is nothing else to do), dispatch ready keys,
 * fire due timers, run queued tasks. After every read dispatch, task and timer batch the loop
 * flushes the connections written to meanwhile, which is what makes corking work.
 *
 * <h2>Waking the selector</h2>
 * {@code selector.wakeup()} is a system call, so {@link #execute} makes it only when the loop is
 * asleep or about to be. The loop sets {@code sleeping} and then checks the task queue before it
 * blocks; a producer enqueues and then reads {@code sleeping}. Both the flag and the queue are
 * accessed with volatile semantics, so in any interleaving at least one side sees the other's
 * write: either the loop finds the task and does not block, or the producer finds the flag set and
 * calls {@code wakeup()}. A wakeup delivered before {@code select()} starts makes that select return
 * at once, so it cannot be lost in the gap between the check and the call. The producer clears the
 * flag with a compare-and-set, so of many producers racing only one pays for the system call.
 *
 * <p>Thread-safety: {@link #execute}, {@link #submit}, {@link #shutdown}, {@link #inEventLoop},
 * {@link #terminationFuture} and {@link #isShutdown} are safe from any thread. {@link #schedule}
 * and everything package-private is for the loop thread only.
 */
public final class EventLoop implements Executor {
    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    /** Shared read buffer size: large enough to drain a typical socket receive buffer in one call. */
    public static final int READ_BUFFER_SIZE = 64 * 1024;
    /** Upper bound on buffers per gathering write; matches the common IOV_MAX order of magnitude. */
    static final int GATHER_LIMIT = 64;
    /** Tasks run per iteration before I/O gets another turn, so a task flood cannot starve sockets. */
    private static final int MAX_TASKS_PER_ITERATION = 4096;

    /**
     * {@code -Dduplex.loopStats=true}: every loop keeps a histogram of how long each pass (from the select's
     * return to the next select) took, to tell a latency tail caused by the loop from one caused elsewhere. Off by
     * default: it costs two clock reads per pass.
     */
    static final boolean PASS_STATS = Boolean.getBoolean("duplex.loopStats");

    private static final int RUNNING = 0;
    private static final int SHUTTING_DOWN = 1;
    private static final int TERMINATED = 2;

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final TimerWheel timers;

    // Loop-thread state below.
    private ByteBuffer readBuffer;
    private ByteBuffer tlsAppBuffer;
    private ByteBuffer tlsNetBuffer;
    private final ByteBuffer[] gather = new ByteBuffer[GATHER_LIMIT];
    private final ArrayDeque<Connection> dirty = new ArrayDeque<>();
    private final ArrayDeque<Runnable> afterSelect = new ArrayDeque<>();
    private long writeCalls;
    /** With {@link #PASS_STATS}: passes by duration, bucket b holding [2^(b-1), 2^b) ns; and the longest pass. */
    private final long[] passBuckets = PASS_STATS ? new long[64] : null;
    private long longestPassNanos;
    private volatile long messageBufferPoolBytes = MessageBufferPool.DEFAULT_MAX_BYTES;
    private MessageBufferPool messageBuffers;

    public EventLoop(String name) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open selector", e);
        }
        this.timers = new TimerWheel(System::nanoTime);
        this.thread = new Thread(this::run, name);
        thread.start();
    }

    /** True when called on this loop's thread. */
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Queues {@code task} to run on the loop thread after the tasks queued before it. Exceptions
     * thrown by the task are logged. Writes the task makes are flushed when it returns.
     *
     * @throws RejectedExecutionException once the loop has terminated
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (state.get() == TERMINATED) {
            throw new RejectedExecutionException("event loop " + thread.getName() + " has terminated");
        }
        tasks.offer(task);
        // Raced with termination: the final drain may already be over, so take the task back.
        if (state.get() == TERMINATED && tasks.remove(task)) {
            throw new RejectedExecutionException("event loop " + thread.getName() + " has terminated");
        }
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} on the loop and completes the future with its result or exception. */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Schedules a timer on this loop's wheel. Loop thread only. */
    public Timeout schedule(long delay, TimeUnit unit, Runnable task) {
        assertInLoop();
        return timers.schedule(delay, unit, task);
    }

    /**
     * Stops the loop: runs the tasks already queued, closes every channel registered here (each
     * connection gets {@code onClose(conn, null)} after a last non-blocking flush attempt), then
     * closes the selector. Idempotent.
     */
    public CompletableFuture<Void> shutdown() {
        if (state.compareAndSet(RUNNING, SHUTTING_DOWN)) {
            selector.wakeup();
        }
        return terminationFuture();
    }

    /** Completes when the loop thread has finished. */
    public CompletableFuture<Void> terminationFuture() {
        return terminated.copy();
    }

    public boolean isShutdown() {
        return state.get() != RUNNING;
    }

    public String name() {
        return thread.getName();
    }

    @Override
    public String toString() {
        return "EventLoop[" + thread.getName() + "]";
    }

    // ---- loop-thread API for the transport classes ----

    SelectionKey register(SelectableChannel ch, int ops, Selectable attachment) throws ClosedChannelException {
        return ch.register(selector, ops, attachment);
    }

    /** The shared read buffer. Valid only until the caller returns to the loop. */
    ByteBuffer readBuffer() {
        ByteBuffer b = readBuffer;
        if (b == null) {
            // Allocated on first read so that idle loops (and unit tests of timers) do not pay for it.
            b = readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
        }
        return b;
    }

    /**
     * Bounds the direct memory this loop lends its WebSocket connections to reassemble large messages in (default
     * 16 MiB; 0 keeps every message on the heap as the engine reassembles it). Takes effect for connections
     * opened afterwards, once the pool exists: set it before the loop serves connections. Any thread.
     */
    public void messageBufferPoolBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("messageBufferPoolBytes must not be negative: " + bytes);
        }
        messageBufferPoolBytes = bytes;
    }

    /** The pool of large-message buffers (created on first use), or null when pooling is off. Loop thread only. */
    MessageBufferPool messageBuffers() {
        MessageBufferPool p = messageBuffers;
        if (p == null && messageBufferPoolBytes > 0) {
            p = messageBuffers = new MessageBufferPool(messageBufferPoolBytes);
        }
        return p;
    }

    /** Shared TLS plaintext buffer for unwrap; reallocated if a session asks for more. */
    ByteBuffer tlsApplicationBuffer(int minSize) {
        return tlsAppBuffer = cleared(tlsAppBuffer, minSize);
    }

    /** Shared TLS record buffer for wrap; the produced bytes are copied out before it is reused. */
    ByteBuffer tlsPacketBuffer(int minSize) {
        return tlsNetBuffer = cleared(tlsNetBuffer, minSize);
    }

    private static ByteBuffer cleared(ByteBuffer b, int minSize) {
        if (b == null || b.capacity() < minSize) {
            return ByteBuffer.allocate(minSize);
        }
        return b.clear();
    }

    /** Scratch array for gathering writes; callers must null out the slots they used. */
    ByteBuffer[] gatherArray() {
        return gather;
    }

    void countWriteCall() {
        writeCalls++;
    }

    /** Gathering write calls made by this loop so far. Loop thread only; use {@link #submit} to read. */
    public long writeCalls() {
        assertInLoop();
        return writeCalls;
    }

    /** Number of channels registered (cancelled keys disappear at the next select). Loop thread only. */
    public int registeredChannels() {
        assertInLoop();
        int n = 0;
        for (SelectionKey k : selector.keys()) {
            if (k.isValid()) {
                n++;
            }
        }
        return n;
    }

    /** Calls {@code action} for every open connection registered on this loop. Loop thread only. */
    void forEachConnection(java.util.function.Consumer<Connection> action) {
        assertInLoop();
        List<Connection> open = new ArrayList<>();
        for (SelectionKey k : selector.keys()) {
            if (k.isValid() && k.attachment() instanceof Connection c && !c.isClosed()) {
                open.add(c);
            }
        }
        for (Connection c : open) {
            action.accept(c);
        }
    }

    /**
     * Runs {@code action} right after the next select. A closed channel keeps its descriptor (and a
     * listening socket keeps accepting) until a select has deregistered its cancelled key; this is
     * how to act once that has happened.
     */
    void runAfterNextSelect(Runnable action) {
        afterSelect.add(action);
    }

    /** Remembers a connection with unflushed writes until the current dispatch ends. */
    void markDirty(Connection c) {
        dirty.add(c);
    }

    /** Flushes every connection written to since the last call. */
    void flushDirty() {
        Connection c;
        while ((c = dirty.poll()) != null) {
            c.flushScheduled();
        }
        if (borrowedCount > 0) {
            // The read buffer is about to be reused: whatever of it is still queued must become a copy. Usually
            // every view was written in full and nothing is copied.
            java.util.Map<Connection, java.util.Set<ByteBuffer>> pending = null;
            for (int i = 0; i < borrowedCount; i++) {
                if (borrowedViews[i].hasRemaining()) {
                    if (pending == null) {
                        pending = new java.util.IdentityHashMap<>();
                    }
                    pending.computeIfAbsent(borrowedBy[i],
                            k -> java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()))
                            .add(borrowedViews[i]);
                }
                borrowedBy[i] = null;
                borrowedViews[i] = null;
            }
            borrowedCount = 0;
            if (pending != null) {
                pending.forEach(Connection::unborrow);
            }
        }
        // Every arena view still queued was copied just above: the arena is free again.
        arenaUsed = 0;
        arenaTail = null;
        arenaTailOwner = null;
        if (messageBuffers != null) {
            // No queued view of a released message buffer is left: the buffers may be lent again.
            messageBuffers.reclaim();
        }
    }

    /** Write arena: small frames of the current dispatch, copied into direct memory; reset after each flush. */
    static final int ARENA_SIZE = 64 * 1024;
    private ByteBuffer arena;
    private int arenaUsed;
    /** The arena view last handed out, and to whom: the next small frame of the same connection extends it. */
    private ByteBuffer arenaTail;
    private Connection arenaTailOwner;

    /** Whether {@code n} more bytes fit in the write arena in this dispatch. */
    boolean arenaHasRoom(int n) {
        return arenaUsed + n <= ARENA_SIZE;
    }

    /**
     * Copies {@code header} and {@code payload} (payload may be null) into the write arena for {@code c}, which
     * must have room ({@link #arenaHasRoom}). If {@code last}, {@code c}'s newest queued buffer, is the arena view
     * made for {@code c} last, that view grows to cover the new bytes and null is returned; otherwise the new view
     * is returned for the caller to queue. Views are registered as borrowed, so whatever of them stays queued is
     * copied at the end of the dispatch, before the arena is reused. Loop thread.
     */
    ByteBuffer copyToArena(Connection c, ByteBuffer last, ByteBuffer header, ByteBuffer payload, int n) {
        ByteBuffer a = arena;
        if (a == null) {
            a = arena = ByteBuffer.allocateDirect(ARENA_SIZE);
        }
        int start = arenaUsed;
        a.put(start, header, header.position(), header.remaining());
        if (payload != null) {
            a.put(start + header.remaining(), payload, payload.position(), payload.remaining());
        }
        arenaUsed = start + n;
        if (last != null && last == arenaTail && arenaTailOwner == c && last.limit() == start) {
            last.limit(arenaUsed);
            return null;
        }
        ByteBuffer view = a.duplicate().limit(arenaUsed).position(start);
        arenaTail = view;
        arenaTailOwner = c;
        borrowed(c, view);
        return view;
    }

    private Connection[] borrowedBy = new Connection[16];
    private ByteBuffer[] borrowedViews = new ByteBuffer[16];
    private int borrowedCount;

    /**
     * Records a queued view of the read buffer or of a pooled message buffer, checked at the end of the current
     * dispatch. Loop thread.
     */
    void borrowed(Connection c, ByteBuffer view) {
        if (borrowedCount == borrowedBy.length) {
            borrowedBy = java.util.Arrays.copyOf(borrowedBy, borrowedCount * 2);
            borrowedViews = java.util.Arrays.copyOf(borrowedViews, borrowedCount * 2);
        }
        borrowedBy[borrowedCount] = c;
        borrowedViews[borrowedCount++] = view;
    }

    void assertInLoop() {
        if (!inEventLoop()) {
            throw new IllegalStateException("must be called on " + thread.getName()
                    + ", not " + Thread.currentThread().getName() + "; use execute() to hop");
        }
    }

    // ---- the loop ----

    private void run() {
        try {
            while (state.get() == RUNNING) {
                try {
                    select();
                    long passStart = PASS_STATS ? System.nanoTime() : 0;
                    runAfterSelect();
                    processSelectedKeys();
                    if (timers.advance() > 0) {
                        flushDirty();
                    }
                    runTasks(MAX_TASKS_PER_ITERATION);
                    if (PASS_STATS) {
                        recordPass(System.nanoTime() - passStart);
                    }
                } catch (IOException e) {
                    // A selector failure is not recoverable in a meaningful way; log and keep trying
                    // so that queued tasks and shutdown still run.
                    log.error("{}: selector failed", thread.getName(), e);
                } catch (Throwable e) {
                    log.error("{}: unexpected failure in loop", thread.getName(), e);
                }
            }
            closeAll();
        } finally {
            state.set(TERMINATED);
            // Tasks that slipped in before TERMINATED became visible still run, so none is lost.
            runTasks(Integer.MAX_VALUE);
            terminated.complete(null);
        }
    }

    private void recordPass(long nanos) {
        passBuckets[64 - Long.numberOfLeadingZeros(Math.max(0, nanos))]++;
        longestPassNanos = Math.max(longestPassNanos, nanos);
    }

    /**
     * With {@code -Dduplex.loopStats=true}, the passes of this loop so far by duration, e.g. {@code "passes
     * 1234567: <1us 5, <2us 100, ... <1ms 3; longest 812 us"}; otherwise null. Loop thread; use {@link #submit}.
     */
    public String passStats() {
        assertInLoop();
        if (!PASS_STATS) {
            return null;
        }
        long total = 0;
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < passBuckets.length; b++) {
            if (passBuckets[b] == 0) {
                continue;
            }
            total += passBuckets[b];
            long upper = 1L << b;
            String bound = upper < 1_000 ? upper + "ns" : upper < 1_000_000 ? upper / 1_000 + "us" : upper / 1_000_000 + "ms";
            sb.append(sb.length() == 0 ? "" : ", ").append('<').append(bound).append(' ').append(passBuckets[b]);
        }
        return "passes " + total + ": " + sb + "; longest " + longestPassNanos / 1_000 + " us";
    }

    private void runAfterSelect() {
        Runnable r;
        while ((r = afterSelect.poll()) != null) {
            try {
                r.run();
            } catch (Throwable e) {
                log.error("{}: post-select action failed", thread.getName(), e);
            }
        }
    }

    private void select() throws IOException {
        if (!tasks.isEmpty() || !afterSelect.isEmpty()) {
            selector.selectNow();
            return;
        }
        long timeoutMillis = 0;
        if (!timers.isEmpty()) {
            long nanos = timers.nanosToNextTick();
            if (nanos <= 0) {
                selector.selectNow();
                return;
            }
            // Long.MAX_VALUE: the pending timers are practically never due (their delay saturated); block like a
            // loop without timers.
            timeoutMillis = nanos >= Long.MAX_VALUE - 999_999 ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
        }
        sleeping.set(true);
        try {
            // Re-check after publishing the flag: see the class comment.
            if (!tasks.isEmpty() || state.get() != RUNNING) {
                selector.selectNow();
            } else if (timeoutMillis == 0) {
                selector.select();
            } else {
                selector.select(timeoutMillis);
            }
        } finally {
            sleeping.set(false);
        }
    }

    private void processSelectedKeys() {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            Selectable s = (Selectable) key.attachment();
            try {
                if (key.isValid()) {
                    s.ready(key);
                }
            } catch (Throwable e) {
                log.error("{}: I/O dispatch failed", thread.getName(), e);
            }
            flushDirty();
        }
    }

    private void runTasks(int max) {
        for (int i = 0; i < max; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            try {
                task.run();
            } catch (Throwable e) {
                log.error("{}: task failed", thread.getName(), e);
            }
            flushDirty();
        }
    }

    private void closeAll() {
        runTasks(Integer.MAX_VALUE);
        List<Selectable> open = new ArrayList<>();
        for (SelectionKey k : selector.keys()) {
            if (k.isValid()) {
                open.add((Selectable) k.attachment());
            }
        }
        for (Selectable s : open) {
            try {
                s.closeForShutdown();
            } catch (Throwable e) {
                log.error("{}: close during shutdown failed", thread.getName(), e);
            }
        }
        runTasks(Integer.MAX_VALUE);
        try {
            selector.close();
        } catch (IOException e) {
            log.warn("{}: closing selector failed", thread.getName(), e);
        }
        // Closing the selector deregistered every key, which is what these were waiting for.
        runAfterSelect();
    }
}
