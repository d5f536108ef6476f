package io.duplex.hub.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.HubSession;
import io.duplex.hub.SessionTransport;
import io.duplex.hub.SharedFrame;
import io.duplex.net.EventLoop;
import io.duplex.net.HttpExchange;
import io.duplex.net.HttpStream;
import io.duplex.net.SendResult;
import io.duplex.net.Timeout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A hub session carried down by a server-sent event stream (one event per frame, one {@code data:} line per JSON
 * message) and up by {@code POST /http/send}. The stream is the session: when it ends, so does the session.
 *
 * <p>Confined to the loop of the stream's connection.
 */
final class SseTransport implements SessionTransport {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuffer KEEPALIVE = ByteBuffer.wrap(": keepalive\n\n".getBytes(StandardCharsets.US_ASCII))
            .asReadOnlyBuffer();

    private final HttpTransports owner;
    private final String secret;
    private final HttpStream stream;
    private final EventLoop loop;
    private HubSession session;
    private Timeout keepalive;
    private boolean ended;

    SseTransport(HttpTransports owner, String secret, HttpExchange exchange, HttpStream stream) {
        this.owner = owner;
        this.secret = secret;
        this.stream = stream;
        this.loop = exchange.loop();
        exchange.onClose(() -> end(1006, "event stream closed by the client"));
        exchange.onShutdown(() -> {
            if (session != null) {
                session.close(1001, "server shutting down");
            }
        });
    }

    void started(HubSession s) {
        this.session = s;
        armKeepalive();
    }

    HubSession session() {
        return session;
    }

    private void armKeepalive() {
        keepalive = loop.schedule(owner.settings().keepalive().toNanos(), TimeUnit.NANOSECONDS, () -> {
            if (!ended) {
                stream.write(KEEPALIVE.duplicate());
                armKeepalive();
            }
        });
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public SendResult sendText(ByteBuffer utf8) {
        return event(HttpFrames.bytes(utf8));
    }

    @Override
    public SendResult sendShared(SharedFrame frame) {
        return event(HttpFrames.lines(frame));
    }

    /** One event: every line of {@code lines} as a {@code data:} line, then the blank line that ends the event. */
    private SendResult event(byte[] lines) {
        return event(lines, false);
    }

    /** {@code last}: the close message, queued even past the limit (it is small and the stream ends after it). */
    private SendResult event(byte[] lines, boolean last) {
        if (ended || !stream.isOpen()) {
            return SendResult.CLOSED;
        }
        if (!last && stream.bufferedAmount() + lines.length > owner.settings().maxBuffered()) {
            loop.execute(() -> close(1008, "slow consumer"));
            return SendResult.DROPPED;
        }
        int count = 1;
        for (byte c : lines) {
            if (c == '\n') {
                count++;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(lines.length + count * (DATA.length + 1) + 1);
        out.put(DATA);
        for (byte c : lines) {
            out.put(c);
            if (c == '\n') {
                out.put(DATA);
            }
        }
        out.put((byte) '\n').put((byte) '\n');
        stream.write(out.flip());
        return stream.bufferedAmount() > owner.settings().highWatermark() ? SendResult.BACKPRESSURE : SendResult.SENT;
    }

    @Override
    public void close(int code, String reason) {
        if (ended) {
            return;
        }
        event(HttpFrames.close(code, reason), true);
        stream.end();
        end(code, reason);
    }

    private void end(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        if (keepalive != null) {
            keepalive.cancel();
        }
        owner.ended(secret);
        if (session != null) {
            session.onTransportClosed(code, reason);
        }
    }

    @Override
    public boolean isOpen() {
        return !ended && stream.isOpen();
    }

    @Override
    public long bufferedAmount() {
        return stream.bufferedAmount();
    }

    @Override
    public String kind() {
        return "sse";
    }

    @Override
    public void welcome(ObjectNode welcome) {
        welcome.put("session", secret);
    }
}
