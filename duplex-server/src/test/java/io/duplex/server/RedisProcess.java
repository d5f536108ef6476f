package io.duplex.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the test's own on a free port, without persistence ({@code --save "" --appendonly no}), so
 * that a test may kill it and start it again empty, as after a crash; the shared Redis on 6379 is never touched.
 * (duplex-redis's TestRedis.OwnRedis does the same for that module's tests.)
 *
 * <p>Thread-safety: for one test thread.
 */
final class RedisProcess implements AutoCloseable {
    private final int port;
    private final Path log;
    private Process process;

    RedisProcess(Path dir) throws Exception {
        ForeignClients.requireRedisServer();
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        log = dir.resolve("redis-" + port + ".log");
        start();
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts it on its port and waits (at most 10 s) until it answers PING. */
    void start() throws Exception {
        process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!answers()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError("redis-server on port " + port + " did not start; see " + log);
            }
            Thread.sleep(20);
        }
    }

    /** SIGKILL: everything it held is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private boolean answers() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] b = new byte[7];
            int n = in.read(b);
            return n > 0 && new String(b, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
