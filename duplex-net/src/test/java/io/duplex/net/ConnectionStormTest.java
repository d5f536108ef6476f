package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 WebSocket connections opened and then dropped at once (their process is killed). Afterwards the
 * server holds no connection, no extra file descriptor and no session object, and a healthy connection that
 * lived through the storm still echoes. The clients run in a child JVM: both ends in this process would need
 * more than the 20,000 descriptors it may open.
 */
@Timeout(120)
class ConnectionStormTest extends WebSocketTestBase {
    private static final int CONNECTIONS = 10_000;
    private static final int SAMPLE_EVERY = 100;

    /** Holds no strong reference to any connection: only counts, and samples weakly. */
    private static final class Counting implements WebSocketListener {
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger abnormal = new AtomicInteger();
        final List<WeakReference<WebSocket>> sample = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onOpen(WebSocket ws) {
            if (opens.incrementAndGet() % SAMPLE_EVERY == 0) {
                sample.add(new WeakReference<>(ws));
            }
        }

        @Override
        public void onClose(WebSocket ws, CloseStatus status) {
            if (status.code() == 1006) {
                abnormal.incrementAndGet();
            }
            closes.incrementAndGet();
        }

        long live() {
            synchronized (sample) {
                return sample.stream().filter(r -> r.get() != null).count();
            }
        }
    }

    @Test
    void tenThousandConnectionsOpenedAndDroppedAtOnceLeaveNothingBehind() throws Exception {
        Assumptions.assumeTrue(Fds.supported(), "needs /proc/self/fd");
        Counting storm = new Counting();
        WebSocketServer server = start(WebSocketServer.builder().backlog(4096)
                .endpoint("/echo", Endpoint.of(new Sessions()))
                .endpoint("/storm", Endpoint.of(storm)));
        RawPeer healthy = open(server, "/echo");
        healthy.assertEchoes("before");
        int fdsBefore = Fds.open();

        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classpath = Path.of(StormClient.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        Process clients = new ProcessBuilder(java, "-Xmx128m", "-cp", classpath, StormClient.class.getName(),
                Integer.toString(server.port()), Integer.toString(CONNECTIONS), "4")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(clients.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (Exception e) {
                    return e.toString();
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(line).isEqualTo("OPEN " + CONNECTIONS);
            assertEventually(Duration.ofSeconds(10), () -> storm.opens.get() == CONNECTIONS, "all opened on the server");
            assertThat(server.connectionCount()).isEqualTo(CONNECTIONS + 1);
            healthy.assertEchoes("during");
        } finally {
            // SIGKILL: the kernel drops all 10,000 connections at once.
            clients.destroyForcibly();
            assertThat(clients.waitFor(10, TimeUnit.SECONDS)).isTrue();
            clients.getInputStream().close();
            clients.getOutputStream().close();
        }

        assertEventually(Duration.ofSeconds(30), () -> storm.closes.get() == CONNECTIONS, "every onClose");
        assertThat(storm.abnormal.get()).isEqualTo(CONNECTIONS);
        assertEventually(Duration.ofSeconds(10), () -> server.connectionCount() == 1, "only the healthy one left");
        assertEventually(Duration.ofSeconds(10), () -> Fds.open() <= fdsBefore,
                "descriptors back to " + fdsBefore);
        healthy.assertEchoes("after");

        assertThat(storm.sample).hasSize(CONNECTIONS / SAMPLE_EVERY);
        for (int i = 0; i < 50 && storm.live() > 0; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(storm.live()).as("sessions still reachable").isZero();
    }
}
