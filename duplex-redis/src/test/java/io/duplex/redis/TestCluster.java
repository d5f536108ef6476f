package io.duplex.redis;

import static org.junit.jupiter.api.Assertions.fail;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Redis Cluster of the test's own: three masters without replicas or persistence on free ports, their files in
 * a temporary directory; {@link #close} kills them and deletes the directory. Without redis-server or redis-cli
 * the test fails under CI=true and is skipped, loudly, elsewhere ({@link TestRedis#unavailable}).
 */
final class TestCluster implements AutoCloseable {
    final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Path dir;

    TestCluster(int masters) throws Exception {
        dir = Files.createTempDirectory("duplex-cluster-");
        try {
            for (int i = 0; i < masters; i++) {
                startNode();
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            ports.forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process cli;
            try {
                cli = new ProcessBuilder(create).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("create.log").toFile()).start();
            } catch (IOException e) {
                TestRedis.unavailable("redis-cli is not on PATH: " + e.getMessage());
                return;
            }
            if (!cli.waitFor(30, TimeUnit.SECONDS) || cli.exitValue() != 0) {
                cli.destroyForcibly();
                fail("redis-cli --cluster create failed: " + Files.readString(dir.resolve("create.log")));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            for (int port : ports) {
                while (!clusterOk(port)) {
                    if (System.nanoTime() > deadline) {
                        fail("cluster_state of node " + port + " is not ok after 20 s");
                    }
                    Thread.sleep(50);
                }
            }
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    /**
     * Starts one node on a port that is free and whose cluster bus port (port + 10000) is free too; a port taken
     * between the check and redis-server's bind (another process, an outgoing connection) is retried elsewhere.
     */
    private void startNode() throws Exception {
        for (int attempt = 0; ; attempt++) {
            int port = freePortPair();
            String p = Integer.toString(port);
            Process process = null;
            try {
                process = new ProcessBuilder("redis-server", "--port", p, "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes-" + p + ".conf")
                        .toString(), "--save", "", "--appendonly", "no", "--dir", dir.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + p + ".log").toFile())
                        .start();
            } catch (IOException e) {
                TestRedis.unavailable("redis-server is not on PATH: " + e.getMessage());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!TestRedis.answers(port) && process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (TestRedis.answers(port)) {
                ports.add(port);
                processes.add(process);
                return;
            }
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            if (attempt == 4 || !log(port).contains("Address already in use")) {
                fail("cluster node " + port + " did not start: " + log(port));
            }
        }
    }

    private static int freePortPair() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                int port = s.getLocalPort();
                if (port + 10000 > 65535) {
                    continue;
                }
                try (ServerSocket bus = new ServerSocket(port + 10000)) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
    }

    /** Seed URIs: {@code redis://127.0.0.1:P} of the given nodes, comma-separated. */
    String seeds(int... nodes) {
        List<String> out = new ArrayList<>();
        for (int n : nodes) {
            out.add("redis://127.0.0.1:" + ports.get(n));
        }
        return String.join(",", out);
    }

    /**
     * Whether one node itself holds keys in {@code key}'s slot (CLUSTER COUNTKEYSINSLOT answers for the node asked,
     * where EXISTS on a node that does not own the slot answers MOVED).
     */
    boolean nodeHasKeysInSlotOf(int node, String key) {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + ports.get(node));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().clusterCountKeysInSlot(c.sync().clusterKeyslot(key).intValue()) > 0;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    /** How many sharded pub/sub subscribers (SSUBSCRIBE) {@code channel} has on one node. */
    long shardSubscribers(int node, String channel) {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + ports.get(node));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().pubsubShardNumsub(channel).getOrDefault(channel, 0L);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    /** The node (index into {@link #ports}) that owns {@code key}'s slot, from CLUSTER KEYSLOT and CLUSTER NODES. */
    int ownerOf(String key) {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + ports.get(0));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long slot = c.sync().clusterKeyslot(key);
            for (String line : c.sync().clusterNodes().split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length < 9 || !f[2].contains("master")) {
                    continue;
                }
                int port = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1).split("@")[0]);
                for (int i = 8; i < f.length; i++) {
                    String[] range = f[i].split("-");
                    long from = Long.parseLong(range[0]);
                    long to = range.length > 1 ? Long.parseLong(range[1]) : from;
                    if (slot >= from && slot <= to) {
                        return ports.indexOf(port);
                    }
                }
            }
            throw new IllegalStateException("no master owns slot " + slot);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    private boolean clusterOk(int port) {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().clusterInfo().contains("cluster_state:ok");
        } catch (RuntimeException e) {
            return false;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    private String log(int port) {
        try {
            return Files.readString(dir.resolve("redis-" + port + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
