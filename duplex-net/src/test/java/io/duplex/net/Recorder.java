package io.duplex.net;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handler that records what happens to one connection, for tests. Callbacks arrive on the loop;
 * the test thread reads through the synchronized and atomic members.
 */
class Recorder implements ConnectionHandler {
    final CompletableFuture<Connection> opened = new CompletableFuture<>();
    /** Completed with the close cause; a null cause is wrapped as {@link #ORDERLY}. */
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    final AtomicInteger closeCount = new AtomicInteger();
    final AtomicInteger writableCount = new AtomicInteger();
    final AtomicInteger readCalls = new AtomicInteger();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    static final Throwable ORDERLY = new Throwable("orderly close");

    @Override
    public void onOpen(Connection connection) {
        opened.complete(connection);
    }

    @Override
    public void onRead(Connection connection, ByteBuffer data) {
        readCalls.incrementAndGet();
        byte[] copy = new byte[data.remaining()];
        data.get(copy);
        synchronized (received) {
            received.write(copy, 0, copy.length);
            received.notifyAll();
        }
    }

    @Override
    public void onWritable(Connection connection) {
        writableCount.incrementAndGet();
    }

    @Override
    public void onClose(Connection connection, Throwable cause) {
        closeCount.incrementAndGet();
        closed.complete(cause == null ? ORDERLY : cause);
    }

    int receivedCount() {
        synchronized (received) {
            return received.size();
        }
    }

    byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    /** Waits (bounded) until at least {@code n} bytes arrived. */
    byte[] awaitBytes(int n, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (received.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("got " + received.size() + " of " + n + " bytes");
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
            return received.toByteArray();
        }
    }
}
