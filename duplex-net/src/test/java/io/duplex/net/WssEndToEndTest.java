package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** wss:// between our client and our server, with the server identity from PKCS#12 and from PEM. */
@Timeout(60)
class WssEndToEndTest {
    private final EventLoopGroup clientGroup = new EventLoopGroup(1, "wss-client");
    private WebSocketServer server;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        }
        clientGroup.shutdown().get(10, TimeUnit.SECONDS);
    }

    private URI start(TlsConfig tls) throws Exception {
        server = WebSocketServer.builder().port(0).loops(1).tls(tls)
                .endpoint("/echo", Endpoint.of(new WebSocketEndToEndTest.EchoRecorder())).start();
        return URI.create("wss://127.0.0.1:" + server.port() + "/echo");
    }

    private ClientOptions trusting(String alg) throws Exception {
        return ClientOptions.DEFAULTS.withGroup(clientGroup)
                .withTls(TlsConfig.clientTrusting(SelfSignedCertificate.get(alg).certificate));
    }

    private void echoOneMiB(URI uri, ClientOptions options) throws Exception {
        WsRecorder c = new WsRecorder();
        WebSocket ws = WebSocketClient.connect(uri, options, c).get(10, TimeUnit.SECONDS);
        byte[] payload = LoopbackTest.random(1 << 20, 21);
        ws.sendBinary(payload.clone());
        ws.sendText("done");
        assertThat((byte[]) c.next(Duration.ofSeconds(20))).isEqualTo(payload);
        assertThat(c.next(Duration.ofSeconds(10))).isEqualTo("done");
        ws.close();
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(1000, "", false, true));
    }

    @Test
    void echoesOneMiBOverWssWithAPkcs12Identity() throws Exception {
        URI uri = start(TlsConfig.serverFromPkcs12(SelfSignedCertificate.get("EC").keyStore,
                SelfSignedCertificate.PASSWORD));
        echoOneMiB(uri, trusting("EC"));
    }

    @Test
    void echoesOneMiBOverWssWithAPemIdentity() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("RSA");
        URI uri = start(TlsConfig.serverFromPem(cert.certificatePem, cert.privateKeyPem));
        echoOneMiB(uri, trusting("RSA"));
    }

    @Test
    void clientThatDoesNotTrustTheCertificateFailsTheFuture() throws Exception {
        URI uri = start(TlsConfig.serverFromPkcs12(SelfSignedCertificate.get("EC").keyStore,
                SelfSignedCertificate.PASSWORD));
        WsRecorder jdkTrust = new WsRecorder();
        ClientOptions defaults = ClientOptions.DEFAULTS.withGroup(clientGroup);
        assertThatThrownBy(() -> WebSocketClient.connect(uri, defaults, jdkTrust).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SSLException.class);
        // Trusting another certificate is no better.
        assertThatThrownBy(() -> WebSocketClient.connect(uri, trusting("RSA"), new WsRecorder()).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SSLException.class);
        assertThat(jdkTrust.opened).isNotDone();
        // The server is unharmed: a trusting client still gets through.
        echoOneMiB(uri, trusting("EC"));
    }
}
