package io.duplex.hub.broker;

import io.duplex.hub.Member;
import io.duplex.hub.Publication;

/**
 * What a {@link Broker} tells its node. Calls for one topic arrive in order (publications in offset order) and
 * must return quickly: the hub only hands them to event loops.
 */
public interface BrokerListener {

    void onPublication(Publication p);

    void onJoin(String topic, Member member);

    void onLeave(String topic, Member member);
}
