package io.duplex.server.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code duplex bench MODE --url ws://HOST:PORT/ ...}: a load generator for any WebSocket server, on
 * Duplex's own event loops. Progress goes to stderr once a second; the result is a table on stdout, or one
 * JSON object with {@code --json}.
 *
 * <p>Exit status: 0 when the run finished without errors; 1 when any handshake failed, any payload came
 * back different, or any message went missing; 2 for bad arguments.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Load generator for any WebSocket server.",
            "  echo     N connections keep D messages in flight; throughput, latency, every echo verified",
            "  connect  open C connections (bounded pending handshakes), hold them idle, close them",
            "  fanout   N subscribers + 1 publisher on /broadcast; deliveries/s and publish-to-receive latency",
            "  hub      N subscribers + 1 publisher speaking docs/protocol.md on /ws (duplex serve); deliveries/s,",
            "           publish-to-delivery latency, offsets checked; --publish-rate 0 holds the sessions idle"})
public final class BenchCommand implements Callable<Integer> {

    /** What to measure. */
    enum Mode { echo, connect, fanout, hub }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "echo, connect, fanout or hub")
    Mode mode;

    @Option(names = "--url", required = true, description = "ws:// URL of the server (fanout: path /broadcast, hub: /ws, unless given); "
            + "hub: repeat it to spread the subscribers round robin over several nodes")
    List<URI> urls;

    @Option(names = "--publish-url", description = "hub: where the publisher connects (default: the first --url), "
            + "e.g. another node of the same cluster")
    URI publishUrl;

    /** The first --url: the server of every mode but hub's subscribers. */
    URI url;

    @Option(names = "--connections", description = "echo: connections (default 10); connect: connections (default 1000)")
    Integer connections;

    @Option(names = "--depth", defaultValue = "1", description = "echo: messages in flight per connection (default 1)")
    int depth;

    @Option(names = "--size", defaultValue = "64", description = "payload bytes (default 64)")
    int size;

    @CommandLine.ArgGroup(exclusive = true)
    Kind kind = new Kind();

    static final class Kind {
        @Option(names = "--binary", description = "binary messages (default; hub: binary publish frames)")
        boolean binary;
        @Option(names = "--text", description = "text messages (hub: JSON, the default there)")
        boolean text;
    }

    @Option(names = "--warmup", defaultValue = "3s", converter = DurationConverter.class,
            description = "echo, fanout: load before measuring (default 3s)")
    Duration warmup;

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "echo, fanout: measured time (default 10s)")
    Duration duration;

    @Option(names = "--hold", defaultValue = "5s", converter = DurationConverter.class,
            description = "connect: how long the connections stay open (default 5s)")
    Duration hold;

    @Option(names = "--max-pending", defaultValue = "256", description = "handshakes in flight at once (default 256)")
    int maxPending;

    @Option(names = "--source-address", description = "local address to bind, round-robin (repeatable); "
            + "default: the system's choice, or 127.0.0.2, 127.0.0.3, ... for more connections to a loopback "
            + "server than one address has ephemeral ports")
    List<InetAddress> sourceAddresses = List.of();

    @Option(names = "--subscribers", defaultValue = "100", description = "fanout, hub: subscribers (default 100)")
    int subscribers;

    @Option(names = {"--publish-rate", "--rate"}, defaultValue = "1000",
            description = "fanout, hub: messages per second (default 1000); hub: 0 = hold the sessions, publish nothing")
    double publishRate;

    @Option(names = "--topics", defaultValue = "1",
            description = "hub: topics; subscriber i joins topic bench.(i mod topics), publications go round-robin "
                    + "(default 1); 0 = sessions do not subscribe (only with --publish-rate 0)")
    int topics;

    @Option(names = "--loops", description = "generator event loops (default: available processors)")
    Integer loops;

    @Option(names = "--connect-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "TCP connect, handshake, and fanout join timeout (default 10s)")
    Duration connectTimeout;

    @Option(names = "--server-pid", defaultValue = "0",
            description = "report this process's CPU seconds and RSS (from /proc) and work per server CPU second")
    long serverPid;

    @Option(names = "--write-per-message", description = "echo: one write system call per message (each send is "
            + "flushed at once), as a client that writes each message on its own does; by default the messages a "
            + "connection sends in one callback go out in one write")
    boolean writePerMessage;

    @Option(names = "--json", description = "print the result as JSON instead of a table")
    boolean json;

    @Option(names = "--quiet", description = "no progress lines on stderr")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintStream err = new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true);
        BenchSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            err.println("duplex bench: " + e.getMessage());
            return 2;
        }
        Map<String, Object> result;
        try (BenchRun run = switch (mode) {
            case echo -> new EchoLoad(settings, err);
            case connect -> new ConnectLoad(settings, err);
            case fanout -> new FanoutLoad(settings, err);
            case hub -> new HubLoad(settings, err);
        }) {
            result = run.run();
        }
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
        } else {
            table(out, result);
        }
        out.flush();
        long errors = ((Number) result.get("errors")).longValue();
        return errors == 0 ? 0 : 1;
    }

    BenchSettings settings() {
        url = urls.get(0);
        for (URI u : publishUrl == null ? urls : java.util.stream.Stream.concat(urls.stream(),
                java.util.stream.Stream.of(publishUrl)).toList()) {
            if (u.getScheme() == null || !u.getScheme().equals("ws") || u.getHost() == null) {
                throw new IllegalArgumentException("--url must be ws://HOST[:PORT][/PATH] (wss is not supported): " + u);
            }
        }
        int n = connections != null ? connections : mode == Mode.connect ? 1000 : 10;
        if (n < 1 || depth < 1 || size < 0 || maxPending < 1 || subscribers < 1 || publishRate < 0
                || (publishRate == 0 && mode != Mode.hub)) {
            throw new IllegalArgumentException("counts must be positive, --size at least 0");
        }
        // The hub speaks JSON unless told --binary; the other modes send binary unless told --text.
        boolean text = mode == Mode.hub ? !kind.binary : kind.text;
        if (mode == Mode.hub) {
            checkHub(size, text, topics, publishRate);
        }
        if (mode == Mode.fanout && size < 1 + Payloads.numberWidth(kind.text)) {
            throw new IllegalArgumentException("fanout needs --size of at least " + (1 + Payloads.numberWidth(kind.text))
                    + " (kind byte and send time)");
        }
        int total = mode == Mode.fanout || mode == Mode.hub ? subscribers + 1 : n;
        int nLoops = loops != null ? loops : Runtime.getRuntime().availableProcessors();
        return new BenchSettings(url, nLoops, n, depth, size, text, warmup, duration, hold, maxPending,
                sources(total), subscribers, publishRate, topics, serverPid, connectTimeout, !quiet, List.copyOf(urls),
                publishUrl == null ? url : publishUrl, writePerMessage);
    }

    /** The hub mode's own rules: data big enough for the send time, and topics to publish to. */
    static void checkHub(int size, boolean text, int topics, double publishRate) {
        int min = HubPayloads.minSize(!text);
        if (size < min) {
            throw new IllegalArgumentException("hub needs --size of at least " + min + " for " + (text ? "JSON" : "binary")
                    + " data (the send time" + (text ? " as {\"t\":NANOS,\"p\":\"\"}" : "") + ")");
        }
        if (topics < 0 || topics == 0 && publishRate > 0) {
            throw new IllegalArgumentException("--topics must be at least 1, or 0 with --publish-rate 0");
        }
        if (size > 65536) {
            throw new IllegalArgumentException("hub --size must not exceed the server's publication limit (64 KiB)");
        }
    }

    /**
     * The local addresses to spread {@code total} connections over. Connections to one server address and
     * port from one source address are limited by the ephemeral port range (about 28,000 on Linux by
     * default), so a loopback target gets 127.0.0.2, 127.0.0.3, ... as needed (all of 127/8 is loopback).
     */
    private List<InetSocketAddress> sources(int total) {
        List<InetSocketAddress> list = new ArrayList<>();
        for (InetAddress a : sourceAddresses) {
            list.add(new InetSocketAddress(a, 0));
        }
        if (!list.isEmpty()) {
            return list;
        }
        int perAddress = ephemeralPorts() - 500;
        InetAddress server = new InetSocketAddress(url.getHost(), 1).getAddress();
        if (total <= perAddress || server == null || !server.isLoopbackAddress()) {
            return List.of();
        }
        int needed = (total + perAddress - 1) / perAddress;
        for (int i = 0; i < needed; i++) {
            list.add(new InetSocketAddress("127.0.0." + (2 + i), 0));
        }
        return list;
    }

    private static int ephemeralPorts() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
        } catch (Exception e) {
            return 28_232;
        }
    }

    static void table(PrintWriter out, Map<String, Object> result) {
        int width = result.keySet().stream().mapToInt(String::length).max().orElse(10);
        String rule = "-".repeat(width + 2) + "+" + "-".repeat(30);
        out.println(rule);
        for (Map.Entry<String, Object> e : result.entrySet()) {
            Object v = e.getValue();
            String shown = v instanceof Collection<?> c ? (c.isEmpty() ? "-" : String.join("; ", c.stream().map(String::valueOf).toList()))
                    : v instanceof Double d ? String.format(Locale.ROOT, "%,.3f", d)
                    : v instanceof Long l && l > 9999 ? String.format(Locale.ROOT, "%,d", l)
                    : String.valueOf(v);
            out.printf(Locale.ROOT, " %-" + width + "s | %s%n", e.getKey(), shown);
        }
        out.println(rule);
    }

    /** Accepts 500ms, 3s, 2m, or plain seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("s")) {
                v = v.substring(0, v.length() - 1);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        }
    }

    /** Lets the progress lines go to picocli's err writer, so tests can capture them. */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final PrintWriter w;

        WriterOutputStream(PrintWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) {
            w.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            w.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void flush() {
            w.flush();
        }
    }
}
