package io.duplex.redis;

import static org.junit.jupiter.api.Assertions.fail;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The Redis the tests use: the shared one on 127.0.0.1:6379 (never stopped or flushed: every test works under a
 * key prefix of its own and deletes only that), or a redis-server the test starts on a free port of its own.
 * Without Redis the tests fail under CI=true and are skipped, loudly, elsewhere.
 */
final class TestRedis {
    static final String SHARED = "redis://127.0.0.1:6379";
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestRedis() {}

    /** The shared Redis's URI, after checking that it answers. */
    static String shared() {
        if (!answers(6379)) {
            unavailable("no Redis answers on 127.0.0.1:6379");
        }
        return SHARED;
    }

    /** A key prefix no other test run uses. */
    static String prefix() {
        return "duplex-test:" + Long.toString(RANDOM.nextLong() >>> 1, 36) + ":";
    }

    /** Deletes the keys under {@code prefix} (SCAN + UNLINK; never FLUSH). */
    static void deleteKeys(String uri, String prefix) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
                List<String> keys = page.getKeys();
                if (!keys.isEmpty()) {
                    c.sync().unlink(keys.toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    static void unavailable(String why) {
        if ("true".equals(System.getenv("CI"))) {
            fail(why + " (CI=true: the Redis tests must run)");
        }
        System.err.println("*** SKIPPING Redis tests: " + why + " ***");
        Assumptions.abort(why);
    }

    static boolean answers(int port) {
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

    /** A redis-server of the test's own, without persistence, on a free port; stop and start it at will. */
    static final class OwnRedis implements AutoCloseable {
        final int port;
        private Process process;

        OwnRedis() throws Exception {
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            start();
        }

        String uri() {
            return "redis://127.0.0.1:" + port;
        }

        void start() throws Exception {
            try {
                process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no")
                        .redirectErrorStream(true).redirectOutput(new File("target/redis-" + port + ".log"))
                        .start();
            } catch (IOException e) {
                unavailable("redis-server is not on PATH: " + e.getMessage());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!answers(port)) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    fail("redis-server on port " + port + " did not start; see target/redis-" + port + ".log");
                }
                Thread.sleep(20);
            }
        }

        /** Kills it (SIGKILL): its data is gone, as after a crash of a Redis without persistence. */
        void stop() throws Exception {
            process.destroyForcibly();
            process.waitFor();
        }

        @Override
        public void close() throws Exception {
            if (process != null && process.isAlive()) {
                stop();
            }
        }
    }
}
