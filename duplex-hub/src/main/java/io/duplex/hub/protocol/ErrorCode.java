package io.duplex.hub.protocol;

/**
 * The stable error codes of the protocol (docs/protocol.md, "Errors"). The wire name never changes once
 * published; the message that goes with it is for humans and may.
 */
public enum ErrorCode {
    /** The message is not valid JSON, lacks a field, has an unknown one, or a value of the wrong type or range. */
    BAD_REQUEST("bad_request"),
    /** The token in a {@code refresh} is missing, invalid or expired. */
    UNAUTHORIZED("unauthorized"),
    /** The session's permissions do not allow this action on this topic. */
    FORBIDDEN("forbidden"),
    /** The session sends faster than its rate limit; {@code retry_after_ms} says when to try again. */
    RATE_LIMITED("rate_limited"),
    /** The topic has no state (e.g. {@code history} of a topic nobody used). */
    NOT_FOUND("not_found"),
    /** The data or info is larger than the limit. */
    TOO_LARGE("too_large"),
    ALREADY_SUBSCRIBED("already_subscribed"),
    NOT_SUBSCRIBED("not_subscribed"),
    /** A count limit: subscriptions per session or topics per node. */
    LIMIT_EXCEEDED("limit_exceeded"),
    /** The broker's store is unreachable; nothing was stored. Safe to retry (with the same key). */
    UNAVAILABLE("unavailable"),
    /** A bug on the server side; the session stays open. */
    INTERNAL("internal");

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
