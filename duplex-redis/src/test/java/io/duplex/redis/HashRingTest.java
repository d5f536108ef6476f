package io.duplex.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HashRingTest {
    private static final List<String> THREE = List.of("redis://10.0.0.1:6379", "redis://10.0.0.2:6379",
            "redis://10.0.0.3:6379");

    @Test
    void tenThousandTopicsSpreadRoughlyEvenlyOverThreeShards() {
        HashRing ring = new HashRing(THREE);
        int[] count = new int[3];
        for (int i = 0; i < 10_000; i++) {
            count[ring.shardOf("topic-" + i)]++;
        }
        // An even share is 3333; 100 points per shard keep each within about 15% of it.
        for (int c : count) {
            assertThat(c).isBetween(2800, 3900);
        }
    }

    @Test
    void addingAFourthShardMovesOnlyAboutAQuarterOfTheTopicsAndOnlyToIt() {
        HashRing three = new HashRing(THREE);
        List<String> fourShards = new java.util.ArrayList<>(THREE);
        fourShards.add("redis://10.0.0.4:6379");
        HashRing four = new HashRing(fourShards);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            String t = "topic-" + i;
            int before = three.shardOf(t);
            int after = four.shardOf(t);
            if (before != after) {
                moved++;
                assertThat(after).isEqualTo(3);
            }
        }
        assertThat(moved).isBetween(1800, 3200);
    }

    @Test
    void theMappingIsDeterministicAndIndependentOfTheOrderOfTheList() {
        HashRing a = new HashRing(THREE);
        HashRing b = new HashRing(THREE);
        HashRing reversed = new HashRing(List.of(THREE.get(2), THREE.get(1), THREE.get(0)));
        for (int i = 0; i < 1000; i++) {
            String t = "t" + i;
            assertThat(b.shardOf(t)).isEqualTo(a.shardOf(t));
            assertThat(reversed.shards().get(reversed.shardOf(t))).isEqualTo(a.shards().get(a.shardOf(t)));
        }
        // Fixed values: a change of hash or layout would silently move every topic of a running deployment.
        assertThat(HashRing.hash("")).isEqualTo(0xd41d8cd98f00b204L);
    }

    @Test
    void oneShardTakesEverythingAndDuplicatesAreRefused() {
        HashRing one = new HashRing(List.of("redis://a:1"));
        assertThat(one.shardOf("x")).isZero();
        assertThatThrownBy(() -> new HashRing(List.of("a", "a"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HashRing(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
