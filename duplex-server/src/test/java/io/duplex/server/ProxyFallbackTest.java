package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.duplex.hub.testing.ProtocolClient;
import io.duplex.net.ClientOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code duplex serve} behind a real nginx that, like many corporate proxies, does not pass WebSocket upgrades
 * (no {@code Upgrade}/{@code Connection} forwarding): the upgrade fails, and the same session works over
 * server-sent events and long-polling through the proxy, with deliveries arriving at once (not held in the
 * proxy's buffers).
 */
@Timeout(60)
class ProxyFallbackTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private ServeCommand.Running server;
    private Process nginx;
    private int proxyPort;

    @BeforeEach
    void start() throws Exception {
        ForeignClients.requireNginx();
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--port", "0", "--loops", "1", "--no-demo");
        server = serve.start();
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                master_process off;
                worker_processes 1;
                error_log %1$s/error.log warn;
                pid %1$s/nginx.pid;
                events { worker_connections 256; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  server {
                    listen 127.0.0.1:%2$d;
                    location / {
                      # HTTP/1.1 keep-alive to the backend, but no Upgrade: WebSockets cannot pass.
                      proxy_pass http://127.0.0.1:%3$d;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_read_timeout 60s;
                    }
                  }
                }
                """.formatted(dir, proxyPort, server.server().port()));
        startNginx();
    }

    /** Starts nginx on {@link #proxyPort} with the config written by {@link #start()}. */
    private void startNginx() throws Exception {
        Path conf = dir.resolve("nginx.conf");
        nginx = new ProcessBuilder(ForeignClients.NGINX, "-c", conf.toString(), "-p", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!accepts(proxyPort)) {
            if (System.nanoTime() > deadline || !nginx.isAlive()) {
                throw new AssertionError("nginx did not start: " + Files.readString(dir.resolve("nginx.out"))
                        + (Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : ""));
            }
            Thread.sleep(20);
        }
    }

    /** Cuts the network the way a failing proxy does: nginx is killed with every connection through it. */
    private void killNginx() throws Exception {
        nginx.destroyForcibly();
        assertThat(nginx.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(5, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
        if (server != null) {
            server.stop(Duration.ofSeconds(5));
        }
    }

    private URI proxied(String path) {
        return URI.create("http://127.0.0.1:" + proxyPort + path);
    }

    @Test
    void theUpgradeFailsThroughTheProxyButEventStreamsAndPollsWork() throws Exception {
        Throwable failure = ProtocolClient.connectFailure(URI.create("ws://127.0.0.1:" + proxyPort + "/ws"),
                ClientOptions.DEFAULTS);
        assertThat(failure.getMessage()).contains("426");

        // SSE through the proxy, and a WebSocket client straight to the server on the same topic.
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> sse = HTTP.sendAsync(HttpRequest.newBuilder(proxied("/http/sse")).build(),
                HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
        assertThat(sse.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> sse.body().forEach(lines::add));
        reader.setDaemon(true);
        reader.start();
        String session = dataLine(lines).path("session").asText();
        HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(proxied("/http/send?session=" + session))
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"subscribe\",\"id\":1,\"topic\":\"behind\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(sent.statusCode()).isEqualTo(204);
        assertThat(dataLine(lines).path("type").asText()).isEqualTo("ack");
        try (ProtocolClient direct = ProtocolClient.connect(
                URI.create("ws://127.0.0.1:" + server.server().port() + "/ws"))) {
            direct.publish("behind", "\"through nginx\"");
            // It arrives while the stream stays open: nginx does not sit on it (X-Accel-Buffering: no).
            assertThat(dataLine(lines).path("data").asText()).isEqualTo("through nginx");
        }

        // Long-polling through the proxy.
        HttpResponse<String> open = HTTP.send(HttpRequest.newBuilder(proxied("/http/open"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(open.statusCode()).isEqualTo(200);
        String polling = ProtocolClient.JSON.readTree(open.body()).path("session").asText();
        HTTP.send(HttpRequest.newBuilder(proxied("/http/send?session=" + polling))
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"ping\",\"id\":9}")).build(),
                HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> poll = HTTP.send(HttpRequest.newBuilder(proxied("/http/poll?session=" + polling
                + "&ack=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(poll.body()).isEqualTo("{\"type\":\"ack\",\"id\":9}");
        assertThat(poll.headers().firstValue("X-Duplex-Seq")).hasValue("2");
    }

    /**
     * The JavaScript client behind the proxy, with its default transports: the upgrade fails and it falls back to
     * server-sent events by itself; when the proxy dies (the network cut) it notices, and once the proxy is back
     * it reconnects and recovers exactly what was published meanwhile.
     */
    @Test
    void theJavaScriptClientFallsBackAndRecoversWhenTheProxyCutsTheNetwork() throws Exception {
        ForeignClients.requireJsClient();
        try (ScriptedClient client = new ScriptedClient("ws://127.0.0.1:" + proxyPort + "/ws", "cut");
             ProtocolClient direct = ProtocolClient.connect(
                URI.create("ws://127.0.0.1:" + server.server().port() + "/ws"))) {
            JsonNode connected = client.untilState("connected");
            assertThat(connected.path("transport").asText()).isEqualTo("sse");
            client.untilEvent("subscribed");
            for (int i = 1; i <= 3; i++) {
                direct.publish("cut", Integer.toString(i));
                assertThat(client.untilEvent("pub").path("offset").asLong())
                        .isEqualTo(i);
            }
            killNginx();
            client.until(e -> e.path("state").asText().equals("disconnected")
                    || e.path("state").asText().equals("reconnecting"));
            direct.publish("cut", "4");
            direct.publish("cut", "5");
            startNginx();
            JsonNode resumed = client.untilEvent("subscribed");
            assertThat(resumed.path("recovered").asBoolean()).isTrue();
            assertThat(resumed.path("missed").asInt()).isEqualTo(2);
            assertThat(client.untilEvent("pub").path("offset").asLong())
                    .isEqualTo(4);
            assertThat(client.untilEvent("pub").path("offset").asLong())
                    .isEqualTo(5);
        }
    }

    /** The next SSE data line as JSON. */
    private static JsonNode dataLine(LinkedBlockingQueue<String> lines) throws Exception {
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("an event within 10 s").isNotNull();
            if (line.startsWith("data: ")) {
                return ProtocolClient.JSON.readTree(line.substring(6));
            }
        }
    }
}
