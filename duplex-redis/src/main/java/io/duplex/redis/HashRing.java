package io.duplex.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * Consistent hashing of topics over shards: each shard owns {@code points} positions on a ring of 64-bit hashes
 * ({@code hash(name + "#" + i)}), and a topic belongs to the shard of the first position at or after
 * {@code hash(topic)}, wrapping around. The hash is the first 8 bytes of MD5 (as ketama), so the mapping is the
 * same in every process and every run; positions depend on the shard's name, not on its place in the list, so
 * adding or removing one of N shards moves only about 1/N of the topics.
 *
 * <p>Every node of a deployment must be given the same shard names (the same addresses), or they disagree on
 * where a topic lives. Immutable and thread-safe.
 */
final class HashRing {
    /** Positions per shard: enough for a spread within a few percent over a handful of shards. */
    static final int DEFAULT_POINTS = 100;

    private final List<String> shards;
    private final long[] positions;
    private final int[] owners;

    /** @param shards distinct shard names (their addresses); the index into this list is what {@link #shardOf} returns */
    HashRing(List<String> shards, int points) {
        if (shards.isEmpty() || points < 1 || new HashSet<>(shards).size() != shards.size()) {
            throw new IllegalArgumentException("one or more distinct shards and one or more points: " + shards);
        }
        this.shards = List.copyOf(shards);
        int n = shards.size() * points;
        long[][] entries = new long[n][];
        for (int s = 0; s < shards.size(); s++) {
            for (int i = 0; i < points; i++) {
                entries[s * points + i] = new long[] {hash(shards.get(s) + "#" + i), s};
            }
        }
        // Ties (never seen with MD5, but possible) go to the shard whose name sorts first, never to list order.
        Arrays.sort(entries, (a, b) -> a[0] != b[0] ? Long.compareUnsigned(a[0], b[0])
                : shards.get((int) a[1]).compareTo(shards.get((int) b[1])));
        positions = new long[n];
        owners = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = entries[i][0];
            owners[i] = (int) entries[i][1];
        }
    }

    HashRing(List<String> shards) {
        this(shards, DEFAULT_POINTS);
    }

    List<String> shards() {
        return shards;
    }

    /** The index of the shard that holds {@code topic}. */
    int shardOf(String topic) {
        long h = hash(topic);
        int lo = 0;
        int hi = positions.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(positions[mid], h) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return owners[lo == positions.length ? 0 : lo];
    }

    static long hash(String s) {
        byte[] d;
        try {
            d = MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (d[i] & 0xff);
        }
        return h;
    }
}
