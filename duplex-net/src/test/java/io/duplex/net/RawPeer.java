package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A hand-driven peer on a blocking {@link Socket}, for tests: writes exact bytes (HTTP heads, masked or
 * unmasked frames) and reads the exact response or frame back. Every read is bounded by the socket timeout.
 * Not thread-safe, except that one thread may write while another reads.
 */
final class RawPeer implements AutoCloseable {
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawPeer connect(int port) throws IOException {
        return connect(port, 0);
    }

    /** @param receiveBuffer SO_RCVBUF to ask for before connecting (a slow reader), or 0 for the default */
    static RawPeer connect(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.setTcpNoDelay(true);
        s.setSoTimeout(5_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return new RawPeer(s);
    }

    /** Connects and completes a WebSocket handshake on {@code path}. */
    static RawPeer open(int port, String path) throws IOException {
        return open(port, path, 0);
    }

    static RawPeer open(int port, String path, int receiveBuffer) throws IOException {
        RawPeer p = connect(port, receiveBuffer);
        p.write(upgradeRequest(path, "13", true));
        Response r = p.readResponse();
        assertThat(r.status()).as("handshake on %s", path).isEqualTo(101);
        return p;
    }

    static String upgradeRequest(String path, String version, boolean withKey) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + (withKey ? "Sec-WebSocket-Key: " + KEY + "\r\n" : "")
                + "Sec-WebSocket-Version: " + version + "\r\n\r\n";
    }

    void write(String ascii) throws IOException {
        write(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    // ------------------------------------------------------------------------------------------------ HTTP

    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Reads one response head and its Content-Length body (none for 101). */
    Response readResponse() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after " + head.size() + " bytes of a response head: "
                        + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String body = "";
        String length = headers.get("content-length");
        if (length != null && status != 101) {
            byte[] b = new byte[Integer.parseInt(length)];
            in.readFully(b);
            body = new String(b, StandardCharsets.UTF_8);
        }
        return new Response(status, headers, body);
    }

    /**
     * Reads until the peer ends the connection (FIN or RST) and returns true, or false if it stays open for
     * {@code within}. Bytes that arrive meanwhile are discarded.
     */
    boolean awaitEnd(Duration within) throws IOException {
        int old = socket.getSoTimeout();
        long deadline = System.nanoTime() + within.toNanos();
        byte[] sink = new byte[64 * 1024];
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) left);
                try {
                    if (in.read(sink) < 0) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (SocketException e) {
                    return true; // reset
                }
            }
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(old);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- frames

    record Frame(boolean fin, int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            assertThat(opcode).as("opcode").isEqualTo(0x8);
            return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        String closeReason() {
            return payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    /** A frame as a client sends it: masked unless {@code mask} is false; {@code length} may lie. */
    static byte[] frame(int b0, byte[] payload, long length, boolean mask) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(b0);
        int m = mask ? 0x80 : 0;
        if (length < 126) {
            f.write(m | (int) length);
        } else if (length < 65536) {
            f.write(m | 126);
            f.write((int) (length >> 8));
            f.write((int) length);
        } else {
            f.write(m | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) (length >> (8 * i)));
            }
        }
        byte[] key = new byte[4];
        if (mask) {
            ThreadLocalRandom.current().nextBytes(key);
            f.write(key, 0, 4);
        }
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ key[i & 3]);
        }
        return f.toByteArray();
    }

    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        return frame((fin ? 0x80 : 0) | opcode, payload, payload.length, true);
    }

    void sendText(String text) throws IOException {
        write(frame(true, 0x1, text.getBytes(StandardCharsets.UTF_8)));
    }

    void sendClose(int code) throws IOException {
        write(frame(true, 0x8, new byte[] {(byte) (code >> 8), (byte) code}));
    }

    Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        assertThat(b1 & 0x80).as("server frames are not masked").isZero();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new Frame((b0 & 0x80) != 0, b0 & 0x0f, payload);
    }

    /** Reads frames, skipping pings and data, until a close frame. */
    Frame readUntilClose() throws IOException {
        while (true) {
            Frame f = readFrame();
            if (f.opcode() == 0x8) {
                return f;
            }
        }
    }

    /** Asserts that this connection still echoes a text message; answers pings meanwhile. */
    void assertEchoes(String text) throws IOException {
        sendText(text);
        Frame f = readFrame();
        while (f.opcode() == 0x9 || f.opcode() == 0xA) {
            if (f.opcode() == 0x9) {
                write(frame(true, 0xA, f.payload()));
            }
            f = readFrame();
        }
        assertThat(f.opcode()).isEqualTo(0x1);
        assertThat(f.text()).isEqualTo(text);
    }

    /** Sends SO_LINGER 0 before closing: the kernel resets the connection. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
