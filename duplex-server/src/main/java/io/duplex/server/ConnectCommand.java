package io.duplex.server;

import io.duplex.net.ClientOptions;
import io.duplex.net.CloseStatus;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketClient;
import io.duplex.net.WebSocketListener;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code duplex connect URL}: a WebSocket client on the command line. Lines from stdin go out as text messages;
 * received text goes to stdout, one message per line (binary as {@code <binary N bytes: hex>}); the close code
 * and reason go to stderr. End of stdin sends a 1000 close.
 *
 * <p>Exit status: 0 after a clean close with 1000 or 1001; 1 when the connection or handshake failed; 2 for
 * bad arguments; 3 after any other close (a different code, or the connection dropped: 1006).
 */
@Command(name = "connect", mixinStandardHelpOptions = true,
        description = "Connect to a WebSocket server: stdin lines out, messages to stdout.")
final class ConnectCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "ws:// or wss:// URL")
    URI url;

    @Option(names = {"-H", "--header"}, description = "Extra handshake header, 'Name: value' (repeatable).")
    List<String> headers = List.of();

    @Option(names = {"-s", "--subprotocol"}, description = "Offered subprotocol (repeatable).")
    List<String> subprotocols = List.of();

    @Option(names = "--echo", description = "Send every received message back unchanged until the peer closes.")
    boolean echo;

    @Option(names = "--max-message", defaultValue = "67108864", description = "Largest accepted message in bytes.")
    int maxMessage;

    @Override
    public Integer call() throws Exception {
        ClientOptions options = ClientOptions.DEFAULTS.withOptions(
                ClientOptions.DEFAULTS.options().withMaxMessageSize(maxMessage));
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                System.err.println("bad --header (want 'Name: value'): " + h);
                return 2;
            }
            options = options.withHeader(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        if (!subprotocols.isEmpty()) {
            options = options.withSubprotocols(subprotocols.toArray(String[]::new));
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
        WebSocketListener listener = new WebSocketListener() {
            @Override
            public void onText(WebSocket ws, String text) {
                if (echo) {
                    ws.sendText(text);
                } else {
                    out.println(text);
                }
            }

            @Override
            public void onBinary(WebSocket ws, ByteBuffer data) {
                if (echo) {
                    ws.sendBinary(ByteBuffer.allocate(data.remaining()).put(data).flip());
                } else {
                    byte[] b = new byte[data.remaining()];
                    data.get(b);
                    out.println("<binary " + b.length + " bytes: " + HexFormat.of().formatHex(b) + ">");
                }
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                System.err.println("error: " + error.getMessage());
            }

            @Override
            public void onClose(WebSocket ws, CloseStatus status) {
                closed.complete(status);
            }
        };
        WebSocket ws;
        try {
            ws = WebSocketClient.connect(url, options, listener).get();
        } catch (ExecutionException e) {
            System.err.println("connect failed: " + e.getCause().getMessage());
            return 1;
        }
        if (ws.subprotocol() != null) {
            System.err.println("subprotocol: " + ws.subprotocol());
        }
        if (!echo) {
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null && !closed.isDone()) {
                        ws.sendText(line);
                    }
                } catch (Exception e) {
                    System.err.println("stdin: " + e.getMessage());
                }
                ws.close(1000, "");
            }, "duplex-connect-stdin");
            reader.setDaemon(true);
            reader.start();
        }
        CloseStatus status = closed.get();
        System.err.println("closed: " + status.code() + (status.reason().isEmpty() ? "" : " " + status.reason())
                + (status.clean() ? "" : " (not clean)"));
        System.out.flush();
        boolean ok = status.clean() && (status.code() == 1000 || status.code() == 1001);
        // Give the loop a moment to finish the TCP close before the JVM exits.
        TimeUnit.MILLISECONDS.sleep(20);
        return ok ? 0 : 3;
    }
}
