package io.duplex.server.ot;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * An edit of a plain-text document as a walk over it from start to end: keep ({@code retain}) the next n
 * characters, {@code insert} a string here, or {@code delete} the next n characters. The walk covers the whole
 * document, so an operation knows the length it applies to ({@link #baseLength()}) and the length it leaves
 * ({@link #targetLength()}). Lengths count UTF-16 code units, as both Java's {@code String.length()} and
 * JavaScript's {@code string.length} do, so the Java and JavaScript sides (duplex-client-js/src/ot.js) agree.
 *
 * <p>JSON form (docs/collab.md): an array, {@code [3, "ab", -2]} = retain 3, insert "ab", delete 2. Operations
 * are kept canonical (no empty components, neighbours of one kind merged, an insert always before an adjacent
 * delete), so two equal edits have one JSON form.
 *
 * <p>The two laws everything rests on, for a document {@code d} both operations apply to:
 * <ul>
 *   <li>compose: {@code a.compose(b).apply(d) == b.apply(a.apply(d))}</li>
 *   <li>transform: with {@code (a', b') = transform(a, b)},
 *       {@code b'.apply(a.apply(d)) == a'.apply(b.apply(d))}; where both insert at one place, {@code a}'s text
 *       comes first.</li>
 * </ul>
 *
 * <p>Thread-safety: immutable. Misuse (a document or partner of the wrong length, a malformed JSON form) throws
 * {@link IllegalArgumentException} saying which lengths disagree.
 */
public final class TextOperation {

    /** One step of the walk. */
    public sealed interface Component permits Retain, Insert, Delete {}

    /** Keep the next {@code count} characters. */
    public record Retain(int count) implements Component {}

    /** Insert {@code text} at the current place. */
    public record Insert(String text) implements Component {}

    /** Remove the next {@code count} characters. */
    public record Delete(int count) implements Component {}

    /** The result of {@link #transform}: {@code a'} applies after {@code b}, {@code b'} after {@code a}. */
    public record Transformed(TextOperation aPrime, TextOperation bPrime) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Component> components;
    private final int baseLength;
    private final int targetLength;

    private TextOperation(List<Component> components, int baseLength, int targetLength) {
        this.components = List.copyOf(components);
        this.baseLength = baseLength;
        this.targetLength = targetLength;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The operation that keeps a document of {@code length} characters as it is. */
    public static TextOperation identity(int length) {
        return builder().retain(length).build();
    }

    public List<Component> components() {
        return components;
    }

    /** Length of the documents this operation applies to. */
    public int baseLength() {
        return baseLength;
    }

    /** Length of the document it leaves. */
    public int targetLength() {
        return targetLength;
    }

    /** True when applying it changes nothing. */
    public boolean isNoop() {
        return components.isEmpty() || (components.size() == 1 && components.get(0) instanceof Retain);
    }

    /** The edited document. */
    public String apply(String doc) {
        if (doc.length() != baseLength) {
            throw new IllegalArgumentException("operation applies to a document of " + baseLength
                    + " characters, this one has " + doc.length());
        }
        StringBuilder out = new StringBuilder(targetLength);
        int at = 0;
        for (Component c : components) {
            if (c instanceof Retain r) {
                out.append(doc, at, at + r.count());
                at += r.count();
            } else if (c instanceof Insert i) {
                out.append(i.text());
            } else {
                at += ((Delete) c).count();
            }
        }
        return out.toString();
    }

    /** One operation with the effect of this one followed by {@code next}. */
    public TextOperation compose(TextOperation next) {
        if (targetLength != next.baseLength) {
            throw new IllegalArgumentException("cannot compose: the first operation leaves " + targetLength
                    + " characters, the second applies to " + next.baseLength);
        }
        Builder out = builder();
        Cursor a = new Cursor(components);
        Cursor b = new Cursor(next.components);
        while (!a.done() || !b.done()) {
            // What the first deletes, the second never sees; what the second inserts, the first never touched.
            if (a.current() instanceof Delete) {
                out.delete(a.take(a.remaining()));
                continue;
            }
            if (b.current() instanceof Insert) {
                out.insert(b.takeText(b.remaining()));
                continue;
            }
            if (a.done() || b.done()) {
                throw new IllegalStateException("compose ran off the end of an operation: " + this + " then " + next);
            }
            int n = Math.min(a.remaining(), b.remaining());
            if (a.current() instanceof Retain) {
                if (b.current() instanceof Retain) {
                    out.retain(n);
                } else {
                    out.delete(n);
                }
                a.take(n);
            } else {
                // a inserts text that b keeps (insert it) or removes again (nothing).
                String text = a.takeText(n);
                if (b.current() instanceof Retain) {
                    out.insert(text);
                }
            }
            b.take(n);
        }
        return out.build();
    }

    /**
     * Rewrites two concurrent operations on one document so that each applies after the other: {@code a'} after
     * {@code b}, {@code b'} after {@code a}, and both orders end in the same text. Where both insert at the same
     * place, {@code a}'s insert ends up first.
     */
    public static Transformed transform(TextOperation a, TextOperation b) {
        if (a.baseLength != b.baseLength) {
            throw new IllegalArgumentException("cannot transform: the operations apply to documents of "
                    + a.baseLength + " and " + b.baseLength + " characters");
        }
        Builder aPrime = builder();
        Builder bPrime = builder();
        Cursor x = new Cursor(a.components);
        Cursor y = new Cursor(b.components);
        while (!x.done() || !y.done()) {
            // Inserts go through as they are; the other side must step over them.
            if (x.current() instanceof Insert) {
                String text = x.takeText(x.remaining());
                aPrime.insert(text);
                bPrime.retain(text.length());
                continue;
            }
            if (y.current() instanceof Insert) {
                String text = y.takeText(y.remaining());
                aPrime.retain(text.length());
                bPrime.insert(text);
                continue;
            }
            if (x.done() || y.done()) {
                throw new IllegalStateException("transform ran off the end of an operation: " + a + " and " + b);
            }
            int n = Math.min(x.remaining(), y.remaining());
            boolean xKeeps = x.current() instanceof Retain;
            boolean yKeeps = y.current() instanceof Retain;
            if (xKeeps && yKeeps) {
                aPrime.retain(n);
                bPrime.retain(n);
            } else if (!xKeeps && yKeeps) {
                aPrime.delete(n);
            } else if (xKeeps) {
                bPrime.delete(n);
            }
            // Both delete the same characters: they are gone either way, neither side has anything left to do.
            x.take(n);
            y.take(n);
        }
        return new Transformed(aPrime.build(), bPrime.build());
    }

    // ------------------------------------------------------------------ JSON

    /** The JSON form as a tree, e.g. {@code [3,"ab",-2]}. */
    public ArrayNode toJsonNode() {
        ArrayNode array = JsonNodeFactory.instance.arrayNode(components.size());
        for (Component c : components) {
            if (c instanceof Retain r) {
                array.add(r.count());
            } else if (c instanceof Insert i) {
                array.add(i.text());
            } else {
                array.add(-((Delete) c).count());
            }
        }
        return array;
    }

    /** The JSON form as compact text. */
    public String toJson() {
        StringBuilder out = new StringBuilder("[");
        for (Component c : components) {
            if (out.length() > 1) {
                out.append(',');
            }
            if (c instanceof Retain r) {
                out.append(r.count());
            } else if (c instanceof Insert i) {
                out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(i.text())).append('"');
            } else {
                out.append(-((Delete) c).count());
            }
        }
        return out.append(']').toString();
    }

    /** Parses the JSON form; throws {@link IllegalArgumentException} naming the first bad element. */
    public static TextOperation fromJson(JsonNode json) {
        if (json == null || !json.isArray()) {
            throw new IllegalArgumentException("an operation must be a JSON array, not " + json);
        }
        Builder b = builder();
        for (int i = 0; i < json.size(); i++) {
            JsonNode e = json.get(i);
            if (e.isTextual()) {
                if (e.asText().isEmpty()) {
                    throw new IllegalArgumentException("operation element " + i + " inserts an empty string");
                }
                b.insert(e.asText());
            } else if (e.isIntegralNumber() && e.canConvertToInt() && e.intValue() != 0
                    && e.intValue() != Integer.MIN_VALUE) {
                int n = e.intValue();
                if (n > 0) {
                    b.retain(n);
                } else {
                    b.delete(-n);
                }
            } else {
                throw new IllegalArgumentException("operation element " + i
                        + " must be a non-empty string (insert) or a non-zero 32-bit integer (retain > 0, "
                        + "delete < 0), not " + e);
            }
        }
        return b.build();
    }

    public static TextOperation fromJson(String json) {
        try {
            return fromJson(JSON.readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("an operation must be JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextOperation t && t.components.equals(components);
    }

    @Override
    public int hashCode() {
        return components.hashCode();
    }

    @Override
    public String toString() {
        return toJson();
    }

    // ------------------------------------------------------------------ building

    /**
     * Builds an operation in walk order, keeping it canonical. Not thread-safe; {@link #build()} may be called
     * once or many times.
     */
    public static final class Builder {
        private final List<Component> parts = new ArrayList<>();
        private long base;
        private long target;

        private Builder() {}

        public Builder retain(int n) {
            checkCount(n, "retain");
            if (n == 0) {
                return this;
            }
            grow(n, n);
            int last = parts.size() - 1;
            if (last >= 0 && parts.get(last) instanceof Retain r) {
                parts.set(last, new Retain(r.count() + n));
            } else {
                parts.add(new Retain(n));
            }
            return this;
        }

        public Builder insert(String text) {
            if (text.isEmpty()) {
                return this;
            }
            grow(0, text.length());
            int last = parts.size() - 1;
            // "insert then delete" and "delete then insert" are the same edit; the canonical form inserts first.
            if (last >= 0 && parts.get(last) instanceof Delete) {
                if (last >= 1 && parts.get(last - 1) instanceof Insert i) {
                    parts.set(last - 1, new Insert(i.text() + text));
                } else {
                    parts.add(last, new Insert(text));
                }
            } else if (last >= 0 && parts.get(last) instanceof Insert i) {
                parts.set(last, new Insert(i.text() + text));
            } else {
                parts.add(new Insert(text));
            }
            return this;
        }

        public Builder delete(int n) {
            checkCount(n, "delete");
            if (n == 0) {
                return this;
            }
            grow(n, 0);
            int last = parts.size() - 1;
            if (last >= 0 && parts.get(last) instanceof Delete d) {
                parts.set(last, new Delete(d.count() + n));
            } else {
                parts.add(new Delete(n));
            }
            return this;
        }

        public TextOperation build() {
            return new TextOperation(parts, (int) base, (int) target);
        }

        private void grow(int baseBy, int targetBy) {
            if (base + baseBy > Integer.MAX_VALUE || target + targetBy > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("operation longer than " + Integer.MAX_VALUE + " characters");
            }
            base += baseBy;
            target += targetBy;
        }

        private static void checkCount(int n, String what) {
            if (n < 0) {
                throw new IllegalArgumentException("cannot " + what + " a negative count: " + n);
            }
        }
    }

    /** Walks the components of one operation, consuming them in pieces. */
    private static final class Cursor {
        private final List<Component> parts;
        private int index;
        private int used;

        Cursor(List<Component> parts) {
            this.parts = parts;
        }

        boolean done() {
            return index == parts.size();
        }

        /** The current component, or null at the end. */
        Component current() {
            return done() ? null : parts.get(index);
        }

        int remaining() {
            Component c = parts.get(index);
            int size = c instanceof Retain r ? r.count()
                    : c instanceof Delete d ? d.count()
                    : ((Insert) c).text().length();
            return size - used;
        }

        int take(int n) {
            used += n;
            if (remaining() == 0) {
                index++;
                used = 0;
            }
            return n;
        }

        String takeText(int n) {
            String text = ((Insert) parts.get(index)).text().substring(used, used + n);
            take(n);
            return text;
        }
    }
}
