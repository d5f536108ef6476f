package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TlsTest extends LoopbackTest {

    private TcpServer serve(TlsConfig tls, ConnectionOptions options, Supplier<? extends ConnectionHandler> h)
            throws IOException {
        return serve(group, options, tls, h);
    }

    private static TlsConfig pkcs12Server() throws Exception {
        return TlsConfig.serverFromPkcs12(SelfSignedCertificate.get("EC").keyStore, SelfSignedCertificate.PASSWORD);
    }

    private static TlsConfig trustingClient(String alg) throws Exception {
        return TlsConfig.clientTrusting(SelfSignedCertificate.get(alg).certificate);
    }

    private CompletableFuture<Connection> connect(TcpServer server, TlsConfig tls, ConnectionHandler h) {
        return TcpClient.connect(group.next(), server.localAddress(), () -> h, WAIT, ConnectionOptions.DEFAULTS, tls);
    }

    @Test
    void echoesManySmallWritesAndCorksThemIntoOneRecordWrite() throws Exception {
        TcpServer server = serve(pkcs12Server(), ConnectionOptions.DEFAULTS, () -> new EchoHandler(32));
        Recorder client = new Recorder();
        Connection c = connect(server, trustingClient("EC"), client).get(10, TimeUnit.SECONDS);
        byte[] payload = random(40 * 50, 7);
        ByteBuffer all = ByteBuffer.wrap(payload);
        long before = c.loop().submit(() -> {
            long calls = c.loop().writeCalls();
            for (int i = 0; i < 50; i++) {
                c.write(all.slice(i * 40, 40));
            }
            return calls;
        }).get(5, TimeUnit.SECONDS);
        long after = c.loop().submit(() -> c.loop().writeCalls()).get(5, TimeUnit.SECONDS);
        // Fifty writes in one task: one record, one gathering write.
        assertThat(after - before).isEqualTo(1);
        assertThat(client.awaitBytes(payload.length, WAIT)).isEqualTo(payload);
        assertThat(c.isTls()).isTrue();
    }

    @Test
    void transfers16MiBWithAPemEcIdentity() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("EC");
        TlsConfig serverTls = TlsConfig.serverFromPem(cert.certificatePem, cert.privateKeyPem);
        TcpServer server = serve(serverTls, ConnectionOptions.DEFAULTS, () -> new EchoHandler(1));
        int total = 16 * 1024 * 1024;
        byte[] payload = random(total, 8);
        ConnectionTest.Sender client = new ConnectionTest.Sender(payload, 64 * 1024);
        connect(server, trustingClient("EC"), client).get(10, TimeUnit.SECONDS);
        byte[] echoed = client.awaitBytes(total, Duration.ofSeconds(40));
        assertThat(echoed).isEqualTo(payload);
    }

    @Test
    void pemRsaIdentityWorksAndSniReachesTheServer() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("RSA");
        Recorder serverSide = new Recorder();
        TcpServer server = serve(TlsConfig.serverFromPem(cert.certificatePem, cert.privateKeyPem),
                ConnectionOptions.DEFAULTS, () -> serverSide);
        Recorder client = new Recorder();
        connect(server, trustingClient("RSA").withServerName("localhost"), client).get(10, TimeUnit.SECONDS);
        Connection s = serverSide.opened.get(10, TimeUnit.SECONDS);
        List<javax.net.ssl.SNIServerName> names = s.loop().submit(() -> ((ExtendedSSLSession) s.tlsSession()).getRequestedServerNames())
                .get(5, TimeUnit.SECONDS);
        assertThat(names).containsExactly((javax.net.ssl.SNIServerName) new SNIHostName("localhost"));
    }

    @Test
    void untrustedServerFailsTheConnectAndNobodySeesACallback() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(pkcs12Server(), ConnectionOptions.DEFAULTS, () -> serverSide);
        Recorder client = new Recorder();
        // Trusts the RSA certificate, but the server presents the EC one.
        CompletableFuture<Connection> f = connect(server, trustingClient("RSA"), client);
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SSLHandshakeException.class);
        assertThat(client.opened).isNotDone();
        assertThat(client.closeCount.get()).isZero();
        assertThat(serverSide.opened).isNotDone();
        assertThat(serverSide.closeCount.get()).isZero();
    }

    @Test
    void hostnameMismatchIsRejectedByDefault() throws Exception {
        TcpServer server = serve(pkcs12Server(), ConnectionOptions.DEFAULTS, () -> new Recorder());
        TlsConfig wrongName = trustingClient("EC").withServerName("not-this-host.invalid");
        assertThatThrownBy(() -> connect(server, wrongName, new Recorder()).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SSLHandshakeException.class);
        // The same name is accepted once verification is explicitly off.
        connect(server, wrongName.withHostnameVerification(false), new Recorder()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void closeSendsCloseNotifyAndBothSidesCloseOnce() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(pkcs12Server(), ConnectionOptions.DEFAULTS, () -> serverSide);
        Recorder client = new Recorder();
        Connection c = connect(server, trustingClient("EC"), client).get(10, TimeUnit.SECONDS);
        Connection s = serverSide.opened.get(10, TimeUnit.SECONDS);
        c.execute(() -> {
            c.write(ByteBuffer.wrap("last words".getBytes()));
            c.close();
        });
        assertThat(serverSide.awaitBytes(10, WAIT)).isEqualTo("last words".getBytes());
        assertThat(serverSide.closed.get(10, TimeUnit.SECONDS)).isSameAs(Recorder.ORDERLY);
        assertThat(client.closed.get(10, TimeUnit.SECONDS)).isSameAs(Recorder.ORDERLY);
        s.loop().submit(() -> null).get(5, TimeUnit.SECONDS);
        c.loop().submit(() -> null).get(5, TimeUnit.SECONDS);
        assertThat(serverSide.closeCount.get()).isEqualTo(1);
        assertThat(client.closeCount.get()).isEqualTo(1);
    }

    @Test
    void loopShutdownAndPeerResetEachCloseTlsConnectionsOnce() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(pkcs12Server(), ConnectionOptions.DEFAULTS, () -> serverSide);
        EventLoopGroup clientGroup = new EventLoopGroup(1, "tls-client");
        Recorder client = new Recorder();
        Connection c = TcpClient.connect(clientGroup.next(), server.localAddress(), () -> client, WAIT,
                ConnectionOptions.DEFAULTS, trustingClient("EC")).get(10, TimeUnit.SECONDS);
        Connection s = serverSide.opened.get(10, TimeUnit.SECONDS);
        // The client's loop goes away: its side closes orderly, with close_notify on the way out.
        clientGroup.shutdown().get(10, TimeUnit.SECONDS);
        assertThat(client.closed.get(10, TimeUnit.SECONDS)).isSameAs(Recorder.ORDERLY);
        assertThat(serverSide.closed.get(10, TimeUnit.SECONDS)).isSameAs(Recorder.ORDERLY);
        s.loop().submit(() -> null).get(5, TimeUnit.SECONDS);
        assertThat(client.closeCount.get()).isEqualTo(1);
        assertThat(serverSide.closeCount.get()).isEqualTo(1);
        assertThat(c.loop().isShutdown()).isTrue();

        // A second client resets the TCP connection after the handshake: the server sees the error.
        Recorder serverSide2 = new Recorder();
        TcpServer server2 = serve(pkcs12Server(), ConnectionOptions.DEFAULTS, () -> serverSide2);
        Connection c2 = connect(server2, trustingClient("EC"), new Recorder()).get(10, TimeUnit.SECONDS);
        serverSide2.opened.get(10, TimeUnit.SECONDS);
        c2.execute(c2::abort);
        assertThat(serverSide2.closed.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
        assertThat(serverSide2.closeCount.get()).isEqualTo(1);
    }

    @Test
    void pausedTlsConnectionDeliversBufferedRecordsOnResume() throws Exception {
        Recorder serverSide = new Recorder() {
            @Override
            public void onRead(Connection c, ByteBuffer data) {
                super.onRead(c, data);
                // Pause after every record so that later records of the same read wait in the buffer.
                c.pauseReading();
            }
        };
        TcpServer server = serve(pkcs12Server(), ConnectionOptions.DEFAULTS, () -> serverSide);
        Recorder client = new Recorder();
        Connection c = connect(server, trustingClient("EC"), client).get(10, TimeUnit.SECONDS);
        Connection s = serverSide.opened.get(10, TimeUnit.SECONDS);
        byte[] payload = random(100, 9);
        c.execute(() -> {
            for (int i = 0; i < 10; i++) {
                c.write(ByteBuffer.wrap(payload, i * 10, 10));
                c.flush();
            }
        });
        int got = 0;
        for (int rounds = 0; rounds < 200 && got < payload.length; rounds++) {
            got = serverSide.awaitBytes(got + 1, WAIT).length;
            s.execute(s::resumeReading);
        }
        assertThat(serverSide.received()).isEqualTo(payload);
    }

    @Test
    void silentPeerIsDroppedAfterTheHandshakeTimeout() throws Exception {
        ConnectionOptions quick = new ConnectionOptions(64 * 1024, 16 * 1024, true, Duration.ofMillis(100));
        Recorder serverSide = new Recorder();
        TcpServer server = serve(pkcs12Server(), quick, () -> serverSide);
        try (Socket s = new Socket()) {
            s.connect(server.localAddress(), 5000);
            s.setSoTimeout(10_000);
            // Never says hello: the server's timer closes the socket.
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(serverSide.opened).isNotDone();
        assertThat(serverSide.closeCount.get()).isZero();
    }

    /** Plain HTTP on a TLS port gets a plain-text 400 that says why (as nginx does), then the close. */
    @Test
    void aPlainHttpRequestOnATlsPortGetsAPlainTextAnswer() throws Exception {
        Recorder serverSide = new Recorder();
        TcpServer server = serve(pkcs12Server(), ConnectionOptions.DEFAULTS, () -> serverSide);
        try (Socket s = new Socket()) {
            s.setSendBufferSize(8192);
            s.connect(server.localAddress(), 5000);
            s.setSoTimeout(10_000);
            // A request with a body still arriving after the answer: the server must not reset under its answer.
            s.getOutputStream().write(("POST /api HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048576\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.util.concurrent.atomic.AtomicReference<Throwable> writeFailure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 64; i++) {
                        s.getOutputStream().write(new byte[16 * 1024]);
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    writeFailure.set(e);
                }
            });
            writer.start();
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n")
                    .endsWith("\r\n\r\nthis port speaks TLS: use https:// or wss://\n");
            writer.join(10_000);
            assertThat(writeFailure.get()).as("the client's body write").isNull();
        }
        assertThat(serverSide.opened).isNotDone();
        // A TLS client on the same server is unaffected.
        Recorder client = new Recorder();
        Connection c = connect(server, trustingClient("EC"), client).get(10, TimeUnit.SECONDS);
        c.loop().execute(c::close);
    }
}
