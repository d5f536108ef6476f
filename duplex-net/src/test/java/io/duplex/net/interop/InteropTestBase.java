package io.duplex.net.interop;

import org.junit.jupiter.api.AfterEach;

/** Holds the Duplex server and the foreign peer of one test and stops both afterwards, whatever happened. */
abstract class InteropTestBase {
    protected InteropServer server;
    protected Peer peer;

    @AfterEach
    void stopPeers() throws Exception {
        try {
            if (peer != null) {
                peer.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}
