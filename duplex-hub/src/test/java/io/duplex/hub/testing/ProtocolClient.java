package io.duplex.hub.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.net.ClientOptions;
import io.duplex.net.CloseStatus;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketClient;
import io.duplex.net.WebSocketListener;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A test client of the hub's JSON protocol over a real WebSocket (Duplex's own client). Received text frames are
 * split into messages (batches), binary frames kept as {@code byte[]}; {@link #next} hands them out in order,
 * {@link #request} sends a request with a fresh id and waits for its answer while keeping the rest for
 * {@link #next}. Every wait is bounded (default 10 s) and fails the test with what did arrive.
 *
 * <p>Thread-safety: for one test thread; the listener side is internally synchronized.
 */
public final class ProtocolClient implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final Duration WAIT = Duration.ofSeconds(10);

    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final List<Object> stash = new ArrayList<>();
    private final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
    private final AtomicLong ids = new AtomicLong();
    private final List<Integer> frameSizes = java.util.Collections.synchronizedList(new ArrayList<>());
    private WebSocket ws;
    private JsonNode welcome;

    private ProtocolClient() {}

    /** Connects and waits for {@code welcome}. */
    public static ProtocolClient connect(URI uri) throws Exception {
        return connect(uri, ClientOptions.DEFAULTS);
    }

    public static ProtocolClient connect(URI uri, ClientOptions options) throws Exception {
        ProtocolClient c = new ProtocolClient();
        c.ws = WebSocketClient.connect(uri, options, c.listener()).get(10, TimeUnit.SECONDS);
        JsonNode w = c.next();
        if (!"welcome".equals(w.path("type").asText())) {
            throw new AssertionError("expected welcome first, got " + w);
        }
        c.welcome = w;
        return c;
    }

    /** Connects, expecting the upgrade to fail; returns the failure (its message has the HTTP status). */
    public static Throwable connectFailure(URI uri, ClientOptions options) throws Exception {
        ProtocolClient c = new ProtocolClient();
        try {
            c.ws = WebSocketClient.connect(uri, options, c.listener()).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        c.ws.terminate();
        throw new AssertionError("the upgrade succeeded");
    }

    private WebSocketListener listener() {
        return new WebSocketListener() {
            @Override
            public void onText(WebSocket socket, String text) {
                frameSizes.add(text.length());
                for (String line : text.split("\n")) {
                    if (!line.isEmpty()) {
                        try {
                            inbox.add(JSON.readTree(line));
                        } catch (Exception e) {
                            inbox.add(new AssertionError("server sent invalid JSON: " + line, e));
                        }
                    }
                }
            }

            @Override
            public void onBinary(WebSocket socket, ByteBuffer data) {
                frameSizes.add(data.remaining());
                byte[] b = new byte[data.remaining()];
                data.get(b);
                inbox.add(b);
            }

            @Override
            public void onClose(WebSocket socket, CloseStatus status) {
                closed.complete(status);
            }
        };
    }

    public JsonNode welcome() {
        return welcome;
    }

    public String clientId() {
        return welcome.path("client").asText();
    }

    public WebSocket socket() {
        return ws;
    }

    /** Sizes of the frames received so far (text: characters; binary: bytes). */
    public List<Integer> frameSizes() {
        return List.copyOf(frameSizes);
    }

    public void send(String text) {
        ws.sendText(text);
    }

    public void send(JsonNode message) {
        ws.sendText(message.toString());
    }

    public void sendBinary(byte[] frame) {
        ws.sendBinary(frame);
    }

    /** A request object of this type with a fresh id. */
    public ObjectNode request(String type) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", type);
        n.put("id", ids.incrementAndGet());
        return n;
    }

    /** Sends {@code req} (which has an id) and returns its ack or error; other messages stay for next(). */
    public JsonNode call(ObjectNode req) throws InterruptedException {
        send(req);
        long id = req.path("id").asLong();
        return nextMatching(m -> m instanceof JsonNode j && j.path("id").asLong() == id
                && ("ack".equals(j.path("type").asText()) || "error".equals(j.path("type").asText())));
    }

    /** Sends and expects an ack. */
    public JsonNode ack(ObjectNode req) throws InterruptedException {
        JsonNode r = call(req);
        if (!"ack".equals(r.path("type").asText())) {
            throw new AssertionError("expected an ack for " + req + ", got " + r);
        }
        return r;
    }

    public JsonNode subscribe(String topic) throws InterruptedException {
        ObjectNode r = request("subscribe");
        r.put("topic", topic);
        return ack(r);
    }

    public JsonNode publish(String topic, String dataJson) throws Exception {
        ObjectNode r = request("publish");
        r.put("topic", topic);
        r.set("data", JSON.readTree(dataJson));
        return ack(r);
    }

    /** The next JSON message (not binary). */
    public JsonNode next() throws InterruptedException {
        Object o = nextObject(WAIT);
        if (!(o instanceof JsonNode j)) {
            throw new AssertionError("expected a JSON message, got binary " + java.util.HexFormat.of().formatHex((byte[]) o));
        }
        return j;
    }

    /** The next message of this type, skipping (and dropping) others. */
    public JsonNode next(String type) throws InterruptedException {
        return (JsonNode) nextMatching(m -> m instanceof JsonNode j && type.equals(j.path("type").asText()));
    }

    public byte[] nextBinary() throws InterruptedException {
        Object o = nextObject(WAIT);
        if (!(o instanceof byte[] b)) {
            throw new AssertionError("expected a binary frame, got " + o);
        }
        return b;
    }

    /** The next message of either kind. */
    public Object nextObject(Duration wait) throws InterruptedException {
        if (!stash.isEmpty()) {
            return check(stash.remove(0));
        }
        Object o = inbox.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (o == null) {
            throw new AssertionError("nothing received within " + wait + (closed.isDone() ? "; closed: "
                    + closed.getNow(null) : ""));
        }
        return check(o);
    }

    /** Null when nothing arrives within {@code wait}. */
    public Object poll(Duration wait) throws InterruptedException {
        if (!stash.isEmpty()) {
            return check(stash.remove(0));
        }
        Object o = inbox.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        return o == null ? null : check(o);
    }

    private static Object check(Object o) {
        if (o instanceof AssertionError e) {
            throw e;
        }
        return o;
    }

    private JsonNode nextMatching(Predicate<Object> match) throws InterruptedException {
        for (Iterator<Object> it = stash.iterator(); it.hasNext(); ) {
            Object o = it.next();
            if (match.test(o)) {
                it.remove();
                return (JsonNode) o;
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Object> skipped = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            Object o = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
            if (o == null) {
                stash.addAll(skipped);
                throw new AssertionError("no matching message within " + WAIT + "; meanwhile got " + skipped
                        + (closed.isDone() ? "; closed: " + closed.getNow(null) : ""));
            }
            check(o);
            if (match.test(o)) {
                stash.addAll(skipped);
                return (JsonNode) o;
            }
            skipped.add(o);
        }
    }

    /** Messages received so far and not yet taken. */
    public List<Object> drain() {
        List<Object> out = new ArrayList<>(stash);
        stash.clear();
        inbox.drainTo(out);
        return out;
    }

    public CloseStatus awaitClose() throws Exception {
        return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        if (ws != null && !closed.isDone()) {
            ws.close(1000, "");
            try {
                closed.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                ws.terminate();
            }
        }
    }
}
