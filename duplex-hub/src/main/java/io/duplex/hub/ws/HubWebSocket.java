package io.duplex.hub.ws;

import io.duplex.hub.Hub;
import io.duplex.hub.HubSession;
import io.duplex.hub.SharedFrame;
import io.duplex.hub.SessionTransport;
import io.duplex.net.CloseStatus;
import io.duplex.net.EventLoop;
import io.duplex.net.SendResult;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketListener;
import io.duplex.hub.security.IpLimiter;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The WebSocket transport of one hub session: frames in go to the session, the session's output goes out as
 * frames, and a shared publication is sent as the frame encoded (and compressed) once for all.
 *
 * <p>Confined to the connection's loop, like the listener calls that drive it.
 */
final class HubWebSocket implements WebSocketListener, SessionTransport {
    private final Hub hub;
    private final IpLimiter ipLimiter;
    private WebSocket ws;
    private HubSession session;
    private InetAddress ip;

    HubWebSocket(Hub hub, IpLimiter ipLimiter) {
        this.hub = hub;
        this.ipLimiter = ipLimiter;
    }

    @Override
    public void onOpen(WebSocket socket) {
        this.ws = socket;
        HubEndpoint.Admitted a = (HubEndpoint.Admitted) socket.attachment();
        socket.attach(null);
        ip = a.ip();
        session = hub.open(this, a.principal(), String.valueOf(socket.remoteAddress()));
    }

    @Override
    public void onText(WebSocket socket, String text) {
        session.onText(text);
    }

    @Override
    public void onBinary(WebSocket socket, ByteBuffer data) {
        session.onBinary(data);
    }

    @Override
    public void onClose(WebSocket socket, CloseStatus status) {
        if (session != null) {
            session.onTransportClosed(status.code(), status.reason());
        }
        if (ipLimiter != null && ip != null) {
            ipLimiter.release(ip);
            ip = null;
        }
    }

    @Override
    public EventLoop loop() {
        return ws.loop();
    }

    @Override
    public SendResult sendText(ByteBuffer utf8) {
        return ws.sendUtf8(utf8);
    }

    @Override
    public SendResult sendShared(SharedFrame frame) {
        return ws.send(frame.prepared());
    }

    @Override
    public void close(int code, String reason) {
        ws.close(code, reason);
    }

    @Override
    public boolean isOpen() {
        return ws.isOpen();
    }

    @Override
    public long bufferedAmount() {
        return ws.bufferedAmount();
    }

    @Override
    public String kind() {
        return "websocket";
    }
}
