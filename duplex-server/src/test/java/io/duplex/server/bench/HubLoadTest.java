package io.duplex.server.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.hub.HubConfig;
import io.duplex.hub.testing.HubServer;
import io.duplex.hub.ws.HubEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code bench hub} against an in-process hub: everything published arrives, JSON and binary, batched or not. */
@Timeout(60)
class HubLoadTest {
    private static HubServer batching;
    private static HubServer unbatched;

    @BeforeAll
    static void start() throws Exception {
        HubConfig noRates = HubConfig.defaults().withRates(0, 0, 0, 0, 20);
        batching = HubServer.start(noRates, HubEndpoint.Options.defaults(), null, 1);
        unbatched = HubServer.start(noRates.withBatching(false, 65536, java.time.Duration.ZERO),
                HubEndpoint.Options.defaults(), null, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        batching.close();
        unbatched.close();
    }

    private static BenchCommandTest.Outcome hub(HubServer s, String... args) throws Exception {
        String[] all = new String[args.length + 3];
        all[0] = "hub";
        all[1] = "--url";
        all[2] = s.uri().toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return BenchCommandTest.bench(0, all);
    }

    @Test
    void jsonPublicationsReachEverySubscriberOfTheirTopic() throws Exception {
        BenchCommandTest.Outcome o = hub(batching, "--subscribers", "6", "--topics", "2", "--rate", "300", "--size", "100");
        assertThat(o.exit()).as(o.err() + o.json()).isZero();
        assertThat(o.json().get("deliveries").asLong()).isPositive();
        assertThat(o.json().get("type").asText()).isEqualTo("text");
        assertThat(o.json().get("offset_gaps").asLong()).isZero();
        assertThat(o.json().get("latency_p50_us").asDouble()).isPositive();
    }

    @Test
    void binaryPublicationsWithoutBatching() throws Exception {
        BenchCommandTest.Outcome o = hub(unbatched, "--subscribers", "3", "--rate", "300", "--size", "64", "--binary");
        assertThat(o.exit()).as(o.err() + o.json()).isZero();
        assertThat(o.json().get("type").asText()).isEqualTo("binary");
        assertThat(o.json().get("deliveries").asLong()).isPositive();
    }

    @Test
    void holdsIdleSessionsWithoutPublishing() throws Exception {
        BenchCommandTest.Outcome o = hub(batching, "--subscribers", "5", "--topics", "0", "--rate", "0");
        assertThat(o.exit()).as(o.err() + o.json()).isZero();
        assertThat(o.json().get("subscribed").asLong()).isZero();
        BenchCommandTest.Outcome s = hub(batching, "--subscribers", "5", "--topics", "3", "--rate", "0");
        assertThat(s.json().get("subscribed").asLong()).isEqualTo(5);
    }
}
