package io.duplex.server.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.duplex.hub.protocol.Json;
import io.duplex.hub.protocol.Replies;
import io.duplex.hub.security.TokenVerifier;
import io.duplex.net.HttpExchange;
import io.duplex.net.HttpHandler;
import io.duplex.protocol.handshake.HttpHeaders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Tokens for the demo pages, on a server that has no JWT key of its own: a secret made for this run signs them,
 * and {@code POST /demo/token?name=alice[&ttl=60]} hands one out. This grants nothing anonymous clients could not
 * already do on such a server (it admits anonymous clients with every permission); it gives the demos what
 * tokens give real apps: a user id and name that others see, permissions ({@code notify.{sub}} is one's own),
 * expiry and refresh. A server started with a JWT key never serves this.
 */
public final class DemoTokens implements HttpHandler {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,32}");
    private static final Duration MAX_TTL = Duration.ofHours(1);

    private final byte[] secret = new byte[32];
    private final TokenVerifier verifier;

    public DemoTokens() {
        new SecureRandom().nextBytes(secret);
        verifier = TokenVerifier.hmac(secret);
    }

    /** The verifier the hub uses for these tokens. */
    public TokenVerifier verifier() {
        return verifier;
    }

    /** A signed token for {@code name}, valid for {@code ttl}. */
    public String token(String name, Duration ttl) {
        Instant now = Instant.now();
        Map<String, Object> permissions = Map.of(
                "subscribe", List.of("chat.*", "market.*", "game.*", "editor.*", "demo.*", "notify.{sub}"),
                // editor.<doc> carries the OT authority's answers: clients publish only requests (docs/collab.md).
                "publish", List.of("chat.*", "game.*", "editor.*.in", "demo.*"),
                "presence", List.of("*"));
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(name).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl))).claim("duplex", permissions)
                .claim("info", Map.of("name", name)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(new MACSigner(secret));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    @Override
    public void handle(HttpExchange ex) {
        if (!ex.request().method().equals("POST")) {
            ObjectNode err = Json.NODES.objectNode();
            err.put("code", "bad_request");
            err.put("message", "use POST");
            ex.respond(405, new HttpHeaders().add("Allow", "POST").add("Content-Type", "application/json"),
                    Replies.bytes(err));
            return;
        }
        String name = null;
        long ttl = MAX_TTL.toSeconds();
        String q = ex.request().query();
        for (String pair : q == null ? new String[0] : q.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (k.equals("name")) {
                name = v;
            } else if (k.equals("ttl")) {
                try {
                    ttl = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    ttl = -1;
                }
            }
        }
        if (name == null || !NAME.matcher(name).matches() || ttl < 5 || ttl > MAX_TTL.toSeconds()) {
            ObjectNode err = Json.NODES.objectNode();
            err.put("code", "bad_request");
            err.put("message", "give name (1 to 32 of A-Z a-z 0-9 _ . -) and optionally ttl (5 to 3600 seconds)");
            ex.respond(400, new HttpHeaders().add("Content-Type", "application/json"), Replies.bytes(err));
            return;
        }
        ObjectNode ok = Json.NODES.objectNode();
        ok.put("token", token(name, Duration.ofSeconds(ttl)));
        ok.put("expires_in", ttl);
        ex.respond(200, new HttpHeaders().add("Content-Type", "application/json").add("Cache-Control", "no-store"),
                Replies.bytes(ok));
    }
}
