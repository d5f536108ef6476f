package io.duplex.net;

import io.duplex.protocol.deflate.PerMessageDeflate;
import io.duplex.protocol.handshake.HttpRequest;
import io.duplex.protocol.handshake.ServerHandshakeOptions;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A WebSocket endpoint of a {@link WebSocketServer}: the listener for its connections and its options.
 * Immutable.
 *
 * @param listeners creates (or shares) the listener for each accepted connection
 * @param options limits and timers of its connections
 * @param subprotocols supported subprotocols in server preference order; the first the client also offers wins
 * @param allowedOrigins Origin values allowed to connect (exact match); empty allows any origin, including none
 * @param hook decides on each valid upgrade, e.g. authentication; null accepts all
 * @param deflate permessage-deflate settings (RFC 7692), on by default; null turns compression off
 * @param retainRequest whether {@link WebSocket#request()} stays available for the connection's whole life
 *     (default); when false it is available during {@code onOpen} only, which saves the parsed headers (several
 *     hundred bytes) per idle connection
 */
public record Endpoint(Function<HttpRequest, WebSocketListener> listeners, WebSocketOptions options,
                       List<String> subprotocols, Set<String> allowedOrigins, HandshakeHook hook,
                       PerMessageDeflate deflate, boolean retainRequest) {

    /**
     * Server-side compression defaults: shared per-loop compressor, clients asked for client_no_context_takeover
     * (so a shared per-loop decompressor too), every window size 8-15 negotiable.
     */
    public static final PerMessageDeflate DEFAULT_DEFLATE =
            PerMessageDeflate.defaults().withFactory(JZlibDeflaterFactory.INSTANCE);

    public Endpoint {
        if (listeners == null || options == null) {
            throw new IllegalArgumentException("listeners and options are required");
        }
        subprotocols = List.copyOf(subprotocols);
        allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** An endpoint with server defaults and one listener shared by all its connections. */
    public static Endpoint of(WebSocketListener listener) {
        return new Endpoint(r -> listener, WebSocketOptions.SERVER_DEFAULTS, List.of(), Set.of(), null,
                DEFAULT_DEFLATE, true);
    }

    public Endpoint withOptions(WebSocketOptions o) {
        return new Endpoint(listeners, o, subprotocols, allowedOrigins, hook, deflate, retainRequest);
    }

    public Endpoint withSubprotocols(String... protocols) {
        return new Endpoint(listeners, options, List.of(protocols), allowedOrigins, hook, deflate, retainRequest);
    }

    public Endpoint withAllowedOrigins(String... origins) {
        return new Endpoint(listeners, options, subprotocols, Set.of(origins), hook, deflate, retainRequest);
    }

    public Endpoint withHook(HandshakeHook h) {
        return new Endpoint(listeners, options, subprotocols, allowedOrigins, h, deflate, retainRequest);
    }

    /** Compression settings for this endpoint; null turns permessage-deflate off. */
    public Endpoint withDeflate(PerMessageDeflate d) {
        return new Endpoint(listeners, options, subprotocols, allowedOrigins, hook, d, retainRequest);
    }

    /** Whether to keep the upgrade request after {@code onOpen}; see {@link #retainRequest()}. */
    public Endpoint withRetainRequest(boolean retain) {
        return new Endpoint(listeners, options, subprotocols, allowedOrigins, hook, deflate, retain);
    }

    ServerHandshakeOptions handshakeOptions() {
        ServerHandshakeOptions o = ServerHandshakeOptions.defaults();
        if (!subprotocols.isEmpty()) {
            o = o.withSubprotocols(offered -> {
                for (String mine : subprotocols) {
                    if (offered.contains(mine)) {
                        return mine;
                    }
                }
                return null;
            });
        }
        if (deflate != null) {
            o = o.withExtensions(deflate.negotiator());
        }
        return o;
    }
}
