package io.duplex.hub.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sends one WebSocket upgrade request on a plain socket and reads the response head and body, for asserting
 * what a refused upgrade says (status, {@code Retry-After}, {@code WWW-Authenticate}, the reason in the body),
 * which a WebSocket client does not expose. An accepted upgrade (101) is read up to the end of its head and
 * the socket is then closed abruptly. Reads are bounded by a 5 s socket timeout.
 */
public final class UpgradeProbe {
    /**
     * The response to an upgrade.
     *
     * @param headers names lower-cased; the last value of a repeated header
     */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private UpgradeProbe() {}

    /**
     * Upgrades at {@code uri} (path and query as given) with extra header lines such as {@code "Origin: x"}.
     */
    public static Response upgrade(URI uri, String... extraHeaders) throws IOException {
        StringBuilder req = new StringBuilder("GET ").append(uri.getRawPath());
        if (uri.getRawQuery() != null) {
            req.append('?').append(uri.getRawQuery());
        }
        req.append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(uri.getPort())
                .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        for (String h : extraHeaders) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        try (Socket s = new Socket()) {
            s.setSoTimeout(5_000);
            s.connect(new InetSocketAddress("127.0.0.1", uri.getPort()), 5_000);
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            Response r = read(s.getInputStream());
            if (r.status() == 101) {
                s.setSoLinger(true, 0);
            }
            return r;
        }
    }

    private static Response read(InputStream in) throws IOException {
        String head = readHead(in);
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ", 3)[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        String body = "";
        String length = headers.get("content-length");
        if (status != 101 && length != null) {
            body = new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
        }
        return new Response(status, headers, body);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw new IOException("no complete response head within 5 s; got: " + head, e);
            }
            if (b < 0) {
                throw new IOException("connection closed before the response head ended; got: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
