package io.duplex.hub;

import java.util.ArrayList;
import java.util.List;

/**
 * One session's subscription to one topic. Confined to the session's loop.
 *
 * <p>It starts RECOVERING: registered for live deliveries, which it holds back, while the broker is asked for
 * the topic's position (and the missed publications). Once that answer is in, the replay goes out, then the
 * held deliveries whose offsets lie beyond it, and it is LIVE. Registering before asking is what closes the gap:
 * anything published after the answer's snapshot is held, anything before is in the answer, and what falls in
 * both is sent once because offsets only grow.
 */
final class Subscription {
    enum State { RECOVERING, LIVE, CANCELLED }

    final HubSession session;
    final String topic;
    final boolean joinLeave;
    final Member member;
    State state = State.RECOVERING;
    /** The id of the subscribe request, answered once the broker's answer is in (0: none). */
    long requestId;
    /** The epoch and the offset of the last publication sent (or skipped as known) to the client. */
    String epoch;
    long last;
    /** Deliveries held while RECOVERING: Publications and presence events (byte[]), in arrival order. */
    List<Object> held;

    Subscription(HubSession session, String topic, boolean joinLeave, Member member) {
        this.session = session;
        this.topic = topic;
        this.joinLeave = joinLeave;
        this.member = member;
    }

    /** Loop thread: a live publication of this topic; true when it went to the client. */
    boolean onPublication(Publication p) {
        switch (state) {
            case RECOVERING -> hold(p);
            case LIVE -> {
                if (p.offset() <= last && p.epoch().equals(epoch)) {
                    return false;
                }
                epoch = p.epoch();
                last = p.offset();
                if (!session.clientId().equals(p.excludedClient())) {
                    session.deliver(p);
                    return true;
                }
            }
            case CANCELLED -> { }
        }
        return false;
    }

    /** Loop thread: a join or leave event, already encoded. */
    void onPresenceEvent(byte[] event) {
        if (!joinLeave) {
            return;
        }
        switch (state) {
            case RECOVERING -> hold(event);
            case LIVE -> session.deliverEvent(event);
            case CANCELLED -> { }
        }
    }

    private void hold(Object o) {
        if (held == null) {
            held = new ArrayList<>();
        }
        held.add(o);
    }
}
