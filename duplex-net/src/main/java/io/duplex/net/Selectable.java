package io.duplex.net;

import java.nio.channels.SelectionKey;

/**
 * What an event loop finds attached to a selection key: a connection, an acceptor or a pending
 * connect. Package-private so that the loop's dispatch stays an implementation detail.
 *
 * <p>Thread-safety: every method is called on the owning loop thread only.
 */
abstract class Selectable {
    /** The key was selected; {@code key.readyOps()} says for what. */
    abstract void ready(SelectionKey key);

    /** The loop is shutting down: release the channel and notify whoever waits on it. */
    abstract void closeForShutdown();
}
