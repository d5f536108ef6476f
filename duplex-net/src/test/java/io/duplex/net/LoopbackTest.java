package io.duplex.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/** Shared set-up for tests over real loopback sockets: a two-loop group and servers torn down after each test. */
@Timeout(60)
abstract class LoopbackTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    final EventLoopGroup group = new EventLoopGroup(2, getClass().getSimpleName());
    final List<TcpServer> servers = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (TcpServer s : servers) {
            s.closeAcceptor().get(10, TimeUnit.SECONDS);
        }
        group.shutdown().get(10, TimeUnit.SECONDS);
    }

    TcpServer serve(EventLoopGroup g, ConnectionOptions options, TlsConfig tls,
                    Supplier<? extends ConnectionHandler> handlers) throws IOException {
        TcpServer s = TcpServer.bind(g, ANY_LOOPBACK, TcpServer.DEFAULT_BACKLOG, options, tls, handlers);
        servers.add(s);
        return s;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
