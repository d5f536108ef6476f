/**
 * The transport under the WebSocket engine: event loops, a timing wheel, non-blocking TCP
 * connections with corking and watermarks, a server and a client, and TLS. No WebSocket logic.
 *
 * <p>How the pieces fit: an {@link io.duplex.net.EventLoopGroup} owns N {@link io.duplex.net.EventLoop}s.
 * {@link io.duplex.net.TcpServer} accepts on one of them and hands each socket to the next loop,
 * where it becomes a {@link io.duplex.net.Connection} driven by a fresh
 * {@link io.duplex.net.ConnectionHandler}; {@link io.duplex.net.TcpClient} does the same for outbound
 * sockets. Everything about a connection happens on its loop thread; other threads hop with
 * {@code execute}. {@link io.duplex.net.TlsConfig} turns either side into TLS without changing the
 * handler API. Timers for handshakes, idleness and heartbeats go on the loop's
 * {@link io.duplex.net.TimerWheel} through {@link io.duplex.net.EventLoop#schedule}.
 */
package io.duplex.net;
