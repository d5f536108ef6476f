package io.duplex.net;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-connection transport settings. One instance is shared by all connections of a server or
 * client, so it costs an idle connection nothing.
 *
 * @param highWatermark queued bytes above which {@link Connection#isWritable()} turns false.
 *     Default 64 KiB: a few socket buffers' worth, enough to keep the kernel busy while bounding
 *     what a slow reader can make us hold.
 * @param lowWatermark queued bytes at or below which a connection that went unwritable becomes
 *     writable again and {@link ConnectionHandler#onWritable} fires. Default 16 KiB: the gap to the
 *     high mark avoids flapping between writable and not on every write.
 * @param tcpNoDelay disable Nagle. Default true: corking already batches our writes, and Nagle
 *     would add up to 40 ms to small frames such as pings.
 * @param tlsHandshakeTimeout how long a TLS handshake may take before the socket is dropped (the
 *     upper layer only learns of a TLS connection once it has opened). Default 10 s.
 */
public record ConnectionOptions(int highWatermark, int lowWatermark, boolean tcpNoDelay,
                                Duration tlsHandshakeTimeout) {

    public static final ConnectionOptions DEFAULTS =
            new ConnectionOptions(64 * 1024, 16 * 1024, true, Duration.ofSeconds(10));

    public ConnectionOptions {
        if (lowWatermark < 0 || highWatermark < lowWatermark) {
            throw new IllegalArgumentException(
                    "need 0 <= lowWatermark <= highWatermark, got " + lowWatermark + " / " + highWatermark);
        }
        Objects.requireNonNull(tlsHandshakeTimeout, "tlsHandshakeTimeout");
    }

    public ConnectionOptions withWatermarks(int high, int low) {
        return new ConnectionOptions(high, low, tcpNoDelay, tlsHandshakeTimeout);
    }
}
