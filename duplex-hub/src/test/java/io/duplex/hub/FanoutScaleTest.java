package io.duplex.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.hub.testing.SubscriberSwarm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 subscribers of one topic, spread over the server's loops, in a child JVM: every one receives every
 * publication once and in order; when the child is killed (10,000 resets at once) presence empties, no session
 * and no subscription is left, and a subscriber that lived through it is still served.
 */
@Timeout(180)
class FanoutScaleTest {
    private static final int SUBSCRIBERS = 10_000;
    private static final int PUBLICATIONS = 20;

    @Test
    void tenThousandSubscribersGetEveryPublicationAndLeaveNoGhostsWhenKilled() throws Exception {
        HubConfig config = HubConfig.defaults().withRates(0, 0, 0, 0, 20);
        try (HubServer server = HubServer.start(config, io.duplex.hub.ws.HubEndpoint.Options.defaults(), null, 2);
             ProtocolClient survivor = server.client()) {
            survivor.subscribe("big");
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            Process swarm = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    SubscriberSwarm.class.getName(), Integer.toString(server.server().port()),
                    Integer.toString(SUBSCRIBERS), "big", Integer.toString(PUBLICATIONS))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(swarm.getInputStream(),
                        StandardCharsets.UTF_8));
                assertThat(line(out, 90)).isEqualTo("SUBSCRIBED " + SUBSCRIBERS);
                assertThat(server.hub().broker().presence("big").get()).hasSize(SUBSCRIBERS + 1);
                for (int i = 1; i <= PUBLICATIONS; i++) {
                    server.hub().publish("big", "{\"n\":" + i + "}", null).get(10, TimeUnit.SECONDS);
                }
                assertThat(line(out, 60)).isEqualTo("RECEIVED " + (long) SUBSCRIBERS * PUBLICATIONS + " ERRORS 0");
                for (int i = 1; i <= PUBLICATIONS; i++) {
                    assertThat(survivor.next("pub").path("offset").asLong()).isEqualTo(i);
                }
            } finally {
                swarm.destroyForcibly();
                assertThat(swarm.waitFor(20, TimeUnit.SECONDS)).isTrue();
                swarm.getInputStream().close();
                swarm.getOutputStream().close();
            }
            eventually(() -> server.hub().sessionCount() == 1, "only the survivor's session left");
            eventually(() -> {
                try {
                    return server.hub().broker().presence("big").get().size() == 1;
                } catch (Exception e) {
                    return false;
                }
            }, "presence back to the survivor alone");
            server.hub().publish("big", "\"after\"", null).get(10, TimeUnit.SECONDS);
            assertThat(survivor.next("pub").path("data").asText()).isEqualTo("after");
        }
    }

    private static String line(BufferedReader out, int seconds) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (Exception e) {
                return e.toString();
            }
        }).get(seconds, TimeUnit.SECONDS);
    }

    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
