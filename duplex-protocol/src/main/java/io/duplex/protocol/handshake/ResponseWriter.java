package io.duplex.protocol.handshake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds response and request heads as bytes. Stateless. */
final class ResponseWriter {
    private ResponseWriter() {}

    /** Header bytes are ISO-8859-1: HttpHeaders only admits characters up to 0xFF (RFC 9110 section 5.5). */
    static ByteBuffer head(String startLine, HttpHeaders headers) {
        StringBuilder sb = new StringBuilder(256).append(startLine).append("\r\n");
        headers.writeTo(sb);
        sb.append("\r\n");
        return ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The usual reason phrase of {@code status}; the phrase carries no meaning (RFC 9112 section 4). */
    static String reasonPhrase(int status) {
        switch (status) {
            case 101: return "Switching Protocols";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 426: return "Upgrade Required";
            case 429: return "Too Many Requests";
            case 431: return "Request Header Fields Too Large";
            case 500: return "Internal Server Error";
            case 503: return "Service Unavailable";
            case 505: return "HTTP Version Not Supported";
            default:
                if (status < 400) {
                    return status < 300 ? "OK" : "Redirect";
                }
                return status < 500 ? "Client Error" : "Server Error";
        }
    }
}
