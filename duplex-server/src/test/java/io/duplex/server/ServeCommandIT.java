package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.duplex.hub.testing.ProtocolClient;
import io.duplex.net.CloseStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README's main command as a user runs it: {@code ./duplex serve} through the launcher serves the messaging
 * protocol on {@code /ws}, and SIGTERM ends every session with 1001.
 */
@Timeout(60)
class ServeCommandIT {
    private Process process;

    @AfterEach
    void tearDown() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theLauncherServesTheHubAndShutsDownGracefully() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path launcher = root.resolve("duplex");
        Path jar = root.resolve("duplex-server/target/duplex.jar");
        assumeTrue(Files.isExecutable(launcher) && EchoCommandIT.isFresh(root, jar),
                "duplex.jar missing or older than the sources: the launcher would run a Maven build");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        process = new ProcessBuilder(launcher.toString(), "serve", "--port", String.valueOf(port), "--loops", "1")
                .directory(root.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (Exception e) {
                return e.toString();
            }
        }).get(45, TimeUnit.SECONDS);
        assertThat(line).isEqualTo("duplex serve: listening on ws://127.0.0.1:" + port + "/ws");

        ProtocolClient c = ProtocolClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws"));
        c.subscribe("readme");
        c.publish("readme", "{\"hello\":\"world\"}");
        assertThat(c.next("pub").path("data").path("hello").asText()).isEqualTo("world");

        process.destroy();
        CloseStatus s = c.awaitClose();
        assertThat(s.code()).isEqualTo(1001);
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(143);
    }
}
