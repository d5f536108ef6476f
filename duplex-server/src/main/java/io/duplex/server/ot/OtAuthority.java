package io.duplex.server.ot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duplex.hub.Hub;
import io.duplex.hub.Publication;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of collaborative editing (docs/collab.md): for each configured document it listens to
 * {@code editor.<doc>.in}, where clients publish operations made against some revision, transforms each against
 * what was applied since, applies it and publishes it to {@code editor.<doc>} as the next revision. The hub's
 * order on {@code .in} decides which of two concurrent operations goes first; this class never reorders.
 *
 * <p>Documents live in memory and start empty; a restart forgets them. Which documents exist is fixed at start
 * ({@code duplex serve --editor-docs}), since {@link Hub#listen} takes exact topic names.
 *
 * <p>Thread-safety: the hub calls the listeners on its broker's thread; they only queue the publication. All
 * documents are handled, and all answers published, on one thread of this class, so answers leave in the order
 * the requests came. {@link #close()} may be called from any thread.
 */
public final class OtAuthority implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OtAuthority.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest client id accepted: it is echoed in every answer. */
    static final int MAX_CLIENT_LENGTH = 128;
    /** Room left in a publication for the fields around a snapshot's text. */
    private static final int ENVELOPE_BYTES = 1024;
    private static final long PUBLISH_TIMEOUT_SECONDS = 10;

    private final Hub hub;
    private final int maxHistory;
    private final int maxTextBytes;
    private final ExecutorService worker;
    private final List<AutoCloseable> listeners = new ArrayList<>();
    /** Confined to {@link #worker}. */
    private final Map<String, OtDocument> documents = new HashMap<>();

    private OtAuthority(Hub hub, int maxHistory) {
        this.hub = hub;
        this.maxHistory = maxHistory;
        this.maxTextBytes = Math.max(0, hub.config().maxPublicationBytes() - ENVELOPE_BYTES);
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "duplex-ot");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the authority for {@code docs} (blank names are skipped) with the default history. */
    public static OtAuthority start(Hub hub, List<String> docs) {
        return start(hub, docs, OtDocument.DEFAULT_HISTORY);
    }

    /**
     * @param maxHistory operations kept per document; a client further behind is told to {@code resync}
     * @throws IllegalArgumentException when a name does not make a valid topic
     */
    public static OtAuthority start(Hub hub, List<String> docs, int maxHistory) {
        OtAuthority a = new OtAuthority(hub, maxHistory);
        try {
            for (String doc : new LinkedHashSet<>(docs)) {
                if (doc == null || doc.isBlank()) {
                    continue;
                }
                a.listeners.add(hub.listen(inTopic(doc), p -> a.enqueue(doc, p)));
            }
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
        return a;
    }

    /** Where clients publish for {@code doc}. */
    public static String inTopic(String doc) {
        return "editor." + doc + ".in";
    }

    /** Where the authority publishes for {@code doc}; clients subscribe here. */
    public static String outTopic(String doc) {
        return "editor." + doc;
    }

    private void enqueue(String doc, Publication p) {
        try {
            worker.execute(() -> {
                try {
                    handle(doc, p);
                } catch (RuntimeException e) {
                    log.error("editor {}: {} failed", doc, p, e);
                }
            });
        } catch (RejectedExecutionException closed) {
            // Closing: requests that arrive now are not answered.
        }
    }

    private void handle(String doc, Publication p) {
        if (p.isBinary()) {
            return;
        }
        JsonNode m;
        try {
            m = JSON.readTree(p.json());
        } catch (Exception e) {
            return; // the hub only stores valid JSON; nothing else can arrive
        }
        JsonNode clientNode = m.path("client");
        if (!clientNode.isTextual() || clientNode.asText().isEmpty()
                || clientNode.asText().length() > MAX_CLIENT_LENGTH) {
            log.debug("editor {}: ignored a message without a usable client id: {}", doc, p.json());
            return; // there is nobody to answer
        }
        String client = clientNode.asText();
        OtDocument d = documents.computeIfAbsent(doc, k -> new OtDocument(maxHistory, maxTextBytes));

        if (m.path("snapshot").asBoolean(false)) {
            ObjectNode answer = JSON.createObjectNode().put("client", client).put("rev", d.revision())
                    .put("text", d.text());
            publish(doc, answer);
            return;
        }
        JsonNode seqNode = m.path("seq");
        JsonNode revNode = m.path("rev");
        if (!isCount(seqNode) || !isCount(revNode)) {
            publish(doc, error(client, seqNode, "invalid", "seq and rev must be integers >= 0"));
            return;
        }
        TextOperation op;
        try {
            op = TextOperation.fromJson(m.get("op"));
        } catch (IllegalArgumentException e) {
            publish(doc, error(client, seqNode, "invalid", e.getMessage()));
            return;
        }
        OtDocument.Outcome outcome = d.prepare(client, seqNode.longValue(), revNode.longValue(), op);
        if (outcome instanceof OtDocument.Accepted a) {
            ObjectNode out = JSON.createObjectNode().put("client", client).put("seq", a.seq()).put("rev", a.revision());
            out.set("op", a.op().toJsonNode());
            // Kept only once published: otherwise the clients would never see this revision.
            if (publish(doc, out)) {
                d.commit(a);
            } else {
                publish(doc, error(client, seqNode, "unavailable", "the operation could not be published"));
            }
        } else if (outcome instanceof OtDocument.Refused r) {
            publish(doc, error(client, seqNode, r.error(), r.message()));
        } else {
            log.debug("editor {}: dropped {} seq {}, applied before", doc, client, seqNode);
        }
    }

    private static boolean isCount(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0;
    }

    private static ObjectNode error(String client, JsonNode seq, String code, String message) {
        ObjectNode e = JSON.createObjectNode().put("client", client);
        if (isCount(seq)) {
            e.put("seq", seq.longValue());
        }
        return e.put("error", code).put("message", message);
    }

    /** Publishes and waits, so answers are stored in the order they were made. */
    private boolean publish(String doc, ObjectNode data) {
        try {
            hub.publish(outTopic(doc), data.toString(), null).get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            log.warn("editor {}: publishing to {} failed: {}", doc, outTopic(doc), e.toString());
            return false;
        }
    }

    /** Stops listening; requests already queued are still answered. */
    @Override
    public void close() {
        for (AutoCloseable l : listeners) {
            try {
                l.close();
            } catch (Exception e) {
                log.warn("closing an editor listener failed", e);
            }
        }
        listeners.clear();
        worker.shutdown();
    }
}
