package io.duplex.hub.testing;

import io.duplex.hub.Hub;
import io.duplex.hub.HubConfig;
import io.duplex.hub.http.HttpApi;
import io.duplex.hub.security.TokenVerifier;
import io.duplex.hub.ws.HubEndpoint;
import io.duplex.net.WebSocketServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;

/**
 * A hub behind a real WebSocket server on 127.0.0.1 and a free port, as an embedder would assemble it:
 * {@code /ws} for sessions, the HTTP API with key {@link #API_KEY}. Closing stops both.
 */
public final class HubServer implements AutoCloseable {
    public static final String API_KEY = "test-api-key-0123456789";

    private final Hub hub;
    private final WebSocketServer server;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final io.duplex.hub.http.HttpTransports transports;

    private HubServer(HubConfig config, HubEndpoint.Options options, TokenVerifier verifier, int loops,
                      io.duplex.hub.broker.Broker broker) throws Exception {
        Hub.Builder hb = Hub.builder().config(config).tokenVerifier(verifier).meterRegistry(registry);
        if (broker != null) {
            hb.broker(broker);
        }
        hub = hb.build();
        WebSocketServer.Builder b = WebSocketServer.builder().host("127.0.0.1").port(0).loops(loops)
                .endpoint("/ws", HubEndpoint.create(hub, options));
        new HttpApi(hub, API_KEY).mount(b);
        transports = new io.duplex.hub.http.HttpTransports(hub, options,
                io.duplex.hub.http.HttpTransports.Settings.from(options)
                        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(1)));
        transports.mount(b);
        server = b.start();
    }

    public static HubServer start() throws Exception {
        return start(HubConfig.defaults(), HubEndpoint.Options.defaults(), null, 2);
    }

    public static HubServer start(HubConfig config) throws Exception {
        return start(config, HubEndpoint.Options.defaults(), null, 2);
    }

    public static HubServer start(HubConfig config, HubEndpoint.Options options, TokenVerifier verifier, int loops)
            throws Exception {
        return new HubServer(config, options, verifier, loops, null);
    }

    /**
     * A hub on {@code broker} (e.g. one node of several sharing a Redis). The hub does not own the broker: close
     * it after the server.
     */
    public static HubServer start(HubConfig config, HubEndpoint.Options options, TokenVerifier verifier, int loops,
                                  io.duplex.hub.broker.Broker broker) throws Exception {
        return new HubServer(config, options, verifier, loops, broker);
    }

    public static HubServer start(HubConfig config, io.duplex.hub.broker.Broker broker) throws Exception {
        return new HubServer(config, HubEndpoint.Options.defaults(), null, 2, broker);
    }

    public Hub hub() {
        return hub;
    }

    public WebSocketServer server() {
        return server;
    }

    /** The SSE and long-polling transports (poll timeout 2 s, session timeout 3 s, keepalive 1 s). */
    public io.duplex.hub.http.HttpTransports transports() {
        return transports;
    }

    public SimpleMeterRegistry registry() {
        return registry;
    }

    /** The count of the counter {@code name} with {@code tag=value}; 0 when nothing was counted yet. */
    /**
     * Waits (up to 10 s) until the counter reaches {@code expected}, then returns its value: meters of a session's
     * end are updated once the server's side of the close is over, which may come just after the client's.
     */
    public double awaitCount(String name, String tag, String value, double expected) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (count(name, tag, value) < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return count(name, tag, value);
    }

    public double count(String name, String tag, String value) {
        var c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    public URI uri() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
    }

    public URI http(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    public ProtocolClient client() throws Exception {
        return ProtocolClient.connect(uri());
    }

    @Override
    public void close() throws Exception {
        server.shutdown(Duration.ofSeconds(5)).get();
        hub.close();
    }
}
