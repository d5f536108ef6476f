package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import io.duplex.hub.testing.ProtocolClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code duplex serve --broker redis}: two nodes on the shared Redis act as one server. */
class ServeRedisTest {

    private static ServeCommand.Running start(String... args) throws Exception {
        ServeCommand serve = new ServeCommand();
        List<String> all = new ArrayList<>(List.of("--port", "0", "--loops", "2", "--no-demo"));
        all.addAll(List.of(args));
        new CommandLine(serve).parseArgs(all.toArray(String[]::new));
        return serve.start();
    }

    private static URI ws(ServeCommand.Running r) {
        return URI.create("ws://127.0.0.1:" + r.server().port() + "/ws");
    }

    @Test
    void twoNodesOnOneRedisShareATopic() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 6379), 500);
        } catch (java.io.IOException e) {
            if ("true".equals(System.getenv("CI"))) {
                fail("no Redis on 127.0.0.1:6379 (CI=true: the Redis tests must run)");
            }
            System.err.println("*** SKIPPING ServeRedisTest: no Redis on 127.0.0.1:6379 ***");
            Assumptions.abort("no Redis on 127.0.0.1:6379");
        }
        String topic = "serve-test." + UUID.randomUUID();
        ServeCommand.Running a = start("--broker", "redis", "--redis", "redis://127.0.0.1:6379");
        ServeCommand.Running b = start("--broker", "redis", "--redis", "redis://127.0.0.1:6379");
        try (ProtocolClient onA = ProtocolClient.connect(ws(a)); ProtocolClient onB = ProtocolClient.connect(ws(b))) {
            onA.subscribe(topic);
            onB.publish(topic, "{\"hello\":1}");
            assertThat(onA.next("pub").at("/data/hello").asInt()).isEqualTo(1);
        } finally {
            a.stop(Duration.ofSeconds(2));
            b.stop(Duration.ofSeconds(2));
            RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                List<String> keys = c.sync().keys("duplex:{" + topic + "}:*");
                if (!keys.isEmpty()) {
                    c.sync().unlink(keys.toArray(String[]::new));
                }
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void anUnknownBrokerIsRefused() {
        assertThatThrownBy(() -> start("--broker", "etcd")).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("memory or redis");
    }

    @Test
    void aClusterWithoutTheRedisBrokerOrWithoutSeedsIsRefused() {
        assertThatThrownBy(() -> start("--redis-cluster", "redis://127.0.0.1:1"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("needs --broker redis");
        assertThatThrownBy(() -> start("--broker", "redis", "--redis-cluster", " , "))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("one or more node URIs");
    }

    @Test
    void aShardListWithTheSameAddressTwiceIsRefused() {
        assertThatThrownBy(() -> start("--broker", "redis", "--redis", "redis://127.0.0.1:1, redis://127.0.0.1:1"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("distinct");
    }
}
