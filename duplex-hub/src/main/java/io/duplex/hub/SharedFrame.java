package io.duplex.hub;

import io.duplex.net.PreparedMessage;

/**
 * A frame that many sessions send as it is: a publication alone, or a batch of publications that every session
 * of a loop got in the same pass. Encoded once; as a WebSocket frame prepared (and compressed) once.
 * Thread-safe.
 */
public interface SharedFrame {

    /** The payload: UTF-8 JSON lines separated by '\n', or a binary frame. Shared: never modify it. */
    byte[] wire();

    /** The payload as a WebSocket frame encoded once for all connections. */
    PreparedMessage prepared();

    boolean isBinary();
}
