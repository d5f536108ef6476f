package io.duplex.net.interop;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Headless Chromium, driven by playwright-core, loads a page served by the Duplex server itself; the page's
 * WebSocket exchanges text and binary (ArrayBuffer and Blob sends) and closes both ways.
 */
@Timeout(90)
class BrowserInteropTest extends InteropTestBase {
    // Per test, not per class, so that a skip is counted and shown for every test.
    @BeforeEach
    void requireBrowser() {
        InteropEnvironment.requireNode("playwright-core");
        InteropEnvironment.requireChromium();
    }

    @Test
    void chromiumPageAgainstDuplexServer() throws Exception {
        server = InteropServer.plain();
        peer = Peer.start(InteropEnvironment.interopDir(), "node", "browser.mjs",
                "--url", server.httpUri("/interop.html").toString(),
                "--chromium", InteropEnvironment.CHROMIUM, "--timeout", "30000");
        peer.assertAllPassed(Duration.ofSeconds(45),
                "text", "binary-arraybuffer", "binary-blob", "compressed-repeat", "client-close", "server-close");
        server.assertScenarioCloses(Duration.ofSeconds(5));
        server.assertCompressionNegotiated();
    }
}
