package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Rough heap cost of an idle connection: used heap after GC, before and after opening 2,500
 * loopback pairs (5,000 {@link Connection}s, both ends ours). Includes the JDK's channel, key and
 * address objects, which dominate. A measurement, not a check: run with
 * {@code -Dduplex.footprint=true -Dtest=IdleFootprintTest}.
 */
@EnabledIfSystemProperty(named = "duplex.footprint", matches = "true")
@Timeout(120)
class IdleFootprintTest extends LoopbackTest {

    @Test
    void measureHeapPerIdleConnection() throws Exception {
        int pairs = 2_500;
        CountDownLatch accepted = new CountDownLatch(pairs + 1);
        // One stateless handler for every connection, so that only the transport is measured.
        ConnectionHandler serverHandler = new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                accepted.countDown();
            }

            @Override
            public void onRead(Connection c, java.nio.ByteBuffer data) {
            }

            @Override
            public void onClose(Connection c, Throwable cause) {
            }
        };
        ConnectionHandler clientHandler = new EchoHandler(1);
        TcpServer server = serve(group, ConnectionOptions.DEFAULTS, null, () -> serverHandler);
        // Warm up: one pair so that class loading and loop buffers are not counted.
        TcpClient.connect(group.next(), server.localAddress(), () -> clientHandler, WAIT).get(10, TimeUnit.SECONDS);
        long before = usedAfterGc();
        List<CompletableFuture<Connection>> all = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            all.add(TcpClient.connect(group.next(), server.localAddress(), () -> clientHandler, WAIT));
        }
        for (CompletableFuture<Connection> f : all) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertThat(accepted.await(30, TimeUnit.SECONDS)).isTrue();
        long after = usedAfterGc();
        System.out.printf("idle footprint: %d bytes per connection (%d connections, %d bytes)%n",
                (after - before) / (2L * pairs), 2 * pairs, after - before);
        // Keep the futures (and so the connections) reachable until after the measurement.
        assertThat(all).hasSize(pairs);
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        // Several rounds: one System.gc() does not always settle the heap.
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
