package io.duplex.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duplex.net.ClientOptions;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketClient;
import io.duplex.net.WebSocketListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * Publish-to-delivery latency of one {@code duplex serve} per transport, under the same load at the same time:
 * N subscribers over WebSocket, N over server-sent events and N over long-polling on one topic, one WebSocket
 * publisher at R publications per second carrying its send time. Prints a table of p50 / p99 / p99.9 / max per
 * transport and one JSON line per transport.
 *
 * <pre>java -cp duplex.jar io.duplex.server.bench.TransportLatency http://127.0.0.1:8080 [subscribers] [rate]
 *     [seconds] [warmup seconds]</pre>
 */
public final class TransportLatency {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "bench.transports";

    private TransportLatency() {}

    public static void main(String[] args) throws Exception {
        URI http = URI.create(args[0]);
        int subscribers = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        URI ws = URI.create("ws://" + http.getHost() + ":" + http.getPort() + "/ws");
        HttpClient client = HttpClient.newBuilder().executor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "latency-http");
            t.setDaemon(true);
            return t;
        })).build();
        long base = System.nanoTime();
        Map<String, Recorder> recorders = new LinkedHashMap<>();
        for (String t : List.of("websocket", "sse", "polling")) {
            recorders.put(t, new Recorder(3));
        }
        String subscribe = "{\"type\":\"subscribe\",\"id\":1,\"topic\":\"" + TOPIC + "\"}";
        List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            Consumer<String> lines = lines(recorders.get("websocket"), base);
            sockets.add(WebSocketClient.connect(ws, ClientOptions.DEFAULTS.withDeflate(null), new WebSocketListener() {
                @Override
                public void onText(WebSocket s, String text) {
                    if (text.startsWith("{\"type\":\"welcome\"")) {
                        s.sendText(subscribe);
                    }
                    lines.accept(text);
                }
            }).get(10, TimeUnit.SECONDS));
            sse(client, http, subscribe, lines(recorders.get("sse"), base));
            polling(client, http, subscribe, lines(recorders.get("polling"), base));
        }
        Thread.sleep(1000);
        WebSocket publisher = WebSocketClient.connect(ws, ClientOptions.DEFAULTS.withDeflate(null),
                new WebSocketListener() {}).get(10, TimeUnit.SECONDS);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        timer.scheduleAtFixedRate(() -> publisher.sendText("{\"type\":\"publish\",\"topic\":\"" + TOPIC
                + "\",\"data\":{\"t\":" + (System.nanoTime() - base) + "}}"), 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
        Thread.sleep(warmup * 1000L);
        recorders.values().forEach(Recorder::reset);
        Thread.sleep(seconds * 1000L);
        System.out.printf(Locale.ROOT, "%d subscribers per transport, %d publications/s, %d s%n", subscribers, rate,
                seconds);
        System.out.printf(Locale.ROOT, "%-10s %10s %10s %10s %10s %10s%n", "transport", "deliveries", "p50 ms",
                "p99 ms", "p99.9 ms", "max ms");
        List<String> json = new ArrayList<>();
        for (Map.Entry<String, Recorder> e : recorders.entrySet()) {
            Histogram h = e.getValue().getIntervalHistogram();
            System.out.printf(Locale.ROOT, "%-10s %10d %10.2f %10.2f %10.2f %10.2f%n", e.getKey(), h.getTotalCount(),
                    ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
                    ms(h.getMaxValue()));
            json.add(String.format(Locale.ROOT, "{\"transport\":\"%s\",\"subscribers\":%d,\"rate\":%d,\"deliveries\":%d,"
                    + "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}", e.getKey(), subscribers,
                    rate, h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                    ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue())));
        }
        json.forEach(System.out::println);
        System.exit(0);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** Records the latency of every publication among the '\n'-separated messages. */
    private static Consumer<String> lines(Recorder recorder, long base) {
        return text -> {
            for (String line : text.split("\n")) {
                if (line.startsWith("{\"type\":\"pub\"")) {
                    try {
                        JsonNode m = JSON.readTree(line);
                        recorder.recordValue(Math.max(0, System.nanoTime() - base - m.path("data").path("t").asLong()));
                    } catch (Exception e) {
                        throw new IllegalStateException("bad delivery: " + line, e);
                    }
                }
            }
        };
    }

    private static void send(HttpClient client, URI http, String session, String body) throws Exception {
        client.send(HttpRequest.newBuilder(http.resolve("/http/send?session=" + session))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private static void sse(HttpClient client, URI http, String subscribe, Consumer<String> lines) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> r = client.sendAsync(
                HttpRequest.newBuilder(http.resolve("/http/sse")).build(), HttpResponse.BodyHandlers.ofLines())
                .get(10, TimeUnit.SECONDS);
        Thread reader = new Thread(() -> r.body().forEach(line -> {
            if (line.startsWith("data: ")) {
                String data = line.substring(6);
                if (data.startsWith("{\"type\":\"welcome\"")) {
                    try {
                        send(client, http, JSON.readTree(data).path("session").asText(), subscribe);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                lines.accept(data);
            }
        }), "latency-sse");
        reader.setDaemon(true);
        reader.start();
    }

    private static void polling(HttpClient client, URI http, String subscribe, Consumer<String> lines) {
        Thread poller = new Thread(() -> {
            try {
                HttpResponse<String> open = client.send(HttpRequest.newBuilder(http.resolve("/http/open"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                String session = JSON.readTree(open.body().split("\n")[0]).path("session").asText();
                long seq = Long.parseLong(open.headers().firstValue("X-Duplex-Seq").orElse("1"));
                send(client, http, session, subscribe);
                while (true) {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            http.resolve("/http/poll?session=" + session + "&ack=" + seq)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        return;
                    }
                    seq = Long.parseLong(r.headers().firstValue("X-Duplex-Seq").orElse(Long.toString(seq)));
                    lines.accept(r.body());
                }
            } catch (Exception e) {
                System.err.println("poller: " + e);
            }
        }, "latency-polling");
        poller.setDaemon(true);
        poller.start();
    }
}
