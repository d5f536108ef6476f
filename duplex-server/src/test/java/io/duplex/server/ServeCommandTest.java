package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.hub.testing.ProtocolClient;
import io.duplex.net.ClientOptions;
import io.duplex.net.CloseStatus;
import io.duplex.net.SelfSignedCertificate;
import io.duplex.net.TlsConfig;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code duplex serve} as assembled by its command: help, health, metrics, TLS, config names, shutdown. */
class ServeCommandTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static ServeCommand.Running start(String... args) throws Exception {
        ServeCommand serve = new ServeCommand();
        List<String> all = new ArrayList<>(List.of("--port", "0", "--loops", "2"));
        all.addAll(List.of(args));
        new CommandLine(serve).parseArgs(all.toArray(String[]::new));
        return serve.start();
    }

    private static String get(ServeCommand.Running r, String path) throws Exception {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + r.server().port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(path).isEqualTo(200);
        return res.body();
    }

    @Test
    void helpDocumentsEverySettingWithItsDefault() {
        CliRun run = CliRun.run(new ByteArrayInputStream(new byte[0]), "serve", "--help");
        assertThat(run.exitCode()).isZero();
        String help = run.out().replaceAll("\\s+", " ");
        CommandLine.Model.CommandSpec spec = new CommandLine(new ServeCommand()).getCommandSpec();
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            String name = o.negatable() ? "--[no-]" + o.longestName().substring(2) : o.longestName();
            assertThat(help).as("help lists " + name).contains(name);
            if (o.defaultValue() != null && !o.usageHelp() && !o.versionHelp()) {
                assertThat(String.join(" ", o.description())).as(o.longestName() + " shows its default")
                        .contains("(default: ");
            }
        }
    }

    @Test
    void healthMetricsAndTheRootPage() throws Exception {
        ServeCommand.Running r = start();
        try (ProtocolClient c = ProtocolClient.connect(URI.create("ws://127.0.0.1:" + r.server().port() + "/ws"))) {
            c.subscribe("m");
            c.publish("m", "1");
            c.next("pub");
            assertThat(get(r, "/health")).isEqualTo("{\"status\":\"ok\"}");
            assertThat(get(r, "/")).contains("/ws");
            String metrics = get(r, "/metrics");
            for (String name : List.of("duplex_sessions{transport=\"websocket\"} 1.0",
                    "duplex_publishes_total{result=\"ok\"} 1.0", "duplex_deliveries_total 1.0", "duplex_topics ",
                    "duplex_history_size 1.0", "duplex_messages_in_total", "duplex_bytes_out_total",
                    "duplex_frames_out_total", "duplex_batches_total", "duplex_slow_consumer_drops_total",
                    "duplex_recoveries_total", "duplex_event_loop_lag_seconds")) {
                assertThat(metrics).as("metrics show " + name).contains(name);
            }
        } finally {
            r.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void clientsAreAskedForClientNoContextTakeoverUnlessAllowedToKeepContext() throws Exception {
        for (boolean allow : new boolean[] {false, true}) {
            ServeCommand.Running r = allow ? start("--deflate-client-context-takeover") : start();
            try (ProtocolClient c = ProtocolClient.connect(URI.create("ws://127.0.0.1:" + r.server().port() + "/ws"))) {
                String ext = c.socket().extensions();
                assertThat(ext).startsWith("permessage-deflate");
                if (allow) {
                    assertThat(ext).doesNotContain("client_no_context_takeover");
                } else {
                    assertThat(ext).contains("client_no_context_takeover");
                }
                // A message the client compresses (our client keeps its context when allowed to).
                c.subscribe("z");
                for (int i = 0; i < 3; i++) {
                    c.publish("z", "\"" + "compressible text ".repeat(40) + i + "\"");
                    assertThat(c.next("pub").toString()).contains("compressible text");
                }
            } finally {
                r.stop(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void staticFilesAreServedSafely() throws Exception {
        ServeCommand.Running r = start();
        try {
            HttpResponse<String> index = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + r.server().port() + "/demo/index.html")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            String etag = index.headers().firstValue("ETag").orElseThrow();
            HttpResponse<String> again = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + r.server().port() + "/")).header("If-None-Match", etag).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).isEqualTo(304);
            for (String bad : List.of("/client/missing.js", "/demo/..%2F..%2Flogback.xml", "/demo/%2e%2e/x",
                    "/client/")) {
                HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + r.server().port() + bad)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(res.statusCode()).as(bad).isEqualTo(404);
            }
        } finally {
            r.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void everyOptionCanComeFromTheEnvironmentAndAConfigFile() throws Exception {
        Path conf = Files.writeString(dir.resolve("duplex.conf"), "history-size = 7\nmax-publication-bytes = 10\n");
        CliRun help = CliRun.run(new ByteArrayInputStream(new byte[0]),
                Map.of("DUPLEX_CONFIG", conf.toString(), "DUPLEX_MAX_SUBSCRIPTIONS", "3"), "serve", "--help");
        String text = help.out().replaceAll("\\s+", " ");
        assertThat(text).contains("Publications kept per topic for recovery and history; 0 = none (default: 7)");
        assertThat(text).contains("Subscriptions per session (default: 3)");
        assertThat(text).contains("beyond it too_large (default: 10)");
    }

    @Test
    void servesWssWithAPemCertificate() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("EC");
        ServeCommand.Running r = start("--tls-cert", cert.certificatePem.toString(), "--tls-key",
                cert.privateKeyPem.toString());
        try (ProtocolClient c = ProtocolClient.connect(URI.create("wss://localhost:" + r.server().port() + "/ws"),
                ClientOptions.DEFAULTS.withTls(TlsConfig.clientTrusting(cert.certificate)))) {
            assertThat(r.tls()).isTrue();
            c.subscribe("secure");
            assertThat(c.publish("secure", "\"s\"").path("offset").asLong()).isEqualTo(1);
            assertThat(c.next("pub").path("data").asText()).isEqualTo("s");
        } finally {
            r.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void gracefulShutdownClosesSessionsWith1001() throws Exception {
        ServeCommand.Running r = start();
        ProtocolClient c = ProtocolClient.connect(URI.create("ws://127.0.0.1:" + r.server().port() + "/ws"));
        c.subscribe("bye");
        r.stop(Duration.ofSeconds(5));
        CloseStatus s = c.awaitClose();
        assertThat(s.code()).isEqualTo(1001);
        assertThat(s.reason()).isEqualTo("server shutting down");
    }

    @Test
    void badChoicesAreRefusedAtStart() {
        CliRun run = CliRun.run(new ByteArrayInputStream(new byte[0]), "serve", "--port", "0",
                "--slow-consumer-policy", "maybe");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--slow-consumer-policy must be close or drop, not maybe");
        // Refusing anonymous clients with no key to verify tokens would admit nobody.
        CliRun deny = CliRun.run(new ByteArrayInputStream(new byte[0]), "serve", "--port", "0", "--no-demo",
                "--anonymous", "deny");
        assertThat(deny.exitCode()).isEqualTo(2);
        assertThat(deny.err()).contains("--anonymous deny needs a JWT key");
        // A message larger than the byte burst could never pass the byte rate.
        CliRun burst = CliRun.run(new ByteArrayInputStream(new byte[0]), "serve", "--port", "0",
                "--rate-byte-burst", "4000");
        assertThat(burst.exitCode()).isEqualTo(2);
        assertThat(burst.err()).contains("--rate-byte-burst (4000) must be at least --max-message (262144)");
    }

    @Test
    void metricNamesAreDocumentedInOperations() throws Exception {
        Path ops = Path.of("..", "docs", "operations.md");
        String doc = Files.readString(ops);
        ServeCommand.Running r = start();
        try {
            String metrics = get(r, "/metrics");
            Matcher m = Pattern.compile("(?m)^# TYPE (duplex_[a-z_]+)").matcher(metrics);
            int n = 0;
            while (m.find()) {
                String name = m.group(1).replaceAll("_(total|seconds_max|max)$", "");
                assertThat(doc).as("docs/operations.md names " + name).contains(name);
                n++;
            }
            assertThat(n).isGreaterThan(5);
        } finally {
            r.stop(Duration.ofSeconds(5));
        }
    }
}
