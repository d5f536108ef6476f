package io.duplex.server.ot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TextOperationTest {

    @Test
    void appliesRetainInsertDelete() {
        TextOperation op = TextOperation.fromJson("[3,\"ab\",-2,1]");
        assertThat(op.baseLength()).isEqualTo(6);
        assertThat(op.targetLength()).isEqualTo(6);
        assertThat(op.apply("fooXYz")).isEqualTo("fooabz");
    }

    @Test
    void jsonFormIsTheArrayOfComponents() {
        TextOperation op = TextOperation.builder().retain(3).insert("a\"b\n").delete(2).build();
        assertThat(op.toJson()).isEqualTo("[3,\"a\\\"b\\n\",-2]");
        assertThat(op.toJsonNode().toString()).isEqualTo(op.toJson());
        assertThat(TextOperation.fromJson(op.toJson())).isEqualTo(op);
        assertThat(TextOperation.fromJson("[]").isNoop()).isTrue();
        assertThat(TextOperation.fromJson("[7]").isNoop()).isTrue();
    }

    @Test
    void builderKeepsTheFormCanonical() {
        TextOperation op = TextOperation.builder().retain(1).retain(2).delete(1).insert("x").delete(1).insert("y")
                .retain(0).insert("").delete(0).build();
        assertThat(op.toJson()).isEqualTo("[3,\"xy\",-2]");
        assertThat(TextOperation.fromJson("[3,-2,\"xy\"]")).isEqualTo(op);
    }

    @Test
    void lengthsCountUtf16CodeUnitsAsJavaScriptDoes() {
        TextOperation op = TextOperation.fromJson("[2,\"€\"]");
        assertThat(op.apply("😀")).isEqualTo("😀€");
        assertThat(op.baseLength()).isEqualTo(2);
    }

    @Test
    void composeIsOneOperationForTwo() {
        TextOperation a = TextOperation.fromJson("[\"abc\",3]");        // "xyz" -> "abcxyz"
        TextOperation b = TextOperation.fromJson("[1,-2,3,\"!\"]");     // "abcxyz" -> "axyz!"
        assertThat(a.compose(b).toJson()).isEqualTo("[\"a\",3,\"!\"]");
        assertThat(a.compose(b).apply("xyz")).isEqualTo("axyz!");
    }

    @Test
    void concurrentInsertsAtOnePlacePutTheFirstArgumentFirst() {
        TextOperation a = TextOperation.fromJson("[1,\"A\",1]");
        TextOperation b = TextOperation.fromJson("[1,\"B\",1]");
        TextOperation.Transformed t = TextOperation.transform(a, b);
        assertThat(t.bPrime().apply(a.apply("xy"))).isEqualTo("xABy");
        assertThat(t.aPrime().apply(b.apply("xy"))).isEqualTo("xABy");
        assertThat(t.aPrime().toJson()).isEqualTo("[1,\"A\",2]");
        assertThat(t.bPrime().toJson()).isEqualTo("[2,\"B\",1]");
    }

    @Test
    void overlappingDeletesRemoveEachCharacterOnce() {
        TextOperation a = TextOperation.fromJson("[1,-3,1]");   // abcde -> ae
        TextOperation b = TextOperation.fromJson("[2,-3]");     // abcde -> ab
        TextOperation.Transformed t = TextOperation.transform(a, b);
        assertThat(t.aPrime().apply(b.apply("abcde"))).isEqualTo("a");
        assertThat(t.bPrime().apply(a.apply("abcde"))).isEqualTo("a");
    }

    @Test
    void wrongLengthsAreRefusedWithBothNumbers() {
        TextOperation op = TextOperation.fromJson("[3]");
        assertThatThrownBy(() -> op.apply("ab")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("operation applies to a document of 3 characters, this one has 2");
        assertThatThrownBy(() -> op.compose(TextOperation.fromJson("[4]")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot compose: the first operation leaves 3 characters, the second applies to 4");
        assertThatThrownBy(() -> TextOperation.transform(op, TextOperation.fromJson("[2]")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot transform: the operations apply to documents of 3 and 2 characters");
        assertThatThrownBy(() -> TextOperation.builder().retain(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot retain a negative count: -1");
    }

    @Test
    void malformedJsonFormsNameTheBadElement() {
        assertThatThrownBy(() -> TextOperation.fromJson("{\"op\":1}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("an operation must be a JSON array");
        assertThatThrownBy(() -> TextOperation.fromJson("[1,0]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("operation element 1 must be a non-empty string (insert) or a non-zero");
        assertThatThrownBy(() -> TextOperation.fromJson("[1.5]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("operation element 0 must be");
        assertThatThrownBy(() -> TextOperation.fromJson("[3000000000]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("operation element 0 must be");
        assertThatThrownBy(() -> TextOperation.fromJson("[null]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("operation element 0 must be");
        assertThatThrownBy(() -> TextOperation.fromJson("[\"\"]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("operation element 0 inserts an empty string");
        assertThatThrownBy(() -> TextOperation.fromJson("[1,")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("an operation must be JSON");
        assertThatThrownBy(() -> TextOperation.fromJson((com.fasterxml.jackson.databind.JsonNode) null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("an operation must be a JSON array");
    }
}
