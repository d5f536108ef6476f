package io.duplex.hub.http;

import io.duplex.hub.Hub;
import io.duplex.hub.HubSession;
import io.duplex.hub.protocol.ErrorCode;
import io.duplex.hub.ws.HubEndpoint;
import io.duplex.net.HandshakeHook;
import io.duplex.net.HttpExchange;
import io.duplex.net.HttpHandler;
import io.duplex.net.HttpStream;
import io.duplex.net.WebSocketServer;
import io.duplex.protocol.handshake.HttpHeaders;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP fallback of hub sessions (docs/protocol.md, "HTTP fallback"): server-sent events or long polls down,
 * {@code POST /http/send} up. The same {@link HubSession} as over WebSocket, so ordering, recovery, limits and
 * auth are the hub's; this class only admits clients (as {@link HubEndpoint#admit} does for upgrades), keeps the
 * sessions by their secret, and frames.
 *
 * <p>Thread-safe: handlers run on any loop; each session's work hops onto its own.
 */
public final class HttpTransports {
    /**
     * @param pollTimeout how long a poll is held when there is nothing to send (25 s: under the 30 s or more most
     *     proxies allow an idle response)
     * @param sessionTimeout how long a polling session lives without a poll (30 s)
     * @param keepalive how often an event stream gets a comment line, so that proxies keep it (15 s)
     * @param maxBuffered bytes that may wait for a client: beyond it the session ends with 1008 (the WebSocket
     *     slow-consumer limit)
     * @param highWatermark above it, sends report backpressure
     * @param maxMessage largest {@code /http/send} body (the WebSocket message limit); beyond it 413
     */
    public record Settings(Duration pollTimeout, Duration sessionTimeout, Duration keepalive, long maxBuffered,
                           long highWatermark, int maxMessage) {
        public static Settings from(HubEndpoint.Options o) {
            return new Settings(Duration.ofSeconds(25), Duration.ofSeconds(30), Duration.ofSeconds(15),
                    o.webSocket().maxBackpressure(), o.webSocket().highWatermark(), o.webSocket().maxMessageSize());
        }

        public Settings withTimeouts(Duration poll, Duration session, Duration keepaliveEvery) {
            return new Settings(poll, session, keepaliveEvery, maxBuffered, highWatermark, maxMessage);
        }
    }

    /** The response header naming the session, for load balancers that route a session's requests to its node. */
    public static final String SESSION_HEADER = "X-Duplex-Session";

    private final Hub hub;
    private final HubEndpoint.Options options;
    private final Settings settings;
    private final Map<String, Entry> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** One session: its transport (SSE or polling) and the IP slot it holds. */
    private static final class Entry {
        final Object transport;
        final InetAddress ip;
        boolean released;

        Entry(Object transport, InetAddress ip) {
            this.transport = transport;
            this.ip = ip;
        }
    }

    public HttpTransports(Hub hub, HubEndpoint.Options options, Settings settings) {
        HubEndpoint.checkByteBurst(hub, settings.maxMessage());
        this.hub = hub;
        this.options = options;
        this.settings = settings;
    }

    /** Mounts {@code /http/sse}, {@code /http/open}, {@code /http/poll}, {@code /http/send}, {@code /http/close}. */
    public WebSocketServer.Builder mount(WebSocketServer.Builder server) {
        return server.http("/http/sse", method("GET", this::sse))
                .http("/http/open", method("POST", this::open))
                .http("/http/poll", method("GET", this::poll))
                .http("/http/send", method("POST", this::send))
                .http("/http/close", method("POST", this::close));
    }

    private final java.util.concurrent.atomic.AtomicInteger heldPolls = new java.util.concurrent.atomic.AtomicInteger();

    /** Sessions held now (for tests and metrics). */
    public int sessionCount() {
        return sessions.size();
    }

    /** Polls being held now, waiting for something to send. */
    public int heldPolls() {
        return heldPolls.get();
    }

    void held(int delta) {
        heldPolls.addAndGet(delta);
    }

    Settings settings() {
        return settings;
    }

