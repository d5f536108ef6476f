package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.protocol.deflate.DeflateParams;
import io.duplex.protocol.deflate.PerMessageDeflate;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 7692 over real sockets: our client and server, every window size and context-takeover combination. */
class DeflateEndToEndTest {
    private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(10);
    private static EventLoopGroup group;
    private static WebSocketServer server;
    private static WebSocketServer contextServer;
    private static final BroadcastGroup broadcast = new BroadcastGroup();

    static final WebSocketListener ECHO = new WebSocketListener() {
        @Override
        public void onText(WebSocket ws, String text) {
            ws.sendText(text);
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            ws.sendBinary(ByteBuffer.allocate(data.remaining()).put(data).flip());
        }
    };

    @BeforeAll
    static void start() throws Exception {
        group = new EventLoopGroup(2, "deflate-test");
        WebSocketListener fanout = new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws) {
                broadcast.add(ws);
            }

            @Override
            public void onText(WebSocket ws, String text) {
                broadcast.broadcast(PreparedMessage.text(text));
            }

            @Override
            public void onClose(WebSocket ws, CloseStatus status) {
                broadcast.remove(ws);
            }
        };
        server = WebSocketServer.builder().port(0).group(group)
                .defaultEndpoint(Endpoint.of(ECHO).withDeflate(Endpoint.DEFAULT_DEFLATE.withThreshold(64)))
                .endpoint("/plain", Endpoint.of(ECHO).withDeflate(null))
                .endpoint("/broadcast", Endpoint.of(fanout))
                .start();
        contextServer = WebSocketServer.builder().port(0).group(group)
                .defaultEndpoint(Endpoint.of(ECHO).withDeflate(Endpoint.DEFAULT_DEFLATE.withServerNoContextTakeover(false)
                        .withClientNoContextTakeover(false)))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.shutdown(java.time.Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        contextServer.shutdown(java.time.Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        group.shutdown().get(10, TimeUnit.SECONDS);
    }

    static WebSocket connect(WebSocketServer s, String path, PerMessageDeflate deflate, WsRecorder r) throws Exception {
        ClientOptions o = ClientOptions.DEFAULTS.withGroup(group).withDeflate(deflate);
        return WebSocketClient.connect(URI.create("ws://127.0.0.1:" + s.port() + path), o, r).get(10, TimeUnit.SECONDS);
    }

    static String json(int i) {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < 40; k++) {
            sb.append("{\"id\":").append(i * 100 + k).append(",\"name\":\"user").append(k)
                    .append("\",\"online\":true,\"score\":").append(k * 7).append("},");
        }
        return sb.append("{}]").toString();
    }

    static List<Arguments> combinations() {
        List<Arguments> out = new ArrayList<>();
        for (int bits = 8; bits <= 15; bits++) {
            out.add(Arguments.of(bits, bits % 2 == 0, bits % 3 == 0));
        }
        out.add(Arguments.of(15, true, true));
        out.add(Arguments.of(15, false, false));
        return out;
    }

    @ParameterizedTest(name = "server_max_window_bits={0} snct={1} cnct={2}")
    @MethodSource("combinations")
    @DisplayName("7.1 + 7.2: every window size negotiates and round-trips text and binary both ways")
    void roundTrip(int bits, boolean snct, boolean cnct) throws Exception {
        PerMessageDeflate offer = PerMessageDeflate.defaults().withFactory(JZlibDeflaterFactory.INSTANCE)
                .withMaxWindowBits(bits).withServerNoContextTakeover(snct).withClientNoContextTakeover(cnct)
                .withThreshold(0);
        WsRecorder r = new WsRecorder();
        WebSocket ws = connect(contextServer, "/echo", offer, r);
        DeflateParams p = ((WebSocketSession) ws).deflateParams();
        assertThat(p).isNotNull();
        assertThat(p.serverMaxWindowBits()).isEqualTo(bits);
        assertThat(p.serverNoContextTakeover()).isEqualTo(snct);
        assertThat(p.clientNoContextTakeover()).isEqualTo(cnct);
        Random random = new Random(bits);
        for (int i = 0; i < 10; i++) {
            String text = json(i);
            ws.sendText(text);
            assertThat(r.next(WAIT)).isEqualTo(text);
            byte[] bin = new byte[1000 + random.nextInt(70_000)];
            for (int k = 0; k < bin.length; k++) {
                bin[k] = (byte) (k % 251 == 0 ? random.nextInt() : k % 13);
            }
            ws.sendBinary(bin);
            assertThat(r.next(WAIT)).isEqualTo(bin);
        }
        ws.close(1000, "done");
        assertThat(r.closed.get(10, TimeUnit.SECONDS).code()).isEqualTo(1000);
    }

    @Test
    @DisplayName("the extension can be turned off per endpoint and per client")
    void off() throws Exception {
        WsRecorder r = new WsRecorder();
        WebSocket plain = connect(server, "/plain", ClientOptions.DEFAULTS.deflate(), r);
        assertThat(((WebSocketSession) plain).deflateParams()).isNull();
        plain.sendText(json(1));
        assertThat(r.next(WAIT)).isEqualTo(json(1));
        WsRecorder r2 = new WsRecorder();
        WebSocket noOffer = connect(server, "/echo", null, r2);
        assertThat(((WebSocketSession) noOffer).deflateParams()).isNull();
        noOffer.sendText(json(2));
        assertThat(r2.next(WAIT)).isEqualTo(json(2));
        plain.close();
        noOffer.close();
    }

    @Test
    @DisplayName("broadcast: compressed and plain subscribers all receive the same message")
    void broadcastMixed() throws Exception {
        List<WsRecorder> recorders = new ArrayList<>();
        List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            WsRecorder r = new WsRecorder();
            recorders.add(r);
            sockets.add(connect(server, "/broadcast", i % 2 == 0 ? ClientOptions.DEFAULTS.deflate() : null, r));
        }
        // Everyone joins before measuring: each sends a probe and waits to see all of them.
        for (int i = 0; i < sockets.size(); i++) {
            sockets.get(i).sendText("join " + i);
        }
        for (WsRecorder r : recorders) {
            for (int i = 0; i < sockets.size(); i++) {
                assertThat((String) r.next(WAIT)).startsWith("join ");
            }
        }
        String big = json(7);
        sockets.get(1).sendText(big);
        for (WsRecorder r : recorders) {
            assertThat(r.next(WAIT)).isEqualTo(big);
        }
        for (WebSocket ws : sockets) {
            ws.close();
        }
    }
}
