package io.duplex.protocol.handshake;

import java.util.List;

/**
 * Chooses the subprotocol of a connection (RFC 6455 section 4.2.2 item 5.3) among the ones the client
 * offered in {@code Sec-WebSocket-Protocol}.
 *
 * <p>Thread-safety: may be called from several connection threads at once; implementations must be
 * thread-safe.
 */
@FunctionalInterface
public interface SubprotocolSelector {
    /** Selects none, so the response carries no {@code Sec-WebSocket-Protocol}. */
    SubprotocolSelector NONE = offered -> null;

    /**
     * @param offered the offered values in the client's order of preference; may be empty
     * @return one of {@code offered}, or null to select none
     */
    String select(List<String> offered);

    /** Picks the first offered that is in {@code supported}: the client's preference wins. */
    static SubprotocolSelector firstOf(List<String> supported) {
        List<String> copy = List.copyOf(supported);
        return offered -> offered.stream().filter(copy::contains).findFirst().orElse(null);
    }
}
