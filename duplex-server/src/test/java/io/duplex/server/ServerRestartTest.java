package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.duplex.hub.testing.ProtocolClient;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The server restarted under a connected JavaScript client: the client reconnects by itself, and since the
 * restarted server's history is new (another epoch), it is told that it cannot recover rather than silently
 * missing what was published while it was away; the live stream then carries on.
 */
@Timeout(60)
class ServerRestartTest {

    private static ServeCommand.Running serve(int port) throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--port", Integer.toString(port), "--loops", "1", "--no-demo");
        return serve.start();
    }

    @Test
    void aClientOfARestartedServerReconnectsAndIsToldItCannotRecover() throws Exception {
        ForeignClients.requireJsClient();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI ws = URI.create("ws://127.0.0.1:" + port + "/ws");
        ServeCommand.Running first = serve(port);
        ScriptedClient client = new ScriptedClient(ws.toString(), "restart");
        ServeCommand.Running second = null;
        try {
            assertThat(client.untilState("connected").path("transport").asText())
                    .isEqualTo("websocket");
            client.untilEvent("subscribed");
            try (ProtocolClient p = ProtocolClient.connect(ws)) {
                p.publish("restart", "1");
            }
            assertThat(client.untilEvent("pub").path("offset").asLong()).isEqualTo(1);

            first.stop(Duration.ofSeconds(5));
            client.untilState("reconnecting");
            second = serve(port);
            JsonNode resumed = client.untilEvent("subscribed");
            assertThat(resumed.path("recovered").asBoolean()).as("a new server cannot vouch for the gap").isFalse();
            try (ProtocolClient p = ProtocolClient.connect(ws)) {
                p.publish("restart", "\"after\"");
            }
            JsonNode live = client.untilEvent("pub");
            assertThat(live.path("data").asText()).isEqualTo("after");
            assertThat(live.path("offset").asLong()).isEqualTo(1);
        } finally {
            client.close();
            if (second != null) {
                second.stop(Duration.ofSeconds(5));
            }
        }
    }
}
