package io.duplex.server.ot;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.HashMap;
import java.util.Map;

/**
 * Coverage-guided fuzzing of what the editing authority does with a client's operation: the parser of its JSON
 * form (arbitrary text, and arrays of fuzzed elements) and the document's check, transformation and application.
 * The only acceptable failure of the parser is IllegalArgumentException; the document never throws, answers a
 * documented error code, drops exactly the sequence numbers it has applied, and keeps its text consistent with
 * the operations it accepted and within its size bound.
 */
class OtDocumentFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest
    void edits(FuzzedDataProvider data) {
        int maxTextBytes = data.consumeInt(2, 300);
        OtDocument d = new OtDocument(data.consumeInt(1, 8), maxTextBytes);
        Map<String, Long> applied = new HashMap<>();
        for (int step = 0; step < 48 && data.remainingBytes() > 0; step++) {
            String client = "c" + data.consumeInt(0, 3);
            long seq = data.consumeLong(0, 40);
            long rev = Math.max(0, d.revision() - data.consumeLong(-2, 10));
            TextOperation op;
            try {
                op = TextOperation.fromJson(data.consumeBoolean() ? data.consumeString(48) : opJson(data));
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).isNotEmpty();
                continue;
            }
            assertThat(TextOperation.fromJson(op.toJson())).isEqualTo(op);
            String before = d.text();
            long revision = d.revision();
            OtDocument.Outcome outcome = d.prepare(client, seq, rev, op);
            Long last = applied.get(client);
            if (last != null && seq <= last) {
                assertThat(outcome).isInstanceOf(OtDocument.Duplicate.class);
                continue;
            }
            if (outcome instanceof OtDocument.Accepted a) {
                assertThat(a.revision()).isEqualTo(revision + 1);
                assertThat(a.op().baseLength()).isEqualTo(before.length());
                assertThat(a.op().apply(before)).isEqualTo(a.text());
                assertThat(OtDocument.jsonBytes(a.text())).isBetween(2L, (long) maxTextBytes);
                if (rev == revision) {
                    assertThat(a.op()).isEqualTo(op);
                }
                d.commit(a);
                applied.put(client, seq);
                assertThat(d.text()).isEqualTo(a.text());
                assertThat(d.revision()).isEqualTo(revision + 1);
            } else {
                assertThat(outcome).isInstanceOf(OtDocument.Refused.class);
                assertThat(((OtDocument.Refused) outcome).error()).isIn("resync", "invalid", "too_large");
                assertThat(d.text()).isEqualTo(before);
                assertThat(d.revision()).isEqualTo(revision);
            }
        }
    }

    /** An array of fuzzed elements: mostly well-formed components (any strings, counts near the text's length). */
    private static String opJson(FuzzedDataProvider data) {
        ArrayNode a = JSON.createArrayNode();
        int n = data.consumeInt(0, 6);
        for (int i = 0; i < n; i++) {
            switch (data.consumeInt(0, 4)) {
                case 0 -> a.add(data.consumeString(6));
                case 1 -> a.add(data.consumeInt(1, 24));
                case 2 -> a.add(-data.consumeInt(1, 24));
                case 3 -> a.add(data.consumeInt());
                default -> a.add(data.consumeDouble());
            }
        }
        return a.toString();
    }
}
