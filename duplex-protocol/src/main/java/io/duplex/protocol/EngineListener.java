package io.duplex.protocol;

/** Receives the events an engine parses, on the thread that called {@code receive}. */
@FunctionalInterface
public interface EngineListener {
    void onEvent(Event event);
}
