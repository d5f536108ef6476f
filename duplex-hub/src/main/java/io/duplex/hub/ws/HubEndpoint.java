package io.duplex.hub.ws;

import io.duplex.hub.Hub;
import io.duplex.hub.HubConfig;
import io.duplex.hub.security.AuthException;
import io.duplex.hub.security.IpLimiter;
import io.duplex.hub.security.Permissions;
import io.duplex.hub.security.Principal;
import io.duplex.hub.security.TokenSource;
import io.duplex.net.Endpoint;
import io.duplex.net.HandshakeHook;
import io.duplex.net.WebSocketOptions;
import io.duplex.protocol.deflate.PerMessageDeflate;
import io.duplex.protocol.handshake.HttpHeaders;
import io.duplex.protocol.handshake.HttpRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket endpoint that serves hub sessions. The upgrade is where a client is admitted, in this order:
 * Origin (403, checked by the runtime), connection rate and count per IP (429 with {@code Retry-After}), token
 * (401 when missing and anonymous access is off, or invalid). The subprotocol {@code duplex.v1} is selected when
 * offered (browsers that pass their token as {@code duplex.bearer.<token>} must offer it too).
 */
public final class HubEndpoint {
    private HubEndpoint() {}

    /** The largest client message by default, 256 KiB: four times the largest publication data, 64 KiB. */
    public static final int DEFAULT_MAX_MESSAGE = 256 * 1024;

    /**
     * How the endpoint admits clients. Immutable.
     *
     * @param anonymous permissions of clients without a token, or null to refuse them (401)
     * @param allowedOrigins exact Origin values allowed; empty allows any
     * @param ipLimiter per-IP connection rate and count, or null for none
     * @param webSocket limits and timers of the connections
     * @param deflate permessage-deflate settings, or null for none
     */
    public record Options(Permissions anonymous, Set<String> allowedOrigins, IpLimiter ipLimiter,
                          WebSocketOptions webSocket, PerMessageDeflate deflate) {
        public Options {
            allowedOrigins = Set.copyOf(allowedOrigins);
        }

        /**
         * Anonymous clients may do everything, any origin, no IP limits: a development default. Messages up to
         * {@link #DEFAULT_MAX_MESSAGE} bytes, as {@code duplex serve}: the hub's default byte burst must hold one.
         */
        public static Options defaults() {
            return new Options(Permissions.all(), Set.of(), null,
                    WebSocketOptions.SERVER_DEFAULTS.withMaxMessageSize(DEFAULT_MAX_MESSAGE), Endpoint.DEFAULT_DEFLATE);
        }

        public Options withAnonymous(Permissions p) {
            return new Options(p, allowedOrigins, ipLimiter, webSocket, deflate);
        }

        public Options withAllowedOrigins(Set<String> origins) {
            return new Options(anonymous, origins, ipLimiter, webSocket, deflate);
        }

        public Options withIpLimiter(IpLimiter l) {
            return new Options(anonymous, allowedOrigins, l, webSocket, deflate);
        }

        public Options withWebSocket(WebSocketOptions o) {
            return new Options(anonymous, allowedOrigins, ipLimiter, o, deflate);
        }

        public Options withDeflate(PerMessageDeflate d) {
            return new Options(anonymous, allowedOrigins, ipLimiter, webSocket, d);
        }
    }

    /**
     * What admission decided for an accepted client: who it is, and the IP whose slot it holds (to be released
     * with {@link IpLimiter#release} when the session ends, if an IP limiter is in use).
     */
    public record Admitted(Principal principal, InetAddress ip) {}

    public static Endpoint create(Hub hub, Options o) {
        checkByteBurst(hub, o.webSocket().maxMessageSize());
        // The Origin check is done by the hook rather than the runtime, so that refusals are counted.
        return new Endpoint(request -> new HubWebSocket(hub, o.ipLimiter()), o.webSocket(),
                List.of(TokenSource.SUBPROTOCOL), Set.of(), (request, remote) -> admit(hub, o, request, remote),
                o.deflate(), false);
    }

    /**
     * A message larger than the byte burst could never be admitted, and its refusal could only name a wait of
     * forever: the burst must hold the largest message a transport takes.
     *
     * @throws IllegalArgumentException when the hub's byte rate is on and its burst is below {@code maxMessage}
     */
    public static void checkByteBurst(Hub hub, long maxMessage) {
        HubConfig c = hub.config();
        if (c.bytesPerSecond() > 0 && c.byteBurst() < maxMessage) {
            throw new IllegalArgumentException("the byte burst (" + (long) c.byteBurst()
                    + ") must be at least the message limit (" + maxMessage + ")");
        }
    }

    /**
     * Admits a client opening a session, over WebSocket or an HTTP transport alike: Origin (403), IP limits (429
     * with Retry-After), token (401). An accepted decision's attachment is an {@link Admitted}.
     */
    public static HandshakeHook.Decision admit(Hub hub, Options o, HttpRequest request, InetSocketAddress remote) {
        InetAddress ip = remote.getAddress();
        if (!o.allowedOrigins().isEmpty()) {
            String origin = request.origin();
            if (origin == null || !o.allowedOrigins().contains(origin)) {
                hub.metrics().handshakeFailed("origin");
                return HandshakeHook.reject(403, "origin " + origin + " is not allowed");
            }
        }
        if (o.ipLimiter() != null) {
            IpLimiter.Admission a = o.ipLimiter().tryAdmit(ip, System.nanoTime());
            if (!a.admitted()) {
                hub.metrics().rateLimited(a.retryAfterNanos() == 0 ? "ip_concurrent" : "ip_attempts");
                hub.metrics().handshakeFailed("rate_limited");
                long secs = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(a.retryAfterNanos() + 999_999_999L));
                return new HandshakeHook.Decision.Reject(429, a.reason(),
                        new HttpHeaders().add("Retry-After", Long.toString(secs)));
            }
        }
        Principal principal;
        String token = TokenSource.find(request);
        if (hub.verifier() == null || token == null) {
            if (o.anonymous() == null) {
                // Anonymous clients are refused; without a verifier nobody can connect (duplex serve will not
                // start so), but a library user's hub says so per client rather than admitting with no rights.
                return refuse(hub, o, ip, 401, "missing", hub.verifier() == null
                        ? "anonymous clients are refused and this server accepts no tokens"
                        : "a token is required: send Authorization: Bearer <token>, "
                        + "the subprotocol duplex.bearer.<token>, or the query parameter token");
            }
            principal = Principal.anonymous(o.anonymous());
        } else {
            try {
                principal = hub.verifier().verify(token);
            } catch (AuthException e) {
                return refuse(hub, o, ip, 401, e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
            }
        }
        return HandshakeHook.accept(new Admitted(principal, ip));
    }

    private static HandshakeHook.Decision refuse(Hub hub, Options o, InetAddress ip, int status, String reason,
                                                 String message) {
        if (o.ipLimiter() != null) {
            o.ipLimiter().release(ip);
        }
        hub.metrics().authRejected(reason);
        hub.metrics().handshakeFailed("unauthorized");
        return new HandshakeHook.Decision.Reject(status, message,
                new HttpHeaders().add("WWW-Authenticate", "Bearer realm=\"duplex\""));
    }
}
