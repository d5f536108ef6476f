package io.duplex.server.demo;

import io.duplex.hub.Hub;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The simulated market of the market-data demo: 50 symbols, each a random walk, 10 ticks a second per symbol,
 * published to {@code market.<SYMBOL>}. It runs only while someone on this node is subscribed to one of them,
 * so an idle server spends nothing on it. One daemon thread.
 */
public final class MarketFeed implements AutoCloseable {
    public static final int SYMBOLS = 50;
    public static final long PERIOD_MS = 100;

    private final Hub hub;
    private final List<String> symbols = new ArrayList<>();
    private final double[] prices = new double[SYMBOLS];
    private final Random random = new Random();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "duplex-demo-market");
        t.setDaemon(true);
        return t;
    });
    private long seq;

    public MarketFeed(Hub hub) {
        this.hub = hub;
        for (int i = 0; i < SYMBOLS; i++) {
            // Four-letter names from the index, the same on every run: AAXA, ABXB, ACXC, ... (no real tickers).
            String s = "" + (char) ('A' + i / 26 % 26) + (char) ('A' + i % 26) + "X" + (char) ('A' + i % 7);
            symbols.add(s);
            prices[i] = 20 + random.nextInt(480);
        }
        timer.scheduleAtFixedRate(this::tick, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    public List<String> symbols() {
        return List.copyOf(symbols);
    }

    private void tick() {
        try {
            boolean watched = false;
            for (String s : symbols) {
                if (hub.hasSubscribers("market." + s)) {
                    watched = true;
                    break;
                }
            }
            if (!watched) {
                return;
            }
            long now = System.currentTimeMillis();
            seq++;
            for (int i = 0; i < SYMBOLS; i++) {
                double change = prices[i] * (random.nextGaussian() * 0.002);
                prices[i] = Math.max(1, prices[i] + change);
                String json = String.format(Locale.ROOT, "{\"s\":\"%s\",\"p\":%.2f,\"c\":%.3f,\"t\":%d,\"n\":%d}",
                        symbols.get(i), prices[i], change, now, seq);
                hub.publish("market." + symbols.get(i), json, null);
            }
        } catch (RuntimeException e) {
            // A failed tick (e.g. the topic limit) must not stop the feed.
            org.slf4j.LoggerFactory.getLogger(MarketFeed.class).warn("market tick failed", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
