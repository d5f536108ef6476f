import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Cost of compressing the load generator's messages with the JDK's zlib, as permessage-deflate does (raw DEFLATE,
 * level 6, SYNC_FLUSH per message): with a reset before every message (no context takeover, Duplex's default) and
 * with the context kept (context takeover). Single-threaded; run pinned to one core.
 *
 * <pre>
 *   node duplex-bench/deflate/loadgen.mjs --dump /tmp/msgs.txt
 *   taskset -c 1 java duplex-bench/deflate/DeflateCost.java /tmp/msgs.txt
 * </pre>
 */
public final class DeflateCost {
    public static void main(String[] args) throws Exception {
        List<byte[]> msgs = Files.readAllLines(Path.of(args[0])).stream()
                .map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        byte[] out = new byte[64 * 1024];
        for (int rep = 0; rep < 5; rep++) {
            for (boolean context : new boolean[] {false, true}) {
                Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
                long bytes = 0;
                int n = 0;
                long t0 = System.nanoTime();
                for (int pass = 0; pass < 10; pass++) {
                    for (byte[] m : msgs) {
                        if (!context) {
                            d.reset();
                        }
                        d.setInput(m);
                        bytes += d.deflate(out, 0, out.length, Deflater.SYNC_FLUSH) - 4; // minus 00 00 ff ff
                        n++;
                    }
                }
                long t1 = System.nanoTime();
                d.end();
                System.out.printf("rep %d %-16s %7.1f us/msg  %6.0f bytes/msg (of %d)%n", rep,
                        context ? "context-takeover" : "no-context", (t1 - t0) / 1e3 / n, (double) bytes / n,
                        msgs.get(0).length);
            }
        }
    }
}
