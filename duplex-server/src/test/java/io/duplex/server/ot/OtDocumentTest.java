package io.duplex.server.ot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OtDocumentTest {
    private final OtDocument doc = new OtDocument(3, 100);

    private OtDocument.Accepted apply(String client, long seq, long rev, String op) {
        OtDocument.Outcome o = doc.prepare(client, seq, rev, TextOperation.fromJson(op));
        assertThat(o).isInstanceOf(OtDocument.Accepted.class);
        doc.commit((OtDocument.Accepted) o);
        return (OtDocument.Accepted) o;
    }

    @Test
    void startsEmptyAtRevisionZeroAndCountsOperations() {
        assertThat(doc.text()).isEmpty();
        assertThat(doc.revision()).isZero();
        apply("a", 1, 0, "[\"hello\"]");
        assertThat(doc.text()).isEqualTo("hello");
        assertThat(doc.revision()).isEqualTo(1);
    }

    @Test
    void aLateOperationIsTransformedAgainstWhatCameSince() {
        apply("a", 1, 0, "[\"abc\"]");
        apply("a", 2, 1, "[\"X\",3]");                          // Xabc, revision 2
        OtDocument.Accepted late = apply("b", 1, 1, "[3,\"!\"]"); // made on "abc"
        assertThat(late.op().toJson()).isEqualTo("[4,\"!\"]");
        assertThat(late.revision()).isEqualTo(3);
        assertThat(doc.text()).isEqualTo("Xabc!");
    }

    @Test
    void preparingKeepsNothingUntilCommitted() {
        OtDocument.Outcome o = doc.prepare("a", 1, 0, TextOperation.fromJson("[\"x\"]"));
        assertThat(o).isInstanceOf(OtDocument.Accepted.class);
        assertThat(doc.text()).isEmpty();
        assertThat(doc.prepare("a", 1, 0, TextOperation.fromJson("[\"y\"]")))
                .isInstanceOf(OtDocument.Accepted.class);
    }

    @Test
    void revisionsOutsideTheKeptHistoryAskForResync() {
        for (int i = 0; i < 5; i++) {
            apply("a", i + 1, i, i == 0 ? "[\"x\"]" : "[" + i + ",\"x\"]");
        }
        assertThat(doc.oldestRevision()).isEqualTo(2);
        assertThat(doc.prepare("b", 1, 6, TextOperation.fromJson("[5]")))
                .isEqualTo(new OtDocument.Refused("resync", "revision 6 is ahead of the document (5)"));
        assertThat(doc.prepare("b", 1, 1, TextOperation.fromJson("[1]"))).isEqualTo(new OtDocument.Refused(
                "resync", "revision 1 is older than the 3 operations kept (oldest 2)"));
        assertThat(doc.prepare("b", 1, 2, TextOperation.fromJson("[2,\"y\"]")))
                .isInstanceOf(OtDocument.Accepted.class);
    }

    @Test
    void anOperationOfTheWrongLengthAsksForResync() {
        apply("a", 1, 0, "[\"abc\"]");
        assertThat(doc.prepare("b", 1, 1, TextOperation.fromJson("[2,\"x\"]"))).isEqualTo(new OtDocument.Refused(
                "resync", "the operation applies to 2 characters, the document had 3 at revision 1"));
        assertThat(doc.prepare("b", 1, 0, TextOperation.fromJson("[1]"))).isEqualTo(new OtDocument.Refused(
                "resync", "the operation applies to 1 characters, the document had 0 at revision 0"));
    }

    @Test
    void anOperationDeliveredTwiceIsAppliedOnce() {
        apply("a", 1, 0, "[\"abc\"]");
        assertThat(doc.prepare("a", 1, 0, TextOperation.fromJson("[\"abc\"]")))
                .isInstanceOf(OtDocument.Duplicate.class);
        assertThat(doc.prepare("b", 1, 1, TextOperation.fromJson("[3]"))).isInstanceOf(OtDocument.Accepted.class);
    }

    @Test
    void aTextThatWouldNotFitASnapshotIsRefused() {
        assertThat(doc.prepare("a", 1, 0, TextOperation.fromJson("[\"" + "x".repeat(99) + "\"]")))
                .isEqualTo(new OtDocument.Refused("too_large", "the document would take 101 bytes, more than 100"));
        apply("a", 1, 0, "[\"" + "x".repeat(98) + "\"]");
    }

    @Test
    void splittingACharacterIsRefused() {
        apply("a", 1, 0, "[\"😀\"]");
        assertThat(doc.prepare("a", 2, 1, TextOperation.fromJson("[1,-1]"))).isEqualTo(new OtDocument.Refused(
                "invalid", "the operation leaves half of a surrogate pair in the text"));
    }

    @Test
    void jsonBytesCountsAsUtf8Json() {
        assertThat(OtDocument.jsonBytes("")).isEqualTo(2);
        assertThat(OtDocument.jsonBytes("aé€😀")).isEqualTo(2 + 1 + 2 + 3 + 4);
        assertThat(OtDocument.jsonBytes("\"\\\u0001")).isEqualTo(2 + 2 + 2 + 6);
        assertThat(OtDocument.jsonBytes("\ud800x")).isEqualTo(-1);
    }
}
