package io.duplex.hub.protocol;

/**
 * Topic names: 1 to {@code maxLength} characters from {@code A-Z a-z 0-9 _ - . : @ / = + ~}. Everything else is
 * refused, in particular {@code *} and braces, which permission patterns use, and anything that would need
 * escaping in a URL query, a log line or a Redis key.
 */
public final class Topics {
    private Topics() {}

    /** Why {@code topic} is not a valid name, or null when it is. */
    public static String problem(String topic, int maxLength) {
        if (topic == null || topic.isEmpty()) {
            return "topic must be a non-empty string";
        }
        if (topic.length() > maxLength) {
            return "topic is longer than " + maxLength + " characters";
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!allowed(c)) {
                return "topic contains a character outside A-Z a-z 0-9 _ - . : @ / = + ~ at index " + i;
            }
        }
        return null;
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '-' || c == '.' || c == ':' || c == '@' || c == '/' || c == '=' || c == '+'
                || c == '~';
    }
}
