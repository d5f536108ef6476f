package io.duplex.net;

/**
 * Serves a plain HTTP request on a path (health checks, files, fallback transports). Runs on the event loop
 * and must not block; it may answer later, from any thread, through the exchange.
 */
@FunctionalInterface
public interface HttpHandler {
    void handle(HttpExchange exchange) throws Exception;
}
