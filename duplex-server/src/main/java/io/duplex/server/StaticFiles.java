package io.duplex.server;

import io.duplex.net.HttpExchange;
import io.duplex.net.HttpHandler;
import io.duplex.protocol.handshake.HttpHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves files packaged under {@code static/} on the class path: the JavaScript client ({@code /client/}) and the
 * demo pages. Read once and kept (they are a few hundred kilobytes at most), with an ETag so browsers revalidate
 * cheaply. Only GET and HEAD; paths with {@code ..}, backslashes or empty segments get 404, as do missing files.
 * Thread-safe.
 */
final class StaticFiles implements HttpHandler {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "json", "application/json", "svg", "image/svg+xml", "png", "image/png",
            "ts", "text/plain; charset=utf-8", "md", "text/markdown; charset=utf-8", "ico", "image/x-icon");

    private record File(byte[] body, String type, String etag) {}

    private final String root;
    private final Map<String, File> cache = new ConcurrentHashMap<>();
    private final Map<String, String> aliases;

    /** @param aliases request paths served by another file, e.g. "/" to "/index.html" */
    StaticFiles(String root, Map<String, String> aliases) {
        this.root = root;
        this.aliases = Map.copyOf(aliases);
    }

    @Override
    public void handle(HttpExchange ex) {
        String method = ex.request().method();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.respond(405, new HttpHeaders().add("Allow", "GET, HEAD").add("Content-Type", "text/plain"),
                    "only GET and HEAD\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        String path = aliases.getOrDefault(ex.request().path(), ex.request().path());
        File f = path.contains("..") || path.contains("\\") || path.contains("//") ? null : load(path);
        if (f == null) {
            ex.respond(404, "text/plain; charset=utf-8", "nothing at " + ex.request().path() + "\n");
            return;
        }
        HttpHeaders h = new HttpHeaders().add("Content-Type", f.type()).add("ETag", f.etag())
                .add("Cache-Control", "no-cache").add("X-Content-Type-Options", "nosniff");
        if (f.etag().equals(ex.request().headers().get("If-None-Match"))) {
            ex.respond(304, h, new byte[0]);
        } else {
            ex.respond(200, h, f.body());
        }
    }

    private File load(String path) {
        File f = cache.get(path);
        if (f != null) {
            return f;
        }
        try (InputStream in = StaticFiles.class.getResourceAsStream(root + path)) {
            if (in == null || path.endsWith("/")) {
                return null;
            }
            byte[] body = in.readAllBytes();
            String ext = path.substring(path.lastIndexOf('.') + 1);
            f = new File(body, TYPES.getOrDefault(ext, "application/octet-stream"),
                    "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 8) + "\"");
            cache.put(path, f);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
