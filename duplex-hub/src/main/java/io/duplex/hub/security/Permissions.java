package io.duplex.hub.security;

import java.util.List;
import java.util.Objects;

/**
 * What a session may do on which topics: subscribe, publish, and see or join presence. Each action has a list
 * of {@link TopicPattern patterns}; a topic is allowed when any pattern matches it. In a pattern, {@code *}
 * matches any run of characters (including none) and {@code {sub}} is replaced by the user id, as literal
 * text; a pattern with {@code {sub}} matches nothing for an anonymous session. There is no escape for a
 * literal {@code *}.
 *
 * <p>Thread-safety: immutable and thread-safe.
 */
public final class Permissions {
    private static final Permissions ALL = new Permissions(null, null, null, null);
    private static final Permissions NONE = of(List.of(), List.of(), List.of(), null);

    /** Null: the action is allowed on every topic. */
    private final Action subscribe;
    private final Action publish;
    private final Action presence;
    private final String userId;

    private Permissions(Action subscribe, Action publish, Action presence, String userId) {
        this.subscribe = subscribe;
        this.publish = publish;
        this.presence = presence;
        this.userId = userId;
    }

    /** Everything allowed on every topic. */
    public static Permissions all() {
        return ALL;
    }

    /** Nothing allowed. */
    public static Permissions none() {
        return NONE;
    }

    /**
     * Permissions from pattern lists; a null list allows nothing for that action.
     *
     * @param userId what {@code {sub}} stands for; null for an anonymous session
     */
    public static Permissions of(List<String> subscribe, List<String> publish, List<String> presence, String userId) {
        return new Permissions(
                Action.compile(subscribe, userId), Action.compile(publish, userId), Action.compile(presence, userId),
                userId);
    }

    /**
     * The same patterns with {@code {sub}} bound to {@code userId} instead. Lets one set of default permissions
     * (say {@code "user.{sub}.*"}) serve every token. {@link #all()} returns itself.
     */
    public Permissions forUser(String userId) {
        if (this == ALL || Objects.equals(this.userId, userId)) {
            return this;
        }
        return new Permissions(
                Action.rebind(subscribe, userId), Action.rebind(publish, userId), Action.rebind(presence, userId),
                userId);
    }

    public boolean canSubscribe(String topic) {
        return allows(subscribe, topic);
    }

    public boolean canPublish(String topic) {
        return allows(publish, topic);
    }

    public boolean canPresence(String topic) {
        return allows(presence, topic);
    }

    private static boolean allows(Action action, String topic) {
        return action == null || action.matches(topic);
    }

    @Override
    public String toString() {
        if (this == ALL) {
            return "Permissions[all]";
        }
        return "Permissions[subscribe=" + subscribe + ", publish=" + publish + ", presence=" + presence
                + (userId == null ? "" : ", sub=" + userId) + "]";
    }

    /** The patterns of one action. */
    private record Action(List<String> sources, List<TopicPattern> patterns) {

        static Action compile(List<String> sources, String userId) {
            List<String> copy = sources == null ? List.of() : List.copyOf(sources);
            return new Action(copy, copy.stream().map(s -> TopicPattern.compile(s, userId)).toList());
        }

        static Action rebind(Action action, String userId) {
            return action == null ? null : compile(action.sources, userId);
        }

        boolean matches(String topic) {
            for (TopicPattern pattern : patterns) {
                if (pattern.matches(topic)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return sources.toString();
        }
    }
}
