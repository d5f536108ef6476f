package io.duplex.hub.broker;

/** The broker's store could not be used; nothing was stored. Reported to clients as {@code unavailable}. */
public final class BrokerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BrokerException(String message, Throwable cause) {
        super(message, cause);
    }
}
