package io.duplex.bench.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelMatchers;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Peer server on Netty 4.2: {@code HttpServerCodec}, the websocketx handshake and protocol handlers,
 * whole-message aggregation, then {@link FrameHandler} echoing or fanning out through a
 * {@link ChannelGroup}.
 *
 * <p>Thread-safety: {@link #start} may be called from any thread and returns a handle that is safe to
 * use from any thread. Each connection's handlers run on that connection's event loop only.
 */
public final class NettyPeer {

    /** Handshake requests are small; the aggregator only needs to hold the upgrade request. */
    private static final int MAX_HANDSHAKE_BYTES = 64 * 1024;
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private NettyPeer() {
    }

    public static void main(String[] args) {
        PeerMain.run("netty", args, NettyPeer::start);
    }

    public static PeerServer start(String host, int port) throws InterruptedException {
        return start(PeerOptions.defaults().withEndpoint(host, port));
    }

    public static PeerServer start(PeerOptions options) throws InterruptedException {
        if (options.epoll() && !Epoll.isAvailable()) {
            throw new IllegalStateException("--epoll asked for, but native epoll is unavailable",
                    Epoll.unavailabilityCause());
        }
        IoHandlerFactory io = options.epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> serverChannel =
                options.epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        // One acceptor thread and a separate worker group, as Netty's examples set up servers.
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(options.threads(), io);
        ChannelGroup broadcastGroup = new DefaultChannelGroup("broadcast", GlobalEventExecutor.INSTANCE);
        try {
            Channel server = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(serverChannel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(new Initializer(options.deflate(), broadcastGroup))
                    .bind(options.host(), options.port())
                    .sync()
                    .channel();
            return new Handle(server, boss, workers, broadcastGroup);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Builds each accepted connection's pipeline. Sharable: it keeps no per-connection state. */
    private static final class Initializer extends ChannelInitializer<SocketChannel> {
        private final boolean deflate;
        private final ChannelGroup broadcastGroup;

        Initializer(boolean deflate, ChannelGroup broadcastGroup) {
            this.deflate = deflate;
            this.broadcastGroup = broadcastGroup;
        }

        @Override
        protected void initChannel(SocketChannel channel) {
            ChannelPipeline pipeline = channel.pipeline();
            // Batches the writeAndFlush calls below into one flush per read loop (and, for fan-out
            // writes arriving from other event loops, one per event-loop turn).
            pipeline.addLast(new FlushConsolidationHandler(
                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
            pipeline.addLast(new HttpServerCodec());
            pipeline.addLast(new HttpObjectAggregator(MAX_HANDSHAKE_BYTES));
            if (deflate) {
                pipeline.addLast(new WebSocketServerCompressionHandler(PeerOptions.MAX_MESSAGE_BYTES));
            }
            pipeline.addLast(new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath("/")
                    .checkStartsWith(true)
                    .allowExtensions(deflate)
                    .maxFramePayloadLength(PeerOptions.MAX_MESSAGE_BYTES)
                    .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS)
                    .build()));
            // Continuation frames become one frame per message, so fan-out never interleaves
            // fragments of two senders' messages on one receiver.
            pipeline.addLast(new WebSocketFrameAggregator(PeerOptions.MAX_MESSAGE_BYTES));
            pipeline.addLast(new FrameHandler(broadcastGroup));
        }
    }

    /**
     * Echoes each whole message, or on {@code /broadcast} writes it to the group once: the group hands
     * each member a retained duplicate of the same frame, so the payload is never copied.
     *
     * <p>Thread-safety: one instance per connection, used on that connection's event loop only.
     */
    private static final class FrameHandler extends ChannelInboundHandlerAdapter {
        private final ChannelGroup broadcastGroup;
        private boolean broadcast;

        FrameHandler(ChannelGroup broadcastGroup) {
            this.broadcastGroup = broadcastGroup;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake
                    && PeerOptions.isBroadcast(handshake.requestUri())) {
                broadcast = true;
                broadcastGroup.add(ctx.channel());
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (broadcast) {
                // Void promises: no future allocated per member per message.
                broadcastGroup.writeAndFlush(msg, ChannelMatchers.all(), true);
            } else {
                ctx.writeAndFlush(msg, ctx.voidPromise());
                if (!ctx.channel().isWritable()) {
                    // Stop reading until the peer drains what we echoed.
                    ctx.channel().config().setAutoRead(false);
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (!broadcast && ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Thread-safety: close is idempotent and safe from any thread (Netty's close and shutdown are). */
    private record Handle(Channel server, EventLoopGroup boss, EventLoopGroup workers, ChannelGroup broadcastGroup)
            implements PeerServer {

        @Override
        public int actualPort() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            broadcastGroup.close().awaitUninterruptibly();
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
