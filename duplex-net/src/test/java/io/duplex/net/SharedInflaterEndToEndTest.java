package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.protocol.deflate.DeflateParams;
import io.duplex.protocol.deflate.DeflaterFactory;
import io.duplex.protocol.deflate.MessageDeflater;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * RFC 7692 7.1.1.2 over real sockets: the server's default answer asks every client for
 * client_no_context_takeover, and all connections of its one event loop inflate through one shared decompressor.
 */
class SharedInflaterEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static EventLoopGroup clients;
    private static WebSocketServer server;

    @BeforeAll
    static void start() throws Exception {
        clients = new EventLoopGroup(1, "shared-inflater-clients");
        // One loop: every connection's messages are inflated on the same thread.
        server = WebSocketServer.builder().host("127.0.0.1").port(0).loops(1)
                .defaultEndpoint(Endpoint.of(DeflateEndToEndTest.ECHO).withDeflate(Endpoint.DEFAULT_DEFLATE.withThreshold(64))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        clients.shutdown().get(10, TimeUnit.SECONDS);
    }

    static String json(Random r, int i) {
        StringBuilder sb = new StringBuilder("{\"seq\":" + i + ",\"items\":[");
        int n = 5 + r.nextInt(40);
        for (int k = 0; k < n; k++) {
            sb.append("{\"id\":").append(r.nextInt(100_000)).append(",\"user\":\"user").append(r.nextInt(50))
                    .append("\",\"online\":true},");
        }
        return sb.append("{}]}").toString();
    }

    @Test
    @DisplayName("many clients on one server loop, interleaved, small and large (split across reads) messages")
    void manyConnectionsInterleaved() throws Exception {
        int conns = 40;
        List<WebSocket> sockets = new ArrayList<>();
        List<WsRecorder> recorders = new ArrayList<>();
        for (int c = 0; c < conns; c++) {
            WsRecorder r = new WsRecorder();
            // Our client's default offer does not include client_no_context_takeover; the server adds it.
            sockets.add(WebSocketClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/echo"),
                    ClientOptions.DEFAULTS.withGroup(clients), r).get(10, TimeUnit.SECONDS));
            recorders.add(r);
        }
        for (WebSocket ws : sockets) {
            DeflateParams p = ((WebSocketSession) ws).deflateParams();
            assertThat(p.clientNoContextTakeover()).isTrue();
            assertThat(ws.extensions()).contains("client_no_context_takeover");
        }
        Random r = new Random(11);
        List<List<Object>> expected = new ArrayList<>();
        for (int c = 0; c < conns; c++) {
            expected.add(new ArrayList<>());
        }
        for (int round = 0; round < 5; round++) {
            for (int c = 0; c < conns; c++) {
                if (r.nextInt(8) == 0) {
                    // Large enough to arrive in several reads, so its decompressor is held across them.
                    StringBuilder big = new StringBuilder();
                    for (int k = 0; k < 300; k++) {
                        big.append(json(r, k));
                    }
                    sockets.get(c).sendText(big.toString());
                    expected.get(c).add(big.toString());
                } else {
                    String text = json(r, round);
                    sockets.get(c).sendText(text);
                    expected.get(c).add(text);
                }
            }
        }
        for (int c = 0; c < conns; c++) {
            for (Object want : expected.get(c)) {
                assertThat(recorders.get(c).next(WAIT)).as("connection %d", c).isEqualTo(want);
            }
        }
        for (WebSocket ws : sockets) {
            ws.close(1000, "done");
        }
        for (WsRecorder rec : recorders) {
            assertThat(rec.closed.get(10, TimeUnit.SECONDS).code()).isEqualTo(1000);
        }
    }

    @Test
    @DisplayName("a client that keeps its context anyway is closed with 1007; another on the same loop goes on")
    void clientKeepingContextIsClosed() throws Exception {
        WsRecorder goodRec = new WsRecorder();
        WebSocket good = WebSocketClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/echo"),
                ClientOptions.DEFAULTS.withGroup(clients), goodRec).get(10, TimeUnit.SECONDS);
        Random r = new Random(3);
        String first = json(r, 1);
        good.sendText(first);
        assertThat(goodRec.next(WAIT)).isEqualTo(first);

        try (RawPeer bad = RawPeer.connect(server.port())) {
            String request = RawPeer.upgradeRequest("/echo", "13", true);
            bad.write(request.substring(0, request.length() - 2)
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n");
            RawPeer.Response resp = bad.readResponse();
            assertThat(resp.status()).isEqualTo(101);
            assertThat(resp.header("Sec-WebSocket-Extensions"))
                    .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
            // Under the server's 64-byte threshold, so the echo comes back uncompressed and readable here.
            String text = "{\"text\":\"the same words, twice over\"}";
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            // Compresses with its window kept from message to message.
            MessageDeflater keepsContext = DeflaterFactory.JDK.create(15, 6);
            bad.write(compressedFrame(keepsContext.deflate(ByteBuffer.wrap(utf8))));
            RawPeer.Frame echo = bad.readFrame();
            assertThat(echo.opcode()).isEqualTo(0x1);
            assertThat(echo.text()).isEqualTo(text);
            // The second copy refers back into the first, which the server's fresh window does not have.
            bad.write(compressedFrame(keepsContext.deflate(ByteBuffer.wrap(utf8))));
            keepsContext.release();
            RawPeer.Frame close = bad.readUntilClose();
            assertThat(close.closeCode()).isEqualTo(1007);
            assertThat(close.closeReason()).isEqualTo("invalid compressed data");
        }

        String second = json(r, 2).repeat(200);
        good.sendText(second);
        assertThat(goodRec.next(WAIT)).isEqualTo(second);
        good.close(1000, "done");
        assertThat(goodRec.closed.get(10, TimeUnit.SECONDS).code()).isEqualTo(1000);
    }

    private static byte[] compressedFrame(ByteBuffer payload) {
        byte[] b = new byte[payload.remaining()];
        payload.get(b);
        return RawPeer.frame(0xC1, b, b.length, true);
    }
}
