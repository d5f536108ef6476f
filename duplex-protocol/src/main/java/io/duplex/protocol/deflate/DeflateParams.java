package io.duplex.protocol.deflate;

/**
 * The permessage-deflate parameters both ends agreed on (RFC 7692 section 7.1).
 *
 * @param serverNoContextTakeover the server compresses each message with an empty sliding window
 * @param clientNoContextTakeover the client does the same
 * @param serverMaxWindowBits LZ77 window the server compresses with, 8-15
 * @param clientMaxWindowBits LZ77 window the client compresses with, 8-15
 */
public record DeflateParams(boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                            int serverMaxWindowBits, int clientMaxWindowBits) {
    public DeflateParams {
        if (serverMaxWindowBits < 8 || serverMaxWindowBits > 15 || clientMaxWindowBits < 8 || clientMaxWindowBits > 15) {
            throw new IllegalArgumentException("window bits must be 8-15");
        }
    }

    /** The response (or offer) parameters for a Sec-WebSocket-Extensions header, without the extension name. */
    public String toResponseParams() {
        StringBuilder sb = new StringBuilder();
        if (serverNoContextTakeover) {
            sb.append("server_no_context_takeover; ");
        }
        if (clientNoContextTakeover) {
            sb.append("client_no_context_takeover; ");
        }
        if (serverMaxWindowBits < 15) {
            sb.append("server_max_window_bits=").append(serverMaxWindowBits).append("; ");
        }
        if (clientMaxWindowBits < 15) {
            sb.append("client_max_window_bits=").append(clientMaxWindowBits).append("; ");
        }
        return sb.length() == 0 ? "" : sb.substring(0, sb.length() - 2);
    }
}
