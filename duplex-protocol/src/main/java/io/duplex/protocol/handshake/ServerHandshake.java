package io.duplex.protocol.handshake;

import io.duplex.protocol.WebSocketProtocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The server side of the opening handshake (RFC 6455 section 4.2): checks a parsed request against
 * section 4.2.1 and builds the 101 response of section 4.2.2, or a rejection. Pure: it neither reads nor
 * writes a socket.
 *
 * <p>Checks run in this order, and the first failure decides the response: method GET, HTTP/1.1 or
 * later, exactly one Host, {@code Upgrade: websocket}, {@code Connection: Upgrade},
 * {@code Sec-WebSocket-Version: 13} (426), {@code Sec-WebSocket-Key}, then the subprotocol and extension
 * headers. The version is checked before the key because a client of another protocol version may send
 * a different key format, and 426 with our version (section 4.4) is the answer it can act on.
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class ServerHandshake {
    private static final int KEY_BYTES = 16;

    private ServerHandshake() {}

    /**
     * Decides the handshake.
     *
     * @throws IllegalStateException if the selector or negotiator breaks its contract (picks something
     *     not offered, or two extensions claim one RSV bit): a bug in the server, not in the client
     */
    public static HandshakeResult accept(HttpRequest req, ServerHandshakeOptions opts) {
        HttpHeaders h = req.headers();
        // Section 4.2.1 item 1: an HTTP/1.1 or higher GET request.
        if (!req.method().equals("GET")) {
            return rejection(400, "WebSocket handshake requires GET, got " + req.method(), null);
        }
        if (!req.version().atLeast(1, 1)) {
            return rejection(400, "WebSocket handshake requires HTTP/1.1 or later", null);
        }
        // Item 2, and RFC 9112 section 3.2: exactly one Host.
        int hosts = h.all("Host").size();
        if (hosts != 1) {
            return rejection(400, hosts == 0 ? "missing Host header" : "more than one Host header", null);
        }
        // Items 3 and 4: list-valued headers, tokens compared case-insensitively.
        if (!h.contains("Upgrade")) {
            return rejection(400, "missing Upgrade header", null);
        }
        if (!h.containsToken("Upgrade", "websocket")) {
            return rejection(400, "Upgrade header does not include websocket", null);
        }
        if (!h.contains("Connection")) {
            return rejection(400, "missing Connection header", null);
        }
        if (!h.containsToken("Connection", "Upgrade")) {
            return rejection(400, "Connection header does not include Upgrade", null);
        }
        // Item 6 and section 4.4: any version but ours gets 426 naming the one we speak.
        List<String> versions = h.all("Sec-WebSocket-Version");
        if (versions.size() != 1 || !versions.get(0).equals(Integer.toString(WebSocketProtocol.VERSION))) {
            String why = versions.isEmpty()
                    ? "missing Sec-WebSocket-Version header"
                    : "unsupported Sec-WebSocket-Version " + String.join(", ", versions);
            return rejection(426, why, null);
        }
        // Item 5: one key, Base64 of 16 bytes.
        List<String> keys = h.all("Sec-WebSocket-Key");
        if (keys.size() != 1) {
            return rejection(400, keys.isEmpty() ? "missing Sec-WebSocket-Key header"
                    : "more than one Sec-WebSocket-Key header", null);
        }
        String key = keys.get(0);
        if (!isValidKey(key)) {
            return rejection(400, "Sec-WebSocket-Key is not Base64 of 16 bytes", null);
        }
        List<String> offeredProtocols = HttpSyntax.listElements(h.all("Sec-WebSocket-Protocol"));
        for (String p : offeredProtocols) {
            // Section 4.1 item 10: each offered subprotocol is a token.
            if (!HttpSyntax.isToken(p)) {
                return rejection(400, "malformed Sec-WebSocket-Protocol header", null);
            }
        }
        List<ExtensionOffer> offers;
        try {
            offers = ExtensionHeader.parse(h.all("Sec-WebSocket-Extensions"));
        } catch (HttpParseException e) {
            return rejection(e.status(), e.reason(), null);
        }

        String subprotocol = opts.subprotocols().select(List.copyOf(offeredProtocols));
        if (subprotocol != null && !offeredProtocols.contains(subprotocol)) {
            // Section 4.2.2 item 5.3: the server may only pick one of the client's values.
            throw new IllegalStateException("selector chose unoffered subprotocol " + subprotocol);
        }
        List<NegotiatedExtension> accepted = negotiate(opts.extensions(), offers);

        HttpHeaders out = new HttpHeaders()
                .add("Upgrade", "websocket")
                .add("Connection", "Upgrade")
                .add("Sec-WebSocket-Accept", AcceptKey.compute(key));
        if (subprotocol != null) {
            out.add("Sec-WebSocket-Protocol", subprotocol);
        }
        if (!accepted.isEmpty()) {
            List<String> elements = new ArrayList<>();
            for (NegotiatedExtension e : accepted) {
                elements.add(e.toHeaderValue());
            }
            out.add("Sec-WebSocket-Extensions", String.join(", ", elements));
        }
        addAll(out, opts.extraHeaders());
        ByteBuffer response = ResponseWriter.head("HTTP/1.1 101 Switching Protocols", out);
        return new HandshakeResult.Accepted(req, subprotocol, accepted, response);
    }

    /**
     * A complete rejection response: status line, {@code Content-Type: text/plain; charset=utf-8},
     * {@code Content-Length}, {@code Connection: close}, for 426 also {@code Sec-WebSocket-Version: 13}
     * (section 4.4), then {@code extra}, and {@code reason} as the body. For a server's own checks
     * (authentication, origin policy) as well as for protocol violations.
     *
     * @param status 300 to 599
     * @param extra more headers such as {@code WWW-Authenticate} or {@code Retry-After}; may be null
     */
    public static HandshakeResult.Rejected rejection(int status, String reason, HttpHeaders extra) {
        if (status < 300 || status > 599) {
            throw new IllegalArgumentException("not a rejection status: " + status);
        }
        byte[] body = reason.getBytes(StandardCharsets.UTF_8);
        HttpHeaders h = new HttpHeaders()
                .add("Content-Type", "text/plain; charset=utf-8")
                .add("Content-Length", Integer.toString(body.length))
                .add("Connection", "close");
        if (status == 426) {
            h.add("Sec-WebSocket-Version", Integer.toString(WebSocketProtocol.VERSION));
        }
        if (extra != null) {
            addAll(h, extra);
        }
        ByteBuffer head = ResponseWriter.head("HTTP/1.1 " + status + " " + ResponseWriter.reasonPhrase(status), h);
        ByteBuffer response = ByteBuffer.allocate(head.remaining() + body.length).put(head).put(body).flip();
        return new HandshakeResult.Rejected(status, reason, response);
    }

    /** The rejection for a request head the parser refused (400, 431 or 505). */
    public static HandshakeResult.Rejected rejection(HttpParseException e) {
        return rejection(e.status(), e.reason(), null);
    }

    private static List<NegotiatedExtension> negotiate(ExtensionNegotiator negotiator, List<ExtensionOffer> offers) {
        if (negotiator == null || offers.isEmpty()) {
            return List.of();
        }
        List<NegotiatedExtension> accepted = List.copyOf(negotiator.negotiate(List.copyOf(offers)));
        int usedBits = 0;
        for (NegotiatedExtension e : accepted) {
            // Section 9.1: a server must not accept what was not offered. Two users of one RSV bit could
            // not tell their frames apart (section 5.2).
            if (offers.stream().noneMatch(o -> HttpSyntax.equalsIgnoreAsciiCase(o.name(), e.name()))) {
                throw new IllegalStateException("negotiator accepted unoffered extension " + e.name());
            }
            if ((usedBits & e.rsvBits()) != 0) {
                throw new IllegalStateException("extensions share an RSV bit: " + e.name());
            }
            usedBits |= e.rsvBits();
        }
        return accepted;
    }

    private static boolean isValidKey(String key) {
        // 16 bytes encode to exactly 24 characters ending in "==" (section 4.1 item 7).
        if (key.length() != 24 || !key.endsWith("==")) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == KEY_BYTES;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void addAll(HttpHeaders to, HttpHeaders from) {
        for (int i = 0; i < from.size(); i++) {
            to.add(from.name(i), from.value(i));
        }
    }
}
