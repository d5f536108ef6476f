package io.duplex.protocol.deflate;

import io.duplex.protocol.Role;
import io.duplex.protocol.WebSocketProtocol;
import io.duplex.protocol.handshake.ExtensionNegotiator;
import io.duplex.protocol.handshake.ExtensionOffer;
import io.duplex.protocol.handshake.ExtensionParam;
import io.duplex.protocol.handshake.NegotiatedExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The permessage-deflate extension (RFC 7692): settings, negotiation for both roles, and the per-connection
 * {@link DeflateCodec}. Immutable and thread-safe.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><td>serverNoContextTakeover</td><td>true</td><td>the server compresses each message on its own, so one
 *       shared compressor per event loop serves all connections and a broadcast is compressed once; costs some
 *       ratio on repetitive streams</td></tr>
 *   <tr><td>clientNoContextTakeover</td><td>true</td><td>as a server, answer every offer with
 *       client_no_context_takeover, even when the client did not offer it (7.1.1.2): clients then compress each
 *       message on its own, so no connection keeps a decompressor between messages and one per event loop serves
 *       all (see {@link DeflateCodec}); costs ratio on the client's messages (27% more bytes from client to server
 *       on the 4 KiB JSON of docs/compression.md). As a client, offer it, i.e. compress our own messages without context</td></tr>
 *   <tr><td>maxWindowBits</td><td>15</td><td>window of our own compressor; lower saves memory</td></tr>
 *   <tr><td>level</td><td>-1 (zlib's default, 6)</td><td></td></tr>
 *   <tr><td>threshold</td><td>256 bytes</td><td>smaller messages are sent uncompressed: compressing them costs more
 *       CPU than the bytes it saves</td></tr>
 * </table>
 */
public final class PerMessageDeflate {
    public static final String NAME = "permessage-deflate";

    private static final String SNCT = "server_no_context_takeover";
    private static final String CNCT = "client_no_context_takeover";
    private static final String SMWB = "server_max_window_bits";
    private static final String CMWB = "client_max_window_bits";

    private final boolean serverNoContextTakeover;
    private final boolean clientNoContextTakeover;
    private final int maxWindowBits;
    private final int level;
    private final int threshold;
    private final DeflaterFactory factory;

    private PerMessageDeflate(boolean snct, boolean cnct, int maxWindowBits, int level, int threshold,
                              DeflaterFactory factory) {
        if (maxWindowBits < 8 || maxWindowBits > 15) {
            throw new IllegalArgumentException("maxWindowBits must be 8-15");
        }
        if (level < -1 || level > 9) {
            throw new IllegalArgumentException("level must be -1..9");
        }
        if (threshold < 0) {
            throw new IllegalArgumentException("threshold must be >= 0");
        }
        this.serverNoContextTakeover = snct;
        this.clientNoContextTakeover = cnct;
        this.maxWindowBits = maxWindowBits;
        this.level = level;
        this.threshold = threshold;
        this.factory = factory;
    }

    /** Defaults as in the class comment, compressing with the JDK's zlib (15 window bits only). */
    public static PerMessageDeflate defaults() {
        return new PerMessageDeflate(true, true, 15, -1, 256, DeflaterFactory.JDK);
    }

    public PerMessageDeflate withServerNoContextTakeover(boolean on) {
        return new PerMessageDeflate(on, clientNoContextTakeover, maxWindowBits, level, threshold, factory);
    }

    public PerMessageDeflate withClientNoContextTakeover(boolean on) {
        return new PerMessageDeflate(serverNoContextTakeover, on, maxWindowBits, level, threshold, factory);
    }

    public PerMessageDeflate withMaxWindowBits(int bits) {
        return new PerMessageDeflate(serverNoContextTakeover, clientNoContextTakeover, bits, level, threshold, factory);
    }

    public PerMessageDeflate withLevel(int lvl) {
        return new PerMessageDeflate(serverNoContextTakeover, clientNoContextTakeover, maxWindowBits, lvl, threshold,
                factory);
    }

    public PerMessageDeflate withThreshold(int bytes) {
        return new PerMessageDeflate(serverNoContextTakeover, clientNoContextTakeover, maxWindowBits, level, bytes,
                factory);
    }

    public PerMessageDeflate withFactory(DeflaterFactory f) {
        return new PerMessageDeflate(serverNoContextTakeover, clientNoContextTakeover, maxWindowBits, level, threshold,
                f);
    }

    public int threshold() {
        return threshold;
    }

    int level() {
        return level;
    }

    DeflaterFactory factory() {
        return factory;
    }

    /** The codec of one connection that negotiated {@code params}. */
    public DeflateCodec codec(Role role, DeflateParams params) {
        return new DeflateCodec(role, params, this);
    }

    // ---------------------------------------------------------------------------------------------- server

    /**
     * Server side (section 7.1): takes the first acceptable offer in the client's order. A malformed offer
     * (unknown or repeated parameter, bad value) is declined, not fatal: the next offer is tried.
     */
    public ExtensionNegotiator negotiator() {
        return offers -> {
            for (ExtensionOffer offer : offers) {
                if (!offer.name().equalsIgnoreCase(NAME)) {
                    continue;
                }
                NegotiatedExtension accepted = acceptOffer(offer);
                if (accepted != null) {
                    return List.of(accepted);
                }
            }
            return List.of();
        };
    }

    private NegotiatedExtension acceptOffer(ExtensionOffer offer) {
        Map<String, String> p = params(offer, true);
        if (p == null) {
            return null;
        }
        boolean snct = p.containsKey(SNCT) || serverNoContextTakeover;
        boolean cnct = p.containsKey(CNCT) || clientNoContextTakeover;
        int smwb = Math.min(p.containsKey(SMWB) ? Integer.parseInt(p.get(SMWB)) : 15, maxWindowBits);
        if (!factory.supportsWindowBits(smwb)) {
            return null;
        }
        StringBuilder response = new StringBuilder();
        if (snct) {
            response.append(SNCT).append("; ");
        }
        if (cnct) {
            response.append(CNCT).append("; ");
        }
        // 7.1.2.1: accepting the parameter means echoing it with the same or a smaller value.
        if (p.containsKey(SMWB) || smwb < 15) {
            response.append(SMWB).append('=').append(smwb).append("; ");
        }
        // 7.1.2.2: we never restrict the client's window (our inflater takes any), so no client_max_window_bits.
        String params = response.length() == 0 ? "" : response.substring(0, response.length() - 2);
        DeflateParams agreed = new DeflateParams(snct, cnct, smwb, 15);
        return new NegotiatedExtension(NAME, params, WebSocketProtocol.B0_RSV1, agreed);
    }

    /**
     * The parameters of an offer or response by name, or null when malformed: unknown or repeated names, a value
     * where none is allowed, window bits outside 8-15 (section 7.1). {@code offer} allows a bare
     * client_max_window_bits.
     */
    static Map<String, String> params(ExtensionOffer offer, boolean isOffer) {
        Map<String, String> p = new HashMap<>();
        for (ExtensionParam param : offer.params()) {
            String name = param.name().toLowerCase(java.util.Locale.ROOT);
            if (p.containsKey(name)) {
                return null;
            }
            String value = param.value();
            switch (name) {
                case SNCT, CNCT -> {
                    if (value != null) {
                        return null;
                    }
                }
                case SMWB -> {
                    if (!isWindowBits(value)) {
                        return null;
                    }
                }
                case CMWB -> {
                    if (value == null ? !isOffer : !isWindowBits(value)) {
                        return null;
                    }
                }
                default -> {
                    return null;
                }
            }
            p.put(name, value);
        }
        return p;
    }

    private static boolean isWindowBits(String v) {
        if (v == null || v.isEmpty() || v.length() > 2 || v.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        int bits = Integer.parseInt(v);
        return bits >= 8 && bits <= 15;
    }

    // ---------------------------------------------------------------------------------------------- client

    /** The client's offer: ours, plus client_max_window_bits to say we can limit our window (7.1.2.2). */
    public ExtensionOffer offer() {
        List<ExtensionParam> params = new ArrayList<>();
        if (serverNoContextTakeover) {
            params.add(new ExtensionParam(SNCT, null));
        }
        if (clientNoContextTakeover) {
            params.add(new ExtensionParam(CNCT, null));
        }
        if (maxWindowBits < 15) {
            params.add(new ExtensionParam(SMWB, Integer.toString(maxWindowBits)));
        }
        params.add(new ExtensionParam(CMWB, null));
        return new ExtensionOffer(NAME, params);
    }

    /**
     * Client side: validates the server's response to {@link #offer()} (section 7.1) and returns what was agreed.
     *
     * @throws IllegalArgumentException with the reason when the response is not acceptable
     */
    public DeflateParams acceptResponse(ExtensionOffer response) {
        Map<String, String> p = params(response, false);
        if (p == null) {
            throw new IllegalArgumentException("malformed permessage-deflate response: " + response.toHeaderValue());
        }
        int smwb = p.containsKey(SMWB) ? Integer.parseInt(p.get(SMWB)) : 15;
        if (maxWindowBits < 15 && smwb > maxWindowBits) {
            throw new IllegalArgumentException("server_max_window_bits=" + smwb + " exceeds the offered "
                    + maxWindowBits);
        }
        int cmwb = p.containsKey(CMWB) ? Integer.parseInt(p.get(CMWB)) : 15;
        if (!factory.supportsWindowBits(cmwb)) {
            throw new IllegalArgumentException("cannot compress with client_max_window_bits=" + cmwb);
        }
        return new DeflateParams(p.containsKey(SNCT), p.containsKey(CNCT) || clientNoContextTakeover, smwb, cmwb);
    }
}
