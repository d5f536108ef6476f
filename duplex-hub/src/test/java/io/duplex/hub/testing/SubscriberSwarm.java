package io.duplex.hub.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duplex.net.ClientOptions;
import io.duplex.net.WebSocket;
import io.duplex.net.WebSocketClient;
import io.duplex.net.WebSocketListener;
import java.net.URI;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many subscribers in a child JVM (a test process cannot hold both ends of 10,000 connections within its
 * descriptor limit). Arguments: {@code port count topic expected}. Opens {@code count} sessions to
 * {@code ws://127.0.0.1:port/ws}, subscribes each to {@code topic}, prints {@code SUBSCRIBED <count>}; then, once
 * every session has received {@code expected} publications, prints {@code RECEIVED <total> ERRORS <n>} (an
 * error is a publication out of offset order, a duplicate or a gap). Holds the connections until killed.
 */
public final class SubscriberSwarm {
    private SubscriberSwarm() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        String topic = args[2];
        int expected = Integer.parseInt(args[3]);
        ObjectMapper json = new ObjectMapper();
        URI uri = URI.create("ws://127.0.0.1:" + port + "/ws");
        String subscribe = "{\"type\":\"subscribe\",\"id\":1,\"topic\":\"" + topic + "\"}";
        AtomicInteger subscribed = new AtomicInteger();
        AtomicInteger complete = new AtomicInteger();
        AtomicLong received = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Semaphore inFlight = new Semaphore(256);
        Object lock = new Object();
        ClientOptions options = ClientOptions.DEFAULTS.withDeflate(null);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            WebSocketClient.connect(uri, options, new WebSocketListener() {
                long last = -1;
                int got;

                @Override
                public void onText(WebSocket ws, String text) {
                    for (String line : text.split("\n")) {
                        try {
                            JsonNode m = json.readTree(line);
                            switch (m.path("type").asText()) {
                                case "welcome" -> ws.sendText(subscribe);
                                case "ack" -> {
                                    last = m.path("offset").asLong();
                                    inFlight.release();
                                    if (subscribed.incrementAndGet() == count) {
                                        synchronized (lock) {
                                            lock.notifyAll();
                                        }
                                    }
                                }
                                case "pub" -> {
                                    long offset = m.path("offset").asLong();
                                    if (offset != last + 1) {
                                        errors.incrementAndGet();
                                    }
                                    last = offset;
                                    received.incrementAndGet();
                                    if (++got == expected && complete.incrementAndGet() == count) {
                                        synchronized (lock) {
                                            lock.notifyAll();
                                        }
                                    }
                                }
                                default -> errors.incrementAndGet();
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                }
            }).whenComplete((ws, e) -> {
                if (e != null) {
                    System.out.println("FAILED " + e);
                    System.out.flush();
                    System.exit(1);
                }
            });
        }
        synchronized (lock) {
            while (subscribed.get() < count) {
                lock.wait(100);
            }
        }
        System.out.println("SUBSCRIBED " + count);
        System.out.flush();
        synchronized (lock) {
            while (complete.get() < count) {
                lock.wait(100);
            }
        }
        System.out.println("RECEIVED " + received.get() + " ERRORS " + errors.get());
        System.out.flush();
        while (System.in.read() >= 0) {
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }
}
