package io.duplex.net;

/** The peer broke RFC 6455 or a limit; the connection was failed with {@link #code()}. */
public final class WebSocketProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public WebSocketProtocolException(int code, String reason) {
        super(code + ": " + reason);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
