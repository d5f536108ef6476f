// node --test duplex-client-js/test/ot.test.js
// TextOperation's laws on random documents (a seeded PRNG: a failure names its seed), and OtClients editing
// through an in-memory authority that follows docs/collab.md, with random message delays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextOperation, OtClient, State } from '../src/ot.js';

/** xorshift32: small, seedable, good enough to pick edits. */
function prng(seed) {
  let s = (seed >>> 0) || 0x9e3779b9;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

const BMP = 'abcdefgh \né€';
const WIDE = [...BMP, '😀'];

function randomText(r, maxLength, alphabet = [...BMP]) {
  const n = r.int(maxLength + 1);
  let s = '';
  while (s.length < n) s += alphabet[r.int(alphabet.length)];
  return s;
}

/** Mostly a small edit at one or two places, sometimes a wild mix; never splits a surrogate pair. */
function randomEdit(r, doc, alphabet = [...BMP]) {
  const op = new TextOperation();
  const wild = r.int(4) === 0;
  let at = 0;
  while (at < doc.length) {
    const left = doc.length - at;
    let n = 1 + r.int(Math.min(left, wild ? 4 : 12));
    if (n < left && /[\udc00-\udfff]/.test(doc[at + n])) n++;
    const kind = r.int(wild ? 3 : 8);
    if (kind === 1) op.delete(n);
    else if (kind === 2) op.insert(randomText(r, 3, alphabet)).retain(n);
    else op.retain(n);
    at += n;
  }
  if (r.int(3) === 0) op.insert(randomText(r, 3, alphabet));
  return op;
}

function forSeeds(count, fn) {
  for (let seed = 1; seed <= count; seed++) {
    try {
      fn(prng(seed), seed);
    } catch (e) {
      e.message = `seed ${seed}: ${e.message}`;
      throw e;
    }
  }
}

// ---------------------------------------------------------------- TextOperation: examples, as in the Java tests

test('applies retain, insert and delete', () => {
  const op = TextOperation.fromJSON([3, 'ab', -2, 1]);
  assert.equal(op.baseLength, 6);
  assert.equal(op.targetLength, 6);
  assert.equal(op.apply('fooXYz'), 'fooabz');
});

test('JSON form is the array of components, the same as Java writes', () => {
  const op = new TextOperation().retain(3).insert('a"b\n').delete(2);
  assert.equal(JSON.stringify(op), '[3,"a\\"b\\n",-2]');
  assert.ok(TextOperation.fromJSON(JSON.stringify(op)).equals(op));
  assert.ok(TextOperation.fromJSON([]).isNoop());
  assert.ok(TextOperation.fromJSON([7]).isNoop());
});

test('the builder keeps the form canonical', () => {
  const op = new TextOperation().retain(1).retain(2).delete(1).insert('x').delete(1).insert('y')
    .retain(0).insert('').delete(0);
  assert.equal(JSON.stringify(op), '[3,"xy",-2]');
  assert.ok(TextOperation.fromJSON([3, -2, 'xy']).equals(op));
});

test('lengths count UTF-16 code units, as Java does', () => {
  const op = TextOperation.fromJSON([2, '€']);
  assert.equal(op.apply('😀'), '😀€');
});

test('compose is one operation for two', () => {
  const a = TextOperation.fromJSON(['abc', 3]);
  const b = TextOperation.fromJSON([1, -2, 3, '!']);
  assert.equal(JSON.stringify(a.compose(b)), '["a",3,"!"]');
  assert.equal(a.compose(b).apply('xyz'), 'axyz!');
});

test('concurrent inserts at one place put the first argument first', () => {
  const a = TextOperation.fromJSON([1, 'A', 1]);
  const b = TextOperation.fromJSON([1, 'B', 1]);
  const [a1, b1] = TextOperation.transform(a, b);
  assert.equal(b1.apply(a.apply('xy')), 'xABy');
  assert.equal(a1.apply(b.apply('xy')), 'xABy');
  assert.equal(JSON.stringify(a1), '[1,"A",2]');
  assert.equal(JSON.stringify(b1), '[2,"B",1]');
});

test('wrong lengths and malformed JSON forms are refused with clear messages', () => {
  const op = TextOperation.fromJSON([3]);
  assert.throws(() => op.apply('ab'), { message: 'operation applies to a document of 3 characters, this one has 2' });
  assert.throws(() => op.compose(TextOperation.fromJSON([4])),
    { message: 'cannot compose: the first operation leaves 3 characters, the second applies to 4' });
  assert.throws(() => TextOperation.transform(op, TextOperation.fromJSON([2])),
    { message: 'cannot transform: the operations apply to documents of 3 and 2 characters' });
  assert.throws(() => TextOperation.fromJSON({ op: 1 }), /must be a JSON array/);
  assert.throws(() => TextOperation.fromJSON([1, 0]), /^TypeError: operation element 1 must be/);
  assert.throws(() => TextOperation.fromJSON([1.5]), /operation element 0 must be/);
  assert.throws(() => TextOperation.fromJSON([3000000000]), /operation element 0 must be/);
  assert.throws(() => TextOperation.fromJSON(['']), { message: 'operation element 0 inserts an empty string' });
  assert.throws(() => new TextOperation().retain(-1), RangeError);
});

// ---------------------------------------------------------------- TextOperation: laws on random input

test('compose equals applying one after the other (500 seeds)', () => {
  forSeeds(500, (r) => {
    const doc = randomText(r, 30, WIDE);
    const a = randomEdit(r, doc, WIDE);
    const afterA = a.apply(doc);
    assert.equal(afterA.length, a.targetLength);
    const b = randomEdit(r, afterA, WIDE);
    const c = randomEdit(r, b.apply(afterA), WIDE);
    assert.equal(a.compose(b).apply(doc), b.apply(afterA));
    assert.ok(a.compose(b).compose(c).equals(a.compose(b.compose(c))));
  });
});

test('transform converges (1000 seeds)', () => {
  forSeeds(1000, (r) => {
    const doc = randomText(r, 30, WIDE);
    const a = randomEdit(r, doc, WIDE);
    const b = randomEdit(r, doc, WIDE);
    const [a1, b1] = TextOperation.transform(a, b);
    assert.equal(b1.apply(a.apply(doc)), a1.apply(b.apply(doc)));
    assert.ok(a.compose(b1).equals(b.compose(a1)));
    assert.ok(TextOperation.fromJSON(JSON.parse(JSON.stringify(a))).equals(a));
  });
});

// ---------------------------------------------------------------- OtClients through an in-memory authority

/** The authority of docs/collab.md in memory: what io.duplex.server.ot.OtAuthority does, minus the hub. */
class MemoryAuthority {
  constructor(maxHistory) {
    this.maxHistory = maxHistory;
    this.text = '';
    this.oldest = 0;
    this.history = []; // history[i] took revision (rev - history.length + i) to the next
    this.lastSeq = new Map();
  }

  get rev() {
    return this.oldest + this.history.length;
  }

  /** One request from editor.<doc>.in; returns the data to publish on editor.<doc>. */
  handle(m) {
    if (m.snapshot) return { client: m.client, rev: this.rev, text: this.text };
    if ((this.lastSeq.get(m.client) ?? 0) >= m.seq) return null;
    if (m.rev > this.rev || m.rev < this.oldest) {
      return { client: m.client, seq: m.seq, error: 'resync', message: `revision ${m.rev} unknown` };
    }
    let op = TextOperation.fromJSON(m.op);
    for (const applied of this.history.slice(m.rev - this.oldest)) [op] = TextOperation.transform(op, applied);
    this.text = op.apply(this.text);
    this.history.push(op);
    if (this.history.length > this.maxHistory) {
      this.history.shift();
      this.oldest++;
    }
    this.lastSeq.set(m.client, m.seq);
    return { client: m.client, seq: m.seq, rev: this.rev, op: op.toJSON() };
  }
}

/**
 * Clients joining and editing with every message delayed at random; each link (client to authority, authority
 * to client) stays in order, as a WebSocket and a hub topic are. Returns what happened, for the assertions.
 */
function simulate(r, { clients: count, ticks, maxHistory, maxDelay }) {
  const authority = new MemoryAuthority(maxHistory);
  const events = []; // { time, order, run }
  let now = 0;
  let order = 0;
  const lastOnLink = new Map();
  const schedule = (link, run) => {
    const time = Math.max(lastOnLink.get(link) ?? 0, now + 1 + r.int(maxDelay));
    lastOnLink.set(link, time);
    events.push({ time, order: order++, run });
  };
  const handlers = [];
  const clients = [];
  let resyncs = 0;
  let transformed = 0;
  for (let i = 0; i < count; i++) {
    const c = new OtClient({
      client: `c${i}`,
      send: (data) => schedule(`up${i}`, () => {
        const answer = authority.handle(JSON.parse(JSON.stringify(data)));
        if (answer !== null) {
          const wire = JSON.stringify(answer);
          handlers.forEach((h, k) => schedule(`down${k}`, () => h(JSON.parse(wire))));
        }
      }),
      receive: (h) => handlers.push(h),
      onResync: () => resyncs++,
      onRemoteOp: () => {
        if (c.state !== State.SYNCHRONIZED) transformed++;
      },
    });
    clients.push(c);
    c.join();
  }
  const runDue = () => {
    events.sort((x, y) => x.time - y.time || x.order - y.order);
    while (events.length > 0 && events[0].time <= now) events.shift().run();
  };
  for (; now < ticks; now++) {
    for (const c of clients) {
      if (c.state !== State.JOINING && r.int(4) === 0) c.applyLocal(randomEdit(r, c.text));
    }
    runDue();
  }
  while (events.length > 0) {
    now = Math.max(now, Math.min(...events.map((e) => e.time)));
    runDue();
  }
  return { authority, clients, resyncs, transformed };
}

test('three clients with random delays converge on the authority\'s text (200 seeds)', () => {
  let transformed = 0;
  forSeeds(200, (r) => {
    const run = simulate(r, { clients: 3, ticks: 40, maxHistory: 1000, maxDelay: 6 });
    assert.equal(run.resyncs, 0);
    for (const c of run.clients) {
      assert.equal(c.state, State.SYNCHRONIZED, c.client);
      assert.equal(c.rev, run.authority.rev, c.client);
      assert.equal(c.text, run.authority.text, c.client);
    }
    transformed += run.transformed;
  });
  assert.ok(transformed > 100, `remote operations transformed against pending ones: ${transformed}`);
});

test('clients told to resync (history of 2, long delays) join again and still converge (100 seeds)', () => {
  let resyncs = 0;
  forSeeds(100, (r) => {
    const run = simulate(r, { clients: 3, ticks: 40, maxHistory: 2, maxDelay: 15 });
    for (const c of run.clients) {
      assert.equal(c.state, State.SYNCHRONIZED, c.client);
      assert.equal(c.text, run.authority.text, c.client);
    }
    resyncs += run.resyncs;
  });
  assert.ok(resyncs > 0, 'some client had to resync');
});

test('OtClient walks Synchronized -> AwaitingConfirm -> AwaitingWithBuffer and back', () => {
  const sent = [];
  const states = [];
  const c = new OtClient({ client: 'me', text: 'ab', rev: 4, send: (d) => sent.push(d),
    onStateChange: (s) => states.push(s) });
  c.applyLocal(TextOperation.fromJSON([2, 'c']));
  assert.deepEqual(sent, [{ client: 'me', seq: 1, rev: 4, op: [2, 'c'] }]);
  c.applyLocal(TextOperation.fromJSON([3, 'd']));
  c.applyLocal(TextOperation.fromJSON([-1, 3]));
  assert.equal(c.text, 'bcd');
  // A remote insert at the start comes in before our first operation is confirmed.
  let shown = null;
  c.callbacks.onRemoteOp = (op, text) => { shown = text; };
  c.handle({ client: 'other', seq: 9, rev: 5, op: ['X', 2] });
  assert.equal(shown, 'Xbcd');
  c.handle({ client: 'me', seq: 1, rev: 6, op: [3, 'c'] });
  assert.deepEqual(sent[1], { client: 'me', seq: 2, rev: 6, op: [1, -1, 2, 'd'] });
  c.handle({ client: 'me', seq: 2, rev: 7, op: [1, -1, 2, 'd'] });
  assert.deepEqual(states, [State.AWAITING_CONFIRM, State.AWAITING_WITH_BUFFER, State.AWAITING_CONFIRM,
    State.SYNCHRONIZED]);
  assert.equal(c.text, 'Xbcd');
  // A revision out of order means messages were lost: join again.
  let reason = null;
  c.callbacks.onResync = (why) => { reason = why; };
  c.handle({ client: 'other', seq: 10, rev: 9, op: [4] });
  assert.equal(reason, 'expected revision 8, got 9');
  assert.equal(c.state, State.JOINING);
  assert.deepEqual(sent.at(-1), { client: 'me', snapshot: true });
});
