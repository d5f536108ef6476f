package io.duplex.server.bench;

import java.nio.charset.StandardCharsets;

/**
 * The messages {@code bench hub} speaks (docs/protocol.md): the {@code subscribe} request, JSON and binary
 * {@code publish} requests whose data carries the send time, and a reader for what subscribers receive. The
 * publication data is exactly {@code size} bytes: for JSON the compact object {@code {"t":NANOS,"p":"xxx..."}}
 * (padding makes up the size, since the number's width varies), for binary 8 big-endian bytes of send time
 * followed by the {@link Payloads#pattern} bytes.
 *
 * <p>The reader works on one line of a text frame (the server batches with {@code \n}, section "Frames and
 * messages") or on one binary publication frame, in place, without allocating.
 *
 * <p>Thread-safety: stateless.
 */
final class HubPayloads {
    private HubPayloads() {}

    /** JSON data: {@code {"t":} + at most 19 digits (a non-negative long) + {@code ,"p":""}}. */
    static final int MIN_JSON_SIZE = 5 + 19 + 8;
    /** Binary data: the send time. */
    static final int MIN_BINARY_SIZE = 8;

    private static final byte[] TYPE_PUB = ascii("\"type\":\"pub\"");
    private static final byte[] TYPE_ERROR = ascii("\"type\":\"error\"");
    private static final byte[] TYPE_ACK = ascii("\"type\":\"ack\"");
    private static final byte[] TYPE_WELCOME = ascii("\"type\":\"welcome\"");
    private static final byte[] OFFSET = ascii("\"offset\":");
    private static final byte[] DATA = ascii("\"data\":{\"t\":");

    /** What a line of a text frame is, for the generator's purposes. */
    enum Kind { PUB, ACK, WELCOME, ERROR, OTHER }

    static int minSize(boolean binary) {
        return binary ? MIN_BINARY_SIZE : MIN_JSON_SIZE;
    }

    /** The topic subscriber {@code i} joins, and publication {@code k} goes to: {@code bench.(i mod topics)}. */
    static String topic(long i, int topics) {
        return "bench." + (i % topics);
    }

    static byte[] subscribe(long id, String topic) {
        return ascii("{\"type\":\"subscribe\",\"id\":" + id + ",\"topic\":\"" + topic + "\"}");
    }

    /** The data object of a JSON publication, exactly {@code size} bytes (at least {@link #MIN_JSON_SIZE}). */
    static byte[] jsonData(long sentNanos, int size) {
        String head = "{\"t\":" + sentNanos + ",\"p\":\"";
        int pad = size - head.length() - 2;
        if (pad < 0) {
            throw new IllegalArgumentException("JSON data of " + size + " bytes cannot hold " + head);
        }
        byte[] b = new byte[size];
        int n = head.length();
        for (int i = 0; i < n; i++) {
            b[i] = (byte) head.charAt(i);
        }
        for (int i = 0; i < pad; i++) {
            b[n + i] = 'x';
        }
        b[size - 2] = '"';
        b[size - 1] = '}';
        return b;
    }

    /** {@code {"type":"publish","topic":T,"data":D}} without an id (no ack: failures still come as errors). */
    static byte[] jsonPublish(String topic, long sentNanos, int size) {
        byte[] head = ascii("{\"type\":\"publish\",\"topic\":\"" + topic + "\",\"data\":");
        byte[] data = jsonData(sentNanos, size);
        byte[] b = new byte[head.length + data.length + 1];
        System.arraycopy(head, 0, b, 0, head.length);
        System.arraycopy(data, 0, b, head.length, data.length);
        b[b.length - 1] = '}';
        return b;
    }

    /** A binary publish frame (docs/protocol.md "Binary frames"): kind 2, no flags, id 0, the topic, no key. */
    static byte[] binaryPublish(String topic, long sentNanos, int size) {
        byte[] t = ascii(topic);
        byte[] b = new byte[1 + 1 + 4 + 1 + t.length + 1 + size];
        b[0] = 0x02;
        int at = 6;
        b[at++] = (byte) t.length;
        System.arraycopy(t, 0, b, at, t.length);
        at += t.length;
        b[at++] = 0;
        Payloads.putNumber(b, at, 8, sentNanos, false);
        byte[] pattern = Payloads.pattern(size);
        System.arraycopy(pattern, 8, b, at + 8, size - 8);
        return b;
    }

    /** What the text line {@code b[from, to)} is. */
    static Kind kind(byte[] b, int from, int to) {
        if (indexOf(b, from, to, TYPE_PUB) >= 0) {
            return Kind.PUB;
        }
        if (indexOf(b, from, to, TYPE_ACK) >= 0) {
            return Kind.ACK;
        }
        if (indexOf(b, from, to, TYPE_WELCOME) >= 0) {
            return Kind.WELCOME;
        }
        return indexOf(b, from, to, TYPE_ERROR) >= 0 ? Kind.ERROR : Kind.OTHER;
    }

    /**
     * Reads a JSON {@code pub} line: returns its send time and puts its offset in {@code offsetOut[0]}; -1 when
     * the line is not a publication of ours or its data is not {@code size} bytes.
     */
    static long jsonSentAt(byte[] b, int from, int to, int size, long[] offsetOut) {
        int o = indexOf(b, from, to, OFFSET);
        int d = indexOf(b, from, to, DATA);
        if (o < 0 || d < 0) {
            return -1;
        }
        offsetOut[0] = digits(b, o + OFFSET.length, to);
        int start = d + 7; // the data's '{'
        int end = start;
        while (end < to && b[end] != '}') {
            end++;
        }
        if (end == to || end + 1 - start != size) {
            return -1;
        }
        return digits(b, d + DATA.length, to);
    }

    /**
     * Reads a binary publication frame (kind 1): returns the send time and puts the offset in
     * {@code offsetOut[0]}; -1 when malformed or when the data is not {@code size} bytes.
     */
    static long binarySentAt(byte[] b, int length, int size, long[] offsetOut) {
        if (length < 2 || b[0] != 0x01) {
            return -1;
        }
        int at = 2;
        at += 1 + (b[at] & 0xFF); // topic
        if (at >= length) {
            return -1;
        }
        at += 1 + (b[at] & 0xFF); // epoch
        if (at + 8 >= length) {
            return -1;
        }
        offsetOut[0] = Payloads.getNumber(b, at, false);
        at += 8;
        at += 1 + (b[at] & 0xFF); // user
        if (length - at != size || size < 8) {
            return -1;
        }
        return Payloads.getNumber(b, at, false);
    }

    /** The {@code "offset"} of the text line {@code b[from, to)} (an ack or a pub); -1 when it has none. */
    static long offset(byte[] b, int from, int to) {
        int o = indexOf(b, from, to, OFFSET);
        return o < 0 ? -1 : digits(b, o + OFFSET.length, to);
    }

    /** A non-negative decimal at {@code b[at]}; -1 if there is none. */
    private static long digits(byte[] b, int at, int to) {
        long v = 0;
        int i = at;
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            v = v * 10 + (b[i] - '0');
            i++;
        }
        return i == at ? -1 : v;
    }

    static int indexOf(byte[] b, int from, int to, byte[] needle) {
        outer:
        for (int i = from, last = to - needle.length; i <= last; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (b[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
