package io.duplex.net;

import java.nio.ByteBuffer;

/**
 * Echoes everything back, copying each read (the read buffer is the loop's), and stops reading
 * while its own output is above the high watermark: the backpressure pattern the WebSocket layer
 * will follow.
 */
class EchoHandler implements ConnectionHandler {
    /** Each read is echoed as this many separate writes, to exercise corking. */
    private final int piecesPerRead;

    EchoHandler(int piecesPerRead) {
        this.piecesPerRead = piecesPerRead;
    }

    @Override
    public void onRead(Connection connection, ByteBuffer data) {
        int total = data.remaining();
        int pieces = Math.min(piecesPerRead, total);
        for (int i = 0; i < pieces; i++) {
            int size = total / pieces + (i < total % pieces ? 1 : 0);
            ByteBuffer copy = ByteBuffer.allocate(size);
            int limit = data.limit();
            data.limit(data.position() + size);
            copy.put(data).flip();
            data.limit(limit);
            connection.write(copy);
        }
        if (!connection.isWritable()) {
            connection.pauseReading();
        }
    }

    @Override
    public void onWritable(Connection connection) {
        connection.resumeReading();
    }

    @Override
    public void onClose(Connection connection, Throwable cause) {
    }
}
