package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Echoing a received message as it is (a read-only view of the loop's read buffer) must stay correct when the
 * socket cannot take the echo at once: the queued rest is copied before the read buffer is reused. A raw peer
 * sends many distinct binary messages while not reading, then reads every echo and checks each byte.
 */
class BorrowedViewTest {
    private WebSocketServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1)).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void echoedViewsSurviveAFullSocket() throws Exception {
        java.util.concurrent.CountDownLatch backedUp = new java.util.concurrent.CountDownLatch(1);
        WebSocket[] serverSide = new WebSocket[1];
        WebSocketListener echoView = new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws) {
                serverSide[0] = ws;
            }

            @Override
            public void onBinary(WebSocket ws, ByteBuffer data) {
                ws.sendBinary(data);
                if (ws.bufferedAmount() > 32 * 1024) {
                    // Echoes are queued behind a full socket: the case this test is about.
                    backedUp.countDown();
                }
            }
        };
        server = WebSocketServer.builder().port(0).loops(1)
                .defaultEndpoint(Endpoint.of(echoView).withDeflate(null)
                        .withOptions(WebSocketOptions.SERVER_DEFAULTS.withPingInterval(Duration.ZERO)
                                .withMaxBackpressure(256L << 20, WebSocketOptions.SlowConsumerPolicy.CLOSE)))
                .start();
        int messages = 6_000;  // 6 MB each way: more than the loopback socket buffers in between hold
        int size = 1000;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setReceiveBufferSize(16 * 1024);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            DataInputStream din = new DataInputStream(new java.io.BufferedInputStream(in, 64 * 1024));
            // Skip the 101 response head.
            int matched = 0;
            while (matched < 4) {
                int b = din.read();
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : 0;
            }
            // Send everything without reading: the server's echoes back up behind our unread receive buffer.
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < messages; i++) {
                        byte[] frame = new byte[8 + size];
                        frame[0] = (byte) 0x82;
                        frame[1] = (byte) (0x80 | 126);
                        frame[2] = (byte) (size >> 8);
                        frame[3] = (byte) size;
                        // Mask key 0: the payload goes out as written.
                        for (int k = 0; k < size; k++) {
                            frame[8 + k] = (byte) (i * 31 + k);
                        }
                        out.write(frame);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.setDaemon(true);
            writer.start();
            assertThat(backedUp.await(20, TimeUnit.SECONDS)).as("echoes queued behind a full socket").isTrue();
            for (int i = 0; i < messages; i++) {
                try {
                    readEcho(din, i, size);
                } catch (java.io.IOException | AssertionError e) {
                    WebSocketSession ss = (WebSocketSession) serverSide[0];
                    String state = ss.connection().loop().submit(ss::describe).get(5, TimeUnit.SECONDS);
                    String sockets = new String(new ProcessBuilder("ss", "-tnoi", "sport = :" + server.port()
                            + " or dport = :" + server.port()).redirectErrorStream(true).start().getInputStream()
                            .readAllBytes());
                    throw new AssertionError("failed at echo " + i + "; writer alive=" + writer.isAlive()
                            + "; server side: " + state + "\n" + sockets, e);
                }
            }
        }
    }

    private static void readEcho(DataInputStream din, int i, int size) throws java.io.IOException {
        assertThat(din.readUnsignedByte()).isEqualTo(0x82);
        assertThat(din.readUnsignedByte()).isEqualTo(126);
        assertThat(din.readUnsignedShort()).isEqualTo(size);
        byte[] payload = new byte[size];
        din.readFully(payload);
        for (int k = 0; k < size; k++) {
            if (payload[k] != (byte) (i * 31 + k)) {
                throw new AssertionError("echo " + i + " corrupted at byte " + k);
            }
        }
    }
}
