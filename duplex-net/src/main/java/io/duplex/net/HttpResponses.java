package io.duplex.net;

import io.duplex.protocol.handshake.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes plain HTTP/1.1 responses (RFC 9112). Stateless. */
final class HttpResponses {
    private HttpResponses() {}

    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(200, "OK"), Map.entry(204, "No Content"), Map.entry(301, "Moved Permanently"),
            Map.entry(304, "Not Modified"), Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"),
            Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"),
            Map.entry(408, "Request Timeout"), Map.entry(411, "Length Required"), Map.entry(413, "Content Too Large"),
            Map.entry(414, "URI Too Long"), Map.entry(426, "Upgrade Required"), Map.entry(429, "Too Many Requests"),
            Map.entry(431, "Request Header Fields Too Large"), Map.entry(500, "Internal Server Error"),
            Map.entry(501, "Not Implemented"), Map.entry(503, "Service Unavailable"),
            Map.entry(505, "HTTP Version Not Supported"));

    static String reason(int status) {
        return REASONS.getOrDefault(status, "Status " + status);
    }

    /**
     * A complete response. {@code Content-Length} and {@code Connection} are added here; {@code headers} must not
     * carry them. For HEAD requests pass {@code omitBody} so the length describes a body that is not sent.
     */
    static ByteBuffer response(int status, HttpHeaders headers, byte[] body, boolean keepAlive, boolean omitBody) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        if (headers != null) {
            for (Map.Entry<String, String> h : headers) {
                sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
        }
        sb.append("Content-Length: ").append(body.length).append("\r\n");
        sb.append("Connection: ").append(keepAlive ? "keep-alive" : "close").append("\r\n\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        int n = omitBody ? 0 : body.length;
        ByteBuffer out = ByteBuffer.allocate(head.length + n).put(head);
        if (n > 0) {
            out.put(body);
        }
        return out.flip();
    }

    /** A short plain-text response, e.g. an error with its reason. */
    static ByteBuffer text(int status, String text, HttpHeaders extra, boolean keepAlive) {
        HttpHeaders h = new HttpHeaders().add("Content-Type", "text/plain; charset=utf-8");
        if (extra != null) {
            for (Map.Entry<String, String> e : extra) {
                h.add(e.getKey(), e.getValue());
            }
        }
        return response(status, h, (text + "\n").getBytes(StandardCharsets.UTF_8), keepAlive, false);
    }
}
