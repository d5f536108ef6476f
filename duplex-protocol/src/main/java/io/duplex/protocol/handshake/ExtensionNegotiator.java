package io.duplex.protocol.handshake;

import java.util.List;

/**
 * The server's hook for extensions (RFC 6455 section 9.1): it sees every offer the client made, in the
 * client's order of preference, and picks which to use. Returned extensions are listed in the response
 * in the order returned, which is the order they apply to outgoing data.
 *
 * <p>Thread-safety: an implementation is called once per handshake, possibly from several connection
 * threads at once, so it must be thread-safe (a stateless one is).
 */
@FunctionalInterface
public interface ExtensionNegotiator {
    /**
     * @param offers the client's offers, possibly several for one name with different parameters
     * @return the accepted extensions, each named by an offer and no two claiming the same RSV bit; empty
     *     to accept none
     */
    List<NegotiatedExtension> negotiate(List<ExtensionOffer> offers);
}