    private HttpHandler method(String method, HttpHandler h) {
        return ex -> {
            String m = ex.request().method();
            if (m.equals("OPTIONS")) {
                HttpHeaders headers = cors(ex).add("Access-Control-Allow-Methods", method + ", OPTIONS")
                        .add("Access-Control-Allow-Headers", "Authorization, Content-Type")
                        .add("Access-Control-Max-Age", "600");
                ex.respond(204, headers, new byte[0]);
            } else if (!m.equals(method)) {
                error(ex, 405, ErrorCode.BAD_REQUEST, "use " + method, cors(ex).add("Allow", method + ", OPTIONS"));
            } else if (!originAllowed(ex)) {
                error(ex, 403, ErrorCode.FORBIDDEN, "origin " + ex.request().origin() + " is not allowed", cors(ex));
            } else {
                h.handle(ex);
            }
        };
    }

    private boolean originAllowed(HttpExchange ex) {
        String origin = ex.request().origin();
        return origin == null || options.allowedOrigins().isEmpty() || options.allowedOrigins().contains(origin);
    }

    /** CORS headers for this request: its Origin, when allowed, may read the answer. */
    private HttpHeaders cors(HttpExchange ex) {
        HttpHeaders h = new HttpHeaders().add("Cache-Control", "no-store");
        String origin = ex.request().origin();
        if (origin != null && (options.allowedOrigins().isEmpty() || options.allowedOrigins().contains(origin))) {
            h.add("Access-Control-Allow-Origin", origin).add("Vary", "Origin")
                    .add("Access-Control-Expose-Headers", "X-Duplex-Seq");
        }
        return h;
    }

    /** Admission as for a WebSocket upgrade; null after answering a refusal. */
    private HubEndpoint.Admitted admit(HttpExchange ex) {
        HandshakeHook.Decision d = HubEndpoint.admit(hub, options, ex.request(), ex.remoteAddress());
        if (d instanceof HandshakeHook.Decision.Reject r) {
            ErrorCode code = r.status() == 401 ? ErrorCode.UNAUTHORIZED : r.status() == 403 ? ErrorCode.FORBIDDEN
                    : ErrorCode.RATE_LIMITED;
            HttpHeaders h = cors(ex);
            for (Map.Entry<String, String> e : r.headers()) {
                h.add(e.getKey(), e.getValue());
            }
            error(ex, r.status(), code, r.reason(), h);
            return null;
        }
        return (HubEndpoint.Admitted) ((HandshakeHook.Decision.Accept) d).attachment();
    }

    private void sse(HttpExchange ex) {
        HubEndpoint.Admitted a = admit(ex);
        if (a == null) {
            return;
        }
        String secret = newSecret();
        HttpHeaders h = cors(ex).add("Content-Type", "text/event-stream; charset=utf-8")
                .add("X-Accel-Buffering", "no").add(SESSION_HEADER, secret);
        HttpStream stream = ex.stream(200, h);
        SseTransport t = new SseTransport(this, secret, ex, stream);
        sessions.put(secret, new Entry(t, a.ip()));
        t.started(hub.open(t, a.principal(), String.valueOf(ex.remoteAddress())));
    }

    private void open(HttpExchange ex) {
        HubEndpoint.Admitted a = admit(ex);
        if (a == null) {
            return;
        }
        String secret = newSecret();
        PollingTransport t = new PollingTransport(this, secret, ex.loop());
        sessions.put(secret, new Entry(t, a.ip()));
        t.started(hub.open(t, a.principal(), String.valueOf(ex.remoteAddress())));
        // The open request is the first poll: it is answered with the welcome.
        watch(ex, t);
        t.poll(ex, 0);
    }

    private void poll(HttpExchange ex) {
        Map<String, String> q = query(ex);
        Entry e = entry(ex, q);
        if (e == null) {
            return;
        }
        if (!(e.transport instanceof PollingTransport t)) {
            error(ex, 400, ErrorCode.BAD_REQUEST, "this session is an event stream; it is not polled", cors(ex));
            return;
        }
        long ack;
        try {
            ack = Long.parseLong(q.getOrDefault("ack", "0"));
        } catch (NumberFormatException nfe) {
            ack = -1;
        }
        if (ack < 0) {
            badAck(ex);
            return;
        }
        watch(ex, t);
        long acked = ack;
        t.loop().execute(() -> t.poll(ex, acked));
    }

    /**
     * Loop thread of {@code ex} (which may not be the session's): a held poll must hear when its client goes away
     * and when the server shuts down; both hop onto the session's loop.
     */
    private static void watch(HttpExchange ex, PollingTransport t) {
        ex.onClose(() -> t.loop().execute(() -> t.pollGone(ex)));
        ex.onShutdown(() -> t.loop().execute(t::shutdown));
    }

