package io.duplex.net;

/** What became of one send. Sends never throw for flow-control reasons; they report one of these. */
public enum SendResult {
    /** Written to the socket, or queued with the connection still below its high watermark. */
    SENT,
    /**
     * Queued, and the connection is now above its high watermark: the peer reads slower than we write.
     * Hold further sends until {@link WebSocketListener#onWritable}.
     */
    BACKPRESSURE,
    /**
     * Not sent: queuing it would exceed {@code maxBackpressure}. The endpoint's slow-consumer policy decided
     * whether the connection is also being closed (1008).
     */
    DROPPED,
    /** Not sent: the connection is closing or closed. */
    CLOSED
}
