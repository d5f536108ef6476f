package io.duplex.server.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketListener;
import io.duplex.net.WebSocketServer;
import io.duplex.server.EchoServer;
import io.duplex.server.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** Each mode, briefly, against the in-process echo server; and a server that corrupts what it echoes. */
@Timeout(60)
class BenchCommandTest {
    private static WebSocketServer server;

    @BeforeAll
    static void start() throws Exception {
        server = EchoServer.start("127.0.0.1", 0, 1, 64 << 20);
    }

    @AfterAll
    static void stop() throws Exception {
        server.shutdown(Duration.ofSeconds(5)).get();
    }

    /** Exit status and the parsed --json result. */
    record Outcome(int exit, JsonNode json, String err) {
    }

    static Outcome bench(int port, String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("bench"));
        all.addAll(List.of(args));
        all.addAll(List.of("--json", "--quiet", "--loops", "1", "--warmup", "200ms", "--duration", "1s",
                "--connect-timeout", "5s"));
        if (!all.contains("--url")) {
            all.addAll(List.of("--url", "ws://127.0.0.1:" + port + "/"));
        }
        int exit = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(all.toArray(String[]::new));
        JsonNode json = out.toString().isBlank() ? null : new ObjectMapper().readTree(out.toString());
        return new Outcome(exit, json, err.toString());
    }

    @Test
    void echoBinaryMeasuresAndVerifies() throws Exception {
        Outcome o = bench(server.port(), "echo", "--connections", "3", "--depth", "4", "--size", "200");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.json().get("messages_per_s").asDouble()).isPositive();
        assertThat(o.json().get("mb_per_s").asDouble()).isPositive();
        assertThat(o.json().get("latency_p99_us").asDouble()).isPositive();
        assertThat(o.json().get("errors").asLong()).isZero();
    }

    @Test
    void echoTextLargerThanOneRead() throws Exception {
        Outcome o = bench(server.port(), "echo", "--connections", "2", "--size", "100000", "--text");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.json().get("messages").asLong()).isPositive();
        assertThat(o.json().get("errors").asLong()).isZero();
    }

    @Test
    void connectOpensHoldsAndCloses() throws Exception {
        Outcome o = bench(server.port(), "connect", "--connections", "50", "--max-pending", "8", "--hold", "100ms",
                "--server-pid", Long.toString(ProcessHandle.current().pid()));
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.json().get("opened").asInt()).isEqualTo(50);
        assertThat(o.json().get("handshakes_per_s").asDouble()).isPositive();
        assertThat(o.json().get("server_rss_bytes").asLong()).isPositive();
        assertThat(o.json().get("errors").asLong()).isZero();
    }

    @Test
    void fanoutReachesEverySubscriber() throws Exception {
        Outcome o = bench(server.port(), "fanout", "--subscribers", "4", "--publish-rate", "500");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.json().get("deliveries_per_s").asDouble()).isPositive();
        assertThat(o.json().get("subscribers").asInt()).isEqualTo(4);
        assertThat(o.json().get("errors").asLong()).isZero();
    }

    @Test
    void corruptedEchoesAreCountedAndFailTheRun() throws Exception {
        WebSocketServer corrupting = WebSocketServer.builder().host("127.0.0.1").port(0).loops(1)
                .defaultEndpoint(io.duplex.net.Endpoint.of(new WebSocketListener() {
                    @Override
                    public void onBinary(WebSocket ws, ByteBuffer data) {
                        ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
                        copy.put(copy.limit() - 1, (byte) (copy.get(copy.limit() - 1) ^ 1));
                        ws.sendBinary(copy);
                    }
                })).start();
        try {
            Outcome o = bench(corrupting.port(), "echo", "--connections", "1", "--size", "32");
            assertThat(o.exit()).isEqualTo(1);
            assertThat(o.json().get("errors").asLong()).isPositive();
            assertThat(o.json().get("messages").asLong()).isZero();
            assertThat(o.json().get("first_errors").get(0).asText()).contains("differs from what was sent");
        } finally {
            corrupting.shutdown(Duration.ofSeconds(5)).get();
        }
    }

    @Test
    void hubArgumentChecks() {
        BenchCommand.checkHub(32, true, 1, 100);
        BenchCommand.checkHub(8, false, 100, 100);
        BenchCommand.checkHub(8, false, 0, 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchCommand.checkHub(31, true, 1, 100))
                .hasMessageContaining("at least 32");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchCommand.checkHub(7, false, 1, 100))
                .hasMessageContaining("at least 8");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchCommand.checkHub(64, true, 0, 100))
                .hasMessageContaining("--topics");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchCommand.checkHub(65537, false, 1, 100))
                .hasMessageContaining("64 KiB");
    }

    @Test
    void rejectsBadArguments() throws Exception {
        assertThat(bench(server.port(), "echo", "--url", "http://127.0.0.1:1/").exit()).isEqualTo(2);
        assertThat(bench(server.port(), "fanout", "--size", "4").exit()).isEqualTo(2);
        assertThat(bench(server.port(), "fanout", "--publish-rate", "0").exit()).isEqualTo(2);
        assertThat(bench(server.port(), "hub", "--size", "16").exit()).isEqualTo(2);
        assertThat(bench(server.port(), "hub", "--topics", "0").exit()).isEqualTo(2);
    }
}