    private void send(HttpExchange ex) {
        Entry e = liveEntry(ex, query(ex));
        if (e == null) {
            return;
        }
        ByteBuffer body = ex.body();
        if (body.remaining() > settings.maxMessage()) {
            error(ex, 413, ErrorCode.TOO_LARGE, "a message of " + body.remaining() + " bytes exceeds the limit of "
                    + settings.maxMessage(), cors(ex));
            return;
        }
        String type = ex.request().headers().get("Content-Type");
        boolean binary = type != null && type.toLowerCase(Locale.ROOT).startsWith("application/octet-stream");
        String text = null;
        if (!binary) {
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(body.duplicate()).toString();
            } catch (CharacterCodingException cce) {
                error(ex, 400, ErrorCode.BAD_REQUEST, "the body is not valid UTF-8", cors(ex));
                return;
            }
        }
        HubSession s = session(e);
        String frame = text;
        if (s != null) {
            s.loop().execute(() -> {
                if (frame != null) {
                    s.onText(frame);
                } else {
                    s.onBinary(body);
                }
            });
        }
        ex.respond(204, cors(ex), new byte[0]);
    }

    private void close(HttpExchange ex) {
        Entry e = liveEntry(ex, query(ex));
        if (e == null) {
            return;
        }
        HubSession s = session(e);
        if (s != null) {
            s.loop().execute(() -> s.close(1000, ""));
        }
        ex.respond(204, cors(ex), new byte[0]);
    }

    private static HubSession session(Entry e) {
        return e.transport instanceof SseTransport s ? s.session() : ((PollingTransport) e.transport).session();
    }

    private Entry entry(HttpExchange ex, Map<String, String> q) {
        String secret = q.get("session");
        Entry e = secret == null ? null : sessions.get(secret);
        if (e == null) {
            notFound(ex);
        }
        return e;
    }

    /**
     * Like {@link #entry}, for sends and closes: a session that has ended is gone for them too (404), though a
     * long-polling entry stays until its last poll has collected the close message.
     */
    private Entry liveEntry(HttpExchange ex, Map<String, String> q) {
        Entry e = entry(ex, q);
        if (e == null) {
            return null;
        }
        boolean ended;
        synchronized (e) {
            ended = e.released;
        }
        if (ended) {
            notFound(ex);
            return null;
        }
        return e;
    }

    /** A poll's {@code ack} that is not a sequence this session could have answered with. */
    void badAck(HttpExchange ex) {
        error(ex, 400, ErrorCode.BAD_REQUEST, "ack must be the X-Duplex-Seq of the last answer", cors(ex));
    }

    void notFound(HttpExchange ex) {
        error(ex, 404, ErrorCode.NOT_FOUND, "no such session: it ended, expired, or never existed", cors(ex));
    }

    /** The session ended: its IP slot is free; an event stream's entry goes at once (a poll may still collect). */
    void ended(String secret) {
        Entry e = sessions.get(secret);
        if (e == null) {
            return;
        }
        synchronized (e) {
            if (!e.released && e.ip != null && options.ipLimiter() != null) {
                options.ipLimiter().release(e.ip);
            }
            e.released = true;
        }
        if (e.transport instanceof SseTransport) {
            sessions.remove(secret, e);
        }
    }

    void forget(String secret) {
        Entry e = sessions.remove(secret);
        if (e != null) {
            synchronized (e) {
                if (!e.released && e.ip != null && options.ipLimiter() != null) {
                    options.ipLimiter().release(e.ip);
                }
                e.released = true;
            }
        }
    }

    /**
     * A long-polling answer. It names its session in {@code X-Duplex-Session}, as an event stream's answer does,
     * so that a load balancer can learn which node holds the session (docs/scaling.md).
     */
    void respond(HttpExchange ex, int status, byte[] body, long seq, String secret) {
        HttpHeaders h = cors(ex).add("Content-Type", "text/plain; charset=utf-8").add("X-Duplex-Seq", Long.toString(seq))
                .add(SESSION_HEADER, secret);
        ex.respond(status, h, body);
    }

    private static void error(HttpExchange ex, int status, ErrorCode code, String message, HttpHeaders headers) {
        ex.respond(status, headers.add("Content-Type", "application/json"), HttpApi.errorBody(code, message));
    }

    private String newSecret() {
        byte[] b = new byte[24];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static Map<String, String> query(HttpExchange ex) {
        return HttpApi.query(ex);
    }
}
