package io.duplex.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client side of {@link ConnectionStormTest}, run in a child JVM so that its sockets do not count against
 * the test process's descriptor limit: opens {@code count} WebSocket connections to 127.0.0.1:{@code port}
 * from {@code threads} blocking threads, prints {@code OPEN <count>}, then holds them until it is killed,
 * which drops them all at once. JDK classes only.
 */
final class StormClient {
    private StormClient() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        byte[] request = ("GET /storm HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<Socket> held = new ArrayList<>(count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int share = count / threads + (t < count % threads ? 1 : 0);
            Thread w = new Thread(() -> {
                List<Socket> mine = new ArrayList<>(share);
                try {
                    for (int i = 0; i < share; i++) {
                        mine.add(open(port, request));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
                synchronized (held) {
                    held.addAll(mine);
                }
            });
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
        if (failure.get() != null) {
            failure.get().printStackTrace();
            System.out.println("FAILED " + held.size() + " " + failure.get());
        } else {
            System.out.println("OPEN " + held.size());
        }
        System.out.flush();
        // Hold every connection until the parent kills this process.
        while (System.in.read() >= 0) {
            // keep reading
        }
    }

    private static Socket open(int port, byte[] request) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        OutputStream out = s.getOutputStream();
        out.write(request);
        out.flush();
        InputStream in = s.getInputStream();
        // Read the 101 head up to its blank line; it has no body.
        int last4 = 0;
        StringBuilder head = new StringBuilder();
        while (last4 != 0x0d0a0d0a) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during handshake: " + head);
            }
            head.append((char) b);
            last4 = (last4 << 8) | b;
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("handshake refused: " + head);
        }
        return s;
    }
}
