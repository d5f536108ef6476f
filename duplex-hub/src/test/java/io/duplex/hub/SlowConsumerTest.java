package io.duplex.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.hub.testing.HubServer;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.hub.ws.HubEndpoint;
import io.duplex.net.WebSocketOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A subscriber that stops reading while publications keep coming is a slow consumer: the runtime's policy
 * closes it with 1008 once its queue passes the limit, the refusal is counted, and the other subscribers get
 * every publication.
 */
@Timeout(60)
class SlowConsumerTest {

    @Test
    void aSubscriberThatStopsReadingIsClosedWith1008AndOthersMissNothing() throws Exception {
        WebSocketOptions ws = HubEndpoint.Options.defaults().webSocket().withWatermarks(16 * 1024, 4 * 1024)
                .withMaxBackpressure(256 * 1024, WebSocketOptions.SlowConsumerPolicy.CLOSE)
                .withCloseTimeout(Duration.ofMillis(500));
        HubEndpoint.Options options = HubEndpoint.Options.defaults().withWebSocket(ws).withDeflate(null);
        try (HubServer server = HubServer.start(HubConfig.defaults(), options, null, 2);
             ProtocolClient healthy = server.client();
             ProtocolClient slow = server.client()) {
            healthy.subscribe("firehose");
            slow.subscribe("firehose");
            slow.socket().pauseReading();
            String data = "\"" + "z".repeat(8 * 1024) + "\"";
            int n = 0;
            // Enough to fill the slow client's socket buffers and then its 256 KiB queue.
            while (server.hub().sessionCount() == 2 && n < 20_000) {
                n++;
                server.hub().publish("firehose", data, null).get(5, TimeUnit.SECONDS);
                if (n % 50 == 0) {
                    for (int i = 0; i < 50; i++) {
                        assertThat(healthy.next("pub").path("offset").asLong()).isEqualTo(n - 50 + i + 1);
                    }
                }
            }
            assertThat(server.hub().sessionCount()).as("the slow session was closed").isEqualTo(1);
            assertThat(server.registry().get("duplex.slow.consumer.drops").counter().count()).isGreaterThan(0);
            assertThat(server.awaitCount("duplex.sessions.closed", "code", "1008", 1.0)).isEqualTo(1.0);
            for (int i = n - n % 50 + 1; i <= n; i++) {
                assertThat(healthy.next("pub").path("offset").asLong()).isEqualTo(i);
            }
            healthy.publish("firehose", "\"still here\"");
            assertThat(healthy.next("pub").path("data").asText()).isEqualTo("still here");
        }
    }
}
