package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The loop's pool of large-message buffers: what it lends, when a released buffer may be lent again, and that a
 * peer cannot make it allocate more than twice what the peer sent.
 */
class MessageBufferPoolTest extends WebSocketTestBase {

    @Test
    void aNegativePoolSizeIsRefusedWhereverItIsSet() throws Exception {
        assertThatThrownBy(() -> WebSocketServer.builder().messageBufferPoolBytes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        EventLoopGroup group = new EventLoopGroup(1, "pool-size-test");
        try {
            assertThatThrownBy(() -> group.messageBufferPoolBytes(-1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
            group.messageBufferPoolBytes(0);
            assertThat(group.loops().get(0).submit(() -> group.loops().get(0).messageBuffers())
                    .get(5, TimeUnit.SECONDS)).as("no pool when its size is 0").isNull();
        } finally {
            group.shutdown().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNewBufferIsAtMostTwiceWhatArrived() {
        MessageBufferPool pool = new MessageBufferPool(64L << 20);
        ByteBuffer b = pool.acquire(40_000, 16 << 20);
        assertThat(b.capacity()).isEqualTo(80_000);
        assertThat(b.isDirect()).isTrue();
        assertThat(pool.acquire(40_000, 50_000).capacity()).isEqualTo(50_000);
        assertThat(pool.allocatedBytes()).isEqualTo(130_000);
    }

    @Test
    void aReleasedBufferIsLentAgainOnlyAfterReclaimAndThenAtTheAnnouncedSize() {
        MessageBufferPool pool = new MessageBufferPool(64L << 20);
        ByteBuffer big = pool.acquire(1 << 20, 1 << 20);
        pool.release(big);
        ByteBuffer other = pool.acquire(40_000, 1 << 20);
        assertThat(other).isNotSameAs(big);
        pool.release(other);
        pool.reclaim();
        assertThat(pool.freeBuffers()).isEqualTo(2);
        // Memory that exists is lent at the announced size: the 1 MiB buffer, not the 80,000-byte one.
        assertThat(pool.acquire(40_000, 1 << 20)).isSameAs(big);
        assertThat(pool.acquire(40_000, 1 << 20)).isSameAs(other);
        assertThat(pool.freeBuffers()).isZero();
    }

    @Test
    void directMemoryStaysWithinTheBoundAndHeapBuffersAreNotKept() {
        MessageBufferPool pool = new MessageBufferPool(1 << 20);
        ByteBuffer a = pool.acquire(600_000, 600_000);
        ByteBuffer b = pool.acquire(600_000, 600_000);
        assertThat(a.isDirect()).isTrue();
        assertThat(b.isDirect()).isFalse();
        pool.release(a);
        pool.release(b);
        pool.reclaim();
        assertThat(pool.freeBuffers()).isEqualTo(1);
        // A larger buffer replaces the free one rather than exceed the bound.
        assertThat(pool.acquire(900_000, 900_000).isDirect()).isTrue();
        assertThat(pool.directBytes()).isEqualTo(900_000);
        assertThat(pool.freeBuffers()).isZero();
    }

    @Test
    void aPeerAnnouncing16MiBHoldsAtMostTwiceWhatItSent() throws Exception {
        WebSocketServer server = start(WebSocketServer.builder()
                .defaultEndpoint(Endpoint.of(new WebSocketListener() {}).withDeflate(null)));
        EventLoop loop = server.group().loops().get(0);
        RawPeer peer = open(server, "/");
        int sent = 100_000;
        peer.write(RawPeer.frame(0x82, new byte[sent], 16 << 20, true));
        // Each read past the threshold may allocate; all of it is within twice what arrived.
        assertThat(eventually(WAIT, () -> allocated(loop) >= sent)).isTrue();
        assertThat(allocated(loop)).as("bytes the pool allocated").isLessThanOrEqualTo(2L * sent);
    }

    private static long allocated(EventLoop loop) throws Exception {
        return loop.submit(() -> loop.messageBuffers().allocatedBytes()).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aFragmentedMessageOverTheLimitStillFailsWith1009() throws Exception {
        WebSocketServer server = start(WebSocketServer.builder()
                .defaultEndpoint(Endpoint.of(new WebSocketListener() {}).withDeflate(null)
                        .withOptions(WebSocketOptions.SERVER_DEFAULTS.withMaxMessageSize(200_000))));
        RawPeer peer = open(server, "/");
        peer.write(RawPeer.frame(false, 0x2, new byte[150_000]));
        peer.write(RawPeer.frame(true, 0x0, new byte[50_001]));
        assertThat(peer.readUntilClose().closeCode()).isEqualTo(1009);
    }
}
