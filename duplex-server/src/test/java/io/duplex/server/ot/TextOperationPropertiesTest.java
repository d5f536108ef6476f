package io.duplex.server.ot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The laws of TextOperation on random documents and random operations (characters of 1 to 4 UTF-8 bytes). */
class TextOperationPropertiesTest {

    @Property(tries = 500)
    void applyLeavesTheTargetLength(@ForAll Random random) {
        String doc = RandomOps.text(random, 30, RandomOps.WIDE);
        TextOperation a = RandomOps.edit(random, doc, RandomOps.WIDE);
        assertThat(a.baseLength()).isEqualTo(doc.length());
        assertThat(a.apply(doc)).hasSize(a.targetLength());
    }

    @Property(tries = 500)
    void composeEqualsApplyingOneAfterTheOther(@ForAll Random random) {
        String doc = RandomOps.text(random, 30, RandomOps.WIDE);
        TextOperation a = RandomOps.edit(random, doc, RandomOps.WIDE);
        String afterA = a.apply(doc);
        TextOperation b = RandomOps.edit(random, afterA, RandomOps.WIDE);
        String afterB = b.apply(afterA);
        TextOperation c = RandomOps.edit(random, afterB, RandomOps.WIDE);
        assertThat(a.compose(b).apply(doc)).isEqualTo(afterB);
        assertThat(a.compose(b).compose(c)).isEqualTo(a.compose(b.compose(c)));
    }

    @Property(tries = 1000)
    void transformConverges(@ForAll Random random) {
        String doc = RandomOps.text(random, 30, RandomOps.WIDE);
        TextOperation a = RandomOps.edit(random, doc, RandomOps.WIDE);
        TextOperation b = RandomOps.edit(random, doc, RandomOps.WIDE);
        TextOperation.Transformed t = TextOperation.transform(a, b);
        assertThat(t.bPrime().apply(a.apply(doc))).isEqualTo(t.aPrime().apply(b.apply(doc)));
        // Composed paths are the same edit, not only the same text.
        assertThat(a.compose(t.bPrime())).isEqualTo(b.compose(t.aPrime()));
    }

    @Property(tries = 300)
    void transformAgainstNothingChangesNothing(@ForAll Random random) {
        String doc = RandomOps.text(random, 30, RandomOps.WIDE);
        TextOperation a = RandomOps.edit(random, doc, RandomOps.WIDE);
        TextOperation.Transformed t = TextOperation.transform(a, TextOperation.identity(doc.length()));
        assertThat(t.aPrime()).isEqualTo(a);
        assertThat(t.bPrime()).isEqualTo(TextOperation.identity(a.targetLength()));
    }

    @Property(tries = 500)
    void jsonFormRoundTrips(@ForAll Random random) {
        String doc = RandomOps.text(random, 30, RandomOps.WIDE);
        TextOperation a = RandomOps.edit(random, doc, RandomOps.WIDE);
        assertThat(TextOperation.fromJson(a.toJson())).isEqualTo(a);
        assertThat(TextOperation.fromJson(a.toJsonNode())).isEqualTo(a);
    }
}
