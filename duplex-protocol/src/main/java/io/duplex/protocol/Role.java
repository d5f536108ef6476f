package io.duplex.protocol;

/** Which end of the connection an engine speaks for; fixed at construction. */
public enum Role {
    /** Accepts connections; receives masked frames and sends unmasked ones (section 5.1). */
    SERVER,
    /** Opens connections; masks every frame it sends with a fresh key (section 5.3). */
    CLIENT
}
