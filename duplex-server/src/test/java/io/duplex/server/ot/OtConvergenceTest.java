package io.duplex.server.ot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Sites editing one document through the authority's core, with a random schedule: who edits when, and when each
 * message on each link (site to authority, authority to site; each in order, as a WebSocket is) is delivered.
 * However the schedule falls, once every message is delivered all sites show the authority's text.
 */
class OtConvergenceTest {

    /** An operation as the authority published it. */
    record Applied(String client, long seq, long rev, TextOperation op) {}

    @Property(tries = 400)
    void everySiteEndsWithTheAuthoritysText(@ForAll Random random, @ForAll @IntRange(min = 2, max = 5) int sites,
                                             @ForAll @IntRange(min = 0, max = 80) int steps) {
        OtDocument authority = new OtDocument(OtDocument.DEFAULT_HISTORY, 1 << 20);
        // The document starts with some text, put there by a first operation.
        String initial = RandomOps.text(random, 20, RandomOps.BMP);
        OtDocument.Outcome first = authority.prepare("seed", 1, 0, TextOperation.builder().insert(initial).build());
        authority.commit((OtDocument.Accepted) first);

        List<OtSite> site = new ArrayList<>();
        List<ArrayDeque<OtSite.Send>> up = new ArrayList<>();
        List<ArrayDeque<Applied>> down = new ArrayList<>();
        for (int i = 0; i < sites; i++) {
            site.add(new OtSite("c" + i, authority.text(), authority.revision()));
            up.add(new ArrayDeque<>());
            down.add(new ArrayDeque<>());
        }
        for (int step = 0; step < steps; step++) {
            int i = random.nextInt(sites);
            switch (random.nextInt(3)) {
                case 0 -> {
                    OtSite.Send s = site.get(i).edit(RandomOps.edit(random, site.get(i).text(), RandomOps.BMP));
                    if (s != null) {
                        up.get(i).add(s);
                    }
                }
                case 1 -> deliverUp(authority, up.get(i), down);
                default -> deliverDown(site.get(i), down.get(i), up.get(i));
            }
        }
        // Then the network drains, still in a random order.
        while (true) {
            List<Runnable> ready = new ArrayList<>();
            for (int i = 0; i < sites; i++) {
                int k = i;
                if (!up.get(k).isEmpty()) {
                    ready.add(() -> deliverUp(authority, up.get(k), down));
                }
                if (!down.get(k).isEmpty()) {
                    ready.add(() -> deliverDown(site.get(k), down.get(k), up.get(k)));
                }
            }
            if (ready.isEmpty()) {
                break;
            }
            ready.get(random.nextInt(ready.size())).run();
        }
        for (OtSite s : site) {
            assertThat(s.state()).as(s.client).isEqualTo(OtSite.State.SYNCHRONIZED);
            assertThat(s.rev()).as(s.client).isEqualTo(authority.revision());
            assertThat(s.text()).as(s.client).isEqualTo(authority.text());
        }
    }

    private static void deliverUp(OtDocument authority, ArrayDeque<OtSite.Send> link, List<ArrayDeque<Applied>> down) {
        OtSite.Send s = link.poll();
        if (s == null) {
            return;
        }
        OtDocument.Outcome o = authority.prepare(s.client(), s.seq(), s.rev(), s.op());
        assertThat(o).isInstanceOf(OtDocument.Accepted.class);
        OtDocument.Accepted a = (OtDocument.Accepted) o;
        authority.commit(a);
        for (ArrayDeque<Applied> d : down) {
            d.add(new Applied(a.client(), a.seq(), a.revision(), a.op()));
        }
    }

    private static void deliverDown(OtSite site, ArrayDeque<Applied> link, ArrayDeque<OtSite.Send> up) {
        Applied m = link.poll();
        if (m == null) {
            return;
        }
        OtSite.Send next = site.receive(m.client(), m.seq(), m.rev(), m.op());
        if (next != null) {
            up.add(next);
        }
    }
}
