package io.duplex.protocol.handshake;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Header fields in the order they were received or added, looked up by name without regard to ASCII
 * case (RFC 9110 section 5.1). Several fields may share a name; their order is kept because it is
 * significant for list-valued fields (RFC 9110 section 5.3).
 *
 * <p>Thread-safety: a mutable instance is not thread-safe. A read-only instance ({@link #readOnlyCopy()},
 * and every instance held by {@link HttpRequest}, {@link HttpResponse} and the handshake options) is
 * immutable and may be shared freely.
 */
public final class HttpHeaders implements Iterable<Map.Entry<String, String>> {
    private static final HttpHeaders EMPTY = new HttpHeaders(List.of(), List.of(), true);

    private final List<String> names;
    private final List<String> values;
    private final boolean readOnly;

    /** An empty, mutable instance. */
    public HttpHeaders() {
        this(new ArrayList<>(), new ArrayList<>(), false);
    }

    private HttpHeaders(List<String> names, List<String> values, boolean readOnly) {
        this.names = names;
        this.values = values;
        this.readOnly = readOnly;
    }

    /** The shared empty, read-only instance. */
    public static HttpHeaders empty() {
        return EMPTY;
    }

    /**
     * Appends a field.
     *
     * @throws IllegalArgumentException if the name is not a token or the value holds a character a field
     *     value may not (CR and LF above all, which would let a caller inject header lines)
     * @throws UnsupportedOperationException on a read-only instance
     */
    public HttpHeaders add(String name, String value) {
        if (readOnly) {
            throw new UnsupportedOperationException("read-only headers");
        }
        if (!HttpSyntax.isToken(name)) {
            throw new IllegalArgumentException("header name is not a token: " + name);
        }
        for (int i = 0; i < value.length(); i++) {
            if (!HttpSyntax.isFieldValueChar(value.charAt(i))) {
                throw new IllegalArgumentException("invalid character in value of header " + name);
            }
        }
        names.add(name);
        values.add(HttpSyntax.trimWhitespace(value));
        return this;
    }

    /** The value of the first field named {@code name}, or null. */
    public String get(String name) {
        for (int i = 0; i < names.size(); i++) {
            if (HttpSyntax.equalsIgnoreAsciiCase(names.get(i), name)) {
                return values.get(i);
            }
        }
        return null;
    }

    /** The values of every field named {@code name}, in order; empty when there is none. */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (HttpSyntax.equalsIgnoreAsciiCase(names.get(i), name)) {
                out.add(values.get(i));
            }
        }
        return out;
    }

    public boolean contains(String name) {
        return get(name) != null;
    }

    /**
     * Whether any field named {@code name}, read as a comma-separated list (RFC 9110 section 5.6.1),
     * holds {@code token}, compared without regard to ASCII case. Used for {@code Connection: Upgrade}
     * and {@code Upgrade: websocket} (RFC 6455 section 4.2.1).
     */
    public boolean containsToken(String name, String token) {
        for (String element : HttpSyntax.listElements(all(name))) {
            if (HttpSyntax.equalsIgnoreAsciiCase(element, token)) {
                return true;
            }
        }
        return false;
    }

    /** Number of fields, counting each repeated name. */
    public int size() {
        return names.size();
    }

    public String name(int index) {
        return names.get(index);
    }

    public String value(int index) {
        return values.get(index);
    }

    /** An immutable snapshot; returns this when already read-only. */
    public HttpHeaders readOnlyCopy() {
        if (readOnly) {
            return this;
        }
        return new HttpHeaders(List.copyOf(names), List.copyOf(values), true);
    }

    /** Fields as (name, value) pairs, in order. */
    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        List<Map.Entry<String, String>> entries = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            entries.add(new AbstractMap.SimpleImmutableEntry<>(names.get(i), values.get(i)));
        }
        return Collections.unmodifiableList(entries).iterator();
    }

    /** Appends each field as {@code name: value CRLF}. */
    void writeTo(StringBuilder out) {
        for (int i = 0; i < names.size(); i++) {
            out.append(names.get(i)).append(": ").append(values.get(i)).append("\r\n");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HttpHeaders other && names.equals(other.names) && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return names.hashCode() * 31 + values.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        writeTo(sb);
        return sb.toString();
    }
}
