package io.duplex.protocol.handshake;

import io.duplex.protocol.WebSocketProtocol;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The client side of the opening handshake (RFC 6455 section 4.1): {@link #create} builds the request
 * with a fresh key, {@link #validate} checks the server's response against what was sent.
 *
 * <p>Thread-safety: immutable; {@link #request()} returns a fresh read-only view on every call.
 */
public final class ClientHandshake {
    private final String key;
    private final ByteBuffer request;
    private final ClientHandshakeOptions options;

    private ClientHandshake(String key, ByteBuffer request, ClientHandshakeOptions options) {
        this.key = key;
        this.request = request.asReadOnlyBuffer();
        this.options = options;
    }

    /**
     * Builds the request for a {@code ws} or {@code wss} URI (section 3).
     *
     * @throws IllegalArgumentException for another scheme, a missing host, or a fragment (section 3
     *     forbids fragments in WebSocket URIs), or an Origin holding characters a header may not
     */
    public static ClientHandshake create(URI uri, ClientHandshakeOptions opts) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int defaultPort;
        if (scheme.equals("ws")) {
            defaultPort = 80;
        } else if (scheme.equals("wss")) {
            defaultPort = 443;
        } else {
            throw new IllegalArgumentException("not a ws or wss URI: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("URI without host: " + uri);
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException("WebSocket URIs must not have a fragment: " + uri);
        }
        // Section 4.1 item 4: the port appears in Host only when it is not the scheme's default.
        int port = uri.getPort();
        String host = port == -1 || port == defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();

        // Section 4.1 item 7: a nonce of 16 random bytes, new for every connection.
        byte[] nonce = new byte[16];
        opts.random().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);

        HttpHeaders h = new HttpHeaders()
                .add("Host", host)
                .add("Upgrade", "websocket")
                .add("Connection", "Upgrade")
                .add("Sec-WebSocket-Key", key)
                .add("Sec-WebSocket-Version", Integer.toString(WebSocketProtocol.VERSION));
        if (opts.origin() != null) {
            h.add("Origin", opts.origin());
        }
        if (!opts.subprotocols().isEmpty()) {
            h.add("Sec-WebSocket-Protocol", String.join(", ", opts.subprotocols()));
        }
        if (!opts.extensions().isEmpty()) {
            h.add("Sec-WebSocket-Extensions", ExtensionHeader.format(opts.extensions()));
        }
        for (int i = 0; i < opts.extraHeaders().size(); i++) {
            h.add(opts.extraHeaders().name(i), opts.extraHeaders().value(i));
        }
        return new ClientHandshake(key, ResponseWriter.head("GET " + target + " HTTP/1.1", h), opts);
    }

    /** The {@code Sec-WebSocket-Key} sent. */
    public String key() {
        return key;
    }

    /** The request bytes to write, positioned at the start. */
    public ByteBuffer request() {
        return request.duplicate();
    }

    /**
     * Checks the server's response (section 4.1, the list after "the client MUST validate").
     *
     * @throws HandshakeException naming the first rule the response breaks
     */
    public ClientHandshakeResult validate(HttpResponse resp) {
        HttpHeaders h = resp.headers();
        if (resp.status() != 101) {
            throw new HandshakeException(HandshakeException.Reason.UNEXPECTED_STATUS, resp.status(),
                    "expected 101, got " + resp.status() + " " + resp.reasonPhrase());
        }
        if (!h.contains("Upgrade")) {
            throw new HandshakeException(HandshakeException.Reason.MISSING_UPGRADE, "no Upgrade header");
        }
        if (!h.containsToken("Upgrade", "websocket")) {
            throw new HandshakeException(HandshakeException.Reason.BAD_UPGRADE,
                    "Upgrade is not websocket: " + String.join(", ", h.all("Upgrade")));
        }
        if (!h.contains("Connection")) {
            throw new HandshakeException(HandshakeException.Reason.MISSING_CONNECTION, "no Connection header");
        }
        if (!h.containsToken("Connection", "Upgrade")) {
            throw new HandshakeException(HandshakeException.Reason.BAD_CONNECTION,
                    "Connection does not include Upgrade: " + String.join(", ", h.all("Connection")));
        }
        List<String> accepts = h.all("Sec-WebSocket-Accept");
        if (accepts.isEmpty()) {
            throw new HandshakeException(HandshakeException.Reason.MISSING_ACCEPT, "no Sec-WebSocket-Accept header");
        }
        String expected = AcceptKey.compute(key);
        if (accepts.size() != 1 || !accepts.get(0).equals(expected)) {
            throw new HandshakeException(HandshakeException.Reason.ACCEPT_MISMATCH,
                    "Sec-WebSocket-Accept " + String.join(", ", accepts) + " but expected " + expected);
        }
        List<ExtensionOffer> extensions;
        try {
            extensions = ExtensionHeader.parse(h.all("Sec-WebSocket-Extensions"));
        } catch (HttpParseException e) {
            throw new HandshakeException(HandshakeException.Reason.MALFORMED_EXTENSIONS, e.reason());
        }
        for (ExtensionOffer e : extensions) {
            // Section 4.1: an extension not present in the client's handshake fails the connection.
            if (options.extensions().stream().noneMatch(o -> HttpSyntax.equalsIgnoreAsciiCase(o.name(), e.name()))) {
                throw new HandshakeException(HandshakeException.Reason.UNOFFERED_EXTENSION,
                        "server accepted extension " + e.name() + " which was not offered");
            }
        }
        String subprotocol = null;
        List<String> protocols = HttpSyntax.listElements(h.all("Sec-WebSocket-Protocol"));
        if (!h.all("Sec-WebSocket-Protocol").isEmpty()) {
            // Section 4.1: the value must be one of those offered; a server picks exactly one.
            if (protocols.size() != 1 || !options.subprotocols().contains(protocols.get(0))) {
                throw new HandshakeException(HandshakeException.Reason.UNOFFERED_SUBPROTOCOL,
                        "server selected subprotocol " + String.join(", ", h.all("Sec-WebSocket-Protocol"))
                                + " but offered were " + options.subprotocols());
            }
            subprotocol = protocols.get(0);
        }
        return new ClientHandshakeResult(subprotocol, extensions, resp);
    }
}
