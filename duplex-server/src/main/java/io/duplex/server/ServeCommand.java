package io.duplex.server;

import io.duplex.hub.Hub;
import io.duplex.hub.HubConfig;
import io.duplex.hub.http.HttpApi;
import io.duplex.hub.http.HttpTransports;
import io.duplex.hub.security.IpLimiter;
import io.duplex.hub.security.Permissions;
import io.duplex.hub.security.TokenVerifier;
import io.duplex.hub.ws.HubEndpoint;
import io.duplex.server.demo.DemoTokens;
import io.duplex.server.demo.MarketFeed;
import io.duplex.server.ot.OtAuthority;
import io.duplex.net.Endpoint;
import io.duplex.net.WebSocketOptions;
import io.duplex.net.WebSocketServer;
import io.duplex.protocol.deflate.PerMessageDeflate;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code duplex serve}: the real-time messaging server. The hub (topics, presence, history and recovery,
 * acknowledged publishing) behind the JSON protocol of docs/protocol.md on {@code /ws}, the HTTP API under
 * {@code /api/}, {@code /health} and Prometheus {@code /metrics}. Runs until SIGINT/SIGTERM, then closes every
 * session with 1001.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Run the real-time messaging server: the JSON protocol on ws://HOST:PORT/ws "
                + "(docs/protocol.md), the HTTP API on /api/, /health and /metrics.",
                "Every option can also come from the environment (DUPLEX_HISTORY_SIZE for --history-size) or a "
                        + "config file (history-size = 100), with the same names; flags win over the environment, "
                        + "the environment over the file."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TlsOptions tls = new TlsOptions();

    @Mixin
    BrokerOptions brokerOptions = new BrokerOptions();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--loops", defaultValue = "0", description = "Event loops; 0 = available processors (default: ${DEFAULT-VALUE}).")
    int loops;

    @Option(names = "--max-message", defaultValue = "262144",
            description = "Largest WebSocket message accepted, bytes; beyond it close 1009 (default: ${DEFAULT-VALUE}).")
    int maxMessage;

    @Option(names = "--no-deflate", description = "Refuse permessage-deflate (on by default).")
    boolean noDeflate;

    @Option(names = "--deflate-client-context-takeover",
            description = "Let clients compress with context kept between messages (smaller messages from them, but "
                    + "a decompressor kept per connection); by default they are told client_no_context_takeover "
                    + "and one decompressor per loop serves every connection.")
    boolean clientContextTakeover;

    @Option(names = "--ping-interval", defaultValue = "PT30S",
            description = "WebSocket ping interval; a peer whose pong is missing at the next ping is dropped (default: ${DEFAULT-VALUE}).")
    Duration pingInterval;

    @Option(names = "--slow-consumer-bytes", defaultValue = "4194304",
            description = "Bytes queued for one client beyond which it is a slow consumer (default: ${DEFAULT-VALUE}).")
    long slowConsumerBytes;

    @Option(names = "--slow-consumer-policy", defaultValue = "close",
            description = "What happens to a slow consumer: close (1008; it reconnects and recovers) or drop "
                    + "(the message is skipped) (default: ${DEFAULT-VALUE}).")
    String slowConsumerPolicy;

    @Option(names = "--shutdown-timeout", defaultValue = "PT10S",
            description = "How long graceful shutdown waits for sessions to close (default: ${DEFAULT-VALUE}).")
    Duration shutdownTimeout;

    // ------------------------------------------------------------------ hub

    @Option(names = "--history-size", defaultValue = "100",
            description = "Publications kept per topic for recovery and history; 0 = none (default: ${DEFAULT-VALUE}).")
    int historySize;

    @Option(names = "--history-ttl", defaultValue = "PT10M",
            description = "How long a publication stays in history (default: ${DEFAULT-VALUE}).")
    Duration historyTtl;

    @Option(names = "--max-topics", defaultValue = "100000",
            description = "Topics with state on this node; beyond it limit_exceeded (default: ${DEFAULT-VALUE}).")
    int maxTopics;

    @Option(names = "--max-subscriptions", defaultValue = "256",
            description = "Subscriptions per session (default: ${DEFAULT-VALUE}).")
    int maxSubscriptions;

    @Option(names = "--max-publication-bytes", defaultValue = "65536",
            description = "Largest publication data, bytes; beyond it too_large (default: ${DEFAULT-VALUE}).")
    int maxPublicationBytes;

    @Option(names = "--idempotency-window", defaultValue = "PT5M",
            description = "How long a publish key is remembered, so a retry is stored once (default: ${DEFAULT-VALUE}).")
    Duration idempotencyWindow;

    @Option(names = "--batching", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Send deliveries produced in one event-loop pass to a client in one frame (default: ${DEFAULT-VALUE}).")
    boolean batching;

    @Option(names = "--batch-max-bytes", defaultValue = "65536",
            description = "Largest batch frame, bytes (default: ${DEFAULT-VALUE}).")
    int batchMaxBytes;

    @Option(names = "--batch-delay", defaultValue = "PT0S",
            description = "Longest a delivery waits for others to batch with; 0 = only within one loop pass (default: ${DEFAULT-VALUE}).")
    Duration batchDelay;

    @Option(names = "--poll-timeout", defaultValue = "PT25S",
            description = "How long a long poll is held when there is nothing to send (default: ${DEFAULT-VALUE}).")
    Duration pollTimeout;

    @Option(names = "--session-timeout", defaultValue = "PT30S",
            description = "How long a long-polling session lives without a poll (default: ${DEFAULT-VALUE}).")
    Duration sessionTimeout;

    @Option(names = "--token-grace", defaultValue = "PT10S",
            description = "Time to refresh an expired token before the session is closed with 4001 (default: ${DEFAULT-VALUE}).")
    Duration tokenGrace;

    // ------------------------------------------------------------------ limits

    @Option(names = "--rate-messages", defaultValue = "100",
            description = "Requests per second per session; 0 = unlimited (default: ${DEFAULT-VALUE}).")
    double rateMessages;

    @Option(names = "--rate-message-burst", defaultValue = "200", description = "Request burst per session (default: ${DEFAULT-VALUE}).")
    double rateMessageBurst;

    @Option(names = "--rate-bytes", defaultValue = "1048576",
            description = "Bytes per second per session; 0 = unlimited (default: ${DEFAULT-VALUE}).")
    double rateBytes;

    @Option(names = "--rate-byte-burst", defaultValue = "2097152", description = "Byte burst per session (default: ${DEFAULT-VALUE}).")
    double rateByteBurst;

    @Option(names = "--rate-strikes", defaultValue = "20",
            description = "Requests refused for rate in a row before close 1008 (default: ${DEFAULT-VALUE}).")
    int rateStrikes;

    @Option(names = "--ip-connect-rate", defaultValue = "50",
            description = "WebSocket upgrades per second per client IP; beyond it 429; 0 = unlimited (default: ${DEFAULT-VALUE}).")
    double ipConnectRate;

    @Option(names = "--ip-connect-burst", defaultValue = "100", description = "Upgrade burst per client IP (default: ${DEFAULT-VALUE}).")
    double ipConnectBurst;

    @Option(names = "--ip-max-connections", defaultValue = "1000",
            description = "Open WebSocket sessions per client IP; beyond it 429; 0 = unlimited. Behind a proxy every "
                    + "client has the proxy's IP: raise it (default: ${DEFAULT-VALUE}).")
    int ipMaxConnections;

    @Option(names = "--allowed-origin", split = ",",
            description = "Origin allowed to open a WebSocket (repeatable or comma-separated); others get 403. None = any origin.")
    List<String> allowedOrigins = List.of();

    // ------------------------------------------------------------------ auth

    @Option(names = "--jwt-secret-file", description = "File holding the HMAC secret (>= 32 bytes) for HS256/384/512 tokens.")
    Path jwtSecretFile;

    @Option(names = "--jwt-public-key", description = "PEM public key or certificate for RS*/PS*/ES* tokens.")
    Path jwtPublicKey;

    @Option(names = "--jwt-jwks", description = "JWKS file with the public keys for tokens (selected by kid).")
    Path jwtJwks;

    @Option(names = "--jwt-clock-skew", defaultValue = "PT5S",
            description = "Tolerance for exp and nbf (default: ${DEFAULT-VALUE}).")
    Duration jwtClockSkew;

    @Option(names = "--anonymous", defaultValue = "auto",
            description = "Clients without a token: allow, deny (401), or auto = allow only when no JWT key is set (default: ${DEFAULT-VALUE}).")
    String anonymous;

    @Option(names = "--anonymous-subscribe", split = ",", defaultValue = "*",
            description = "Topic patterns anonymous clients may subscribe to (* = any run of characters) (default: ${DEFAULT-VALUE}).")
    List<String> anonymousSubscribe;

    @Option(names = "--anonymous-publish", split = ",", defaultValue = "*",
            description = "Topic patterns anonymous clients may publish to (default: ${DEFAULT-VALUE}).")
    List<String> anonymousPublish;

    @Option(names = "--anonymous-presence", split = ",", defaultValue = "*",
            description = "Topic patterns whose presence anonymous clients may read (default: ${DEFAULT-VALUE}).")
    List<String> anonymousPresence;

    @Option(names = "--demo", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Demo support: the market feed of the market-data demo and, when no JWT key is set, "
                    + "POST /demo/token to get a named token for the demo pages, and an HTTP API key made for this "
                    + "run (printed) when no --api-key-file is given (default: ${DEFAULT-VALUE}).")
    boolean demo;

    @Option(names = "--api-key-file",
            description = "File holding the key of the HTTP API (/api/*). Without it every API call gets 401.")
    Path apiKeyFile;

    @Option(names = "--editor-docs", split = ",", defaultValue = "demo",
            description = "Documents the collaborative-editing authority serves on editor.<doc>.in / editor.<doc> "
                    + "(docs/collab.md); empty = none (default: ${DEFAULT-VALUE}).")
    List<String> editorDocs;

    /** The HTTP API key made for this run (demo mode without --api-key-file), or null. */
    private String generatedApiKey;

    /** The JavaScript client under /client/, the demo pages under /demo/ and their index at /. */
    private static final StaticFiles STATIC = new StaticFiles("/static", java.util.Map.of("/", "/demo/index.html"));

    /** A started server and what it serves. */
    record Running(WebSocketServer server, Hub hub, PrometheusMeterRegistry registry, boolean tls, MarketFeed feed,
                   OtAuthority editor, io.duplex.hub.broker.Broker broker) {
        void stop(Duration deadline) throws Exception {
            server.shutdown(deadline).get();
            closeServices();
        }

        /** The in-process services around the hub, then the hub itself. */
        void closeServices() {
            if (feed != null) {
                feed.close();
            }
            editor.close();
            hub.close();
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        Running r = start();
        System.out.println("duplex serve: listening on " + (r.tls() ? "wss" : "ws") + "://" + host + ":"
                + r.server().port() + "/ws");
        if (generatedApiKey != null) {
            System.out.println("duplex serve: HTTP API key for this run: " + generatedApiKey
                    + " (send it as X-API-Key; --api-key-file sets your own)");
        }
        if (demo && !"memory".equals(brokerOptions.broker)) {
            // Each node would make its own token secret and run its own market feed (docs/protocol.md, Demo mode).
            System.out.println("duplex serve: demo mode is for one node; with several nodes sharing a broker, run "
                    + "them with --no-demo and one JWT key");
        }
        System.out.flush();
        EchoCommand.awaitShutdown(r.server(), shutdownTimeout);
        r.closeServices();
        return 0;
    }

    Running start() throws Exception {
        HubConfig config = HubConfig.defaults()
                .withHistory(historySize, historyTtl)
                .withLimits(maxTopics, maxSubscriptions, maxPublicationBytes)
                .withIdempotency(idempotencyWindow, HubConfig.defaults().maxKeysPerTopic())
                .withBatching(batching, batchMaxBytes, batchDelay)
                .withRates(rateMessages, rateMessageBurst, rateBytes, rateByteBurst, rateStrikes)
                .withTokenGrace(tokenGrace);
        if (rateBytes > 0 && rateByteBurst < maxMessage) {
            throw new ParameterException(spec.commandLine(), "--rate-byte-burst (" + (long) rateByteBurst
                    + ") must be at least --max-message (" + maxMessage + "): a larger message could never pass");
        }
        TokenVerifier verifier = verifier();
        boolean allowAnonymous = switch (anonymous) {
            case "allow" -> true;
            case "deny" -> false;
            case "auto" -> verifier == null;
            default -> throw new ParameterException(spec.commandLine(),
                    "--anonymous must be allow, deny or auto, not " + anonymous);
        };
        WebSocketOptions.SlowConsumerPolicy policy = switch (slowConsumerPolicy) {
            case "close" -> WebSocketOptions.SlowConsumerPolicy.CLOSE;
            case "drop" -> WebSocketOptions.SlowConsumerPolicy.DROP;
            default -> throw new ParameterException(spec.commandLine(),
                    "--slow-consumer-policy must be close or drop, not " + slowConsumerPolicy);
        };
        DemoTokens demoTokens = null;
        if (demo && verifier == null) {
            // No key of the operator's: the demo pages get tokens signed with a secret made for this run.
            demoTokens = new DemoTokens();
            verifier = demoTokens.verifier();
        }
        if (!allowAnonymous && verifier == null) {
            throw new ParameterException(spec.commandLine(), "--anonymous deny needs a JWT key (--jwt-secret-file, "
                    + "--jwt-public-key or --jwt-jwks) or --demo: otherwise no client could connect");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        io.duplex.hub.broker.Broker broker = brokerOptions.create(config);
        Hub hub = Hub.builder().config(config).broker(broker).tokenVerifier(verifier).meterRegistry(registry).build();
        OtAuthority editor = OtAuthority.start(hub, editorDocs);
        WebSocketOptions ws = WebSocketOptions.SERVER_DEFAULTS.withMaxMessageSize(maxMessage)
                .withPingInterval(pingInterval)
                .withMaxBackpressure(Math.max(slowConsumerBytes, WebSocketOptions.SERVER_DEFAULTS.highWatermark()),
                        policy);
        PerMessageDeflate deflate = noDeflate ? null
                : Endpoint.DEFAULT_DEFLATE.withClientNoContextTakeover(!clientContextTakeover);
        IpLimiter ipLimiter = ipConnectRate <= 0 && ipMaxConnections <= 0 ? null
                : new IpLimiter(ipConnectRate, ipConnectBurst, ipMaxConnections);
        HubEndpoint.Options options = new HubEndpoint.Options(
                allowAnonymous ? Permissions.of(anonymousSubscribe, anonymousPublish, anonymousPresence, null) : null,
                Set.copyOf(allowedOrigins), ipLimiter, ws, deflate);
        String apiKey = apiKeyFile == null ? null : Files.readString(apiKeyFile, StandardCharsets.UTF_8).trim();
        if (apiKey == null && demo) {
            byte[] k = new byte[18];
            new java.security.SecureRandom().nextBytes(k);
            apiKey = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(k);
            generatedApiKey = apiKey;
        }
        io.duplex.net.TlsConfig tlsConfig = tls.toConfig();
        WebSocketServer.Builder b = WebSocketServer.builder()
                .tls(tlsConfig)
                .host(host)
                .port(port)
                .loops(loops > 0 ? loops : Runtime.getRuntime().availableProcessors())
                .endpoint("/ws", HubEndpoint.create(hub, options))
                .http("/health", ex -> ex.respond(200, "application/json", "{\"status\":\"ok\"}"))
                .http("/metrics", ex -> ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()))
                .http("/", STATIC)
                .httpPrefix("/client/", STATIC)
                .httpPrefix("/demo/", STATIC);
        new HttpApi(hub, apiKey).mount(b);
        if (demoTokens != null) {
            b.http("/demo/token", demoTokens);
        }
        new HttpTransports(hub, options, HttpTransports.Settings.from(options)
                .withTimeouts(pollTimeout, sessionTimeout, Duration.ofSeconds(15))).mount(b);
        WebSocketServer server;
        try {
            server = b.start();
        } catch (Exception e) {
            hub.close();
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
        LoopLag.register(server.group(), registry);
        MarketFeed feed = demo ? new MarketFeed(hub) : null;
        return new Running(server, hub, registry, tlsConfig != null, feed, editor, broker);
    }

    private TokenVerifier verifier() throws Exception {
        int given = (jwtSecretFile != null ? 1 : 0) + (jwtPublicKey != null ? 1 : 0) + (jwtJwks != null ? 1 : 0);
        if (given > 1) {
            throw new ParameterException(spec.commandLine(),
                    "give one of --jwt-secret-file, --jwt-public-key and --jwt-jwks, not several");
        }
        TokenVerifier v;
        if (jwtSecretFile != null) {
            v = TokenVerifier.hmac(Files.readString(jwtSecretFile, StandardCharsets.UTF_8).trim()
                    .getBytes(StandardCharsets.UTF_8));
        } else if (jwtPublicKey != null) {
            v = TokenVerifier.publicKeyPem(jwtPublicKey);
        } else if (jwtJwks != null) {
            v = TokenVerifier.jwks(jwtJwks);
        } else {
            return null;
        }
        return v.withClockSkew(jwtClockSkew);
    }
}
