// Connections that die: recovery, exactly-once retries, the bounded queue, heartbeat detection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WS from 'ws';
import { client, topic, next, waitFor, apiPublish, sleep } from '../test-support/helpers.js';

const clients = [];
function open(options) {
  const c = client(options);
  clients.push(c);
  return c;
}
after(() => clients.forEach((c) => c.close()));

test('reconnect: subscriptions come back with recovery, nothing missed or repeated', async () => {
  const t = topic('recover');
  const c = open({ reconnect: { initialDelay: 300, jitter: 0 } });
  await c.connect();
  const got = [];
  const subscribed = [];
  const sub = c.subscribe(t, { onPublication: (p) => got.push(p.offset), onSubscribed: (s) => subscribed.push(s) });
  await sub.ready;
  await apiPublish(t, 1);
  await apiPublish(t, 2);
  await waitFor('two publications', () => got.length === 2);
  const firstClient = c.clientId;

  const states = [];
  c.on('state', (s) => states.push(s));
  const recovered = next(sub, 'recovered');
  c._dropConnection();
  assert.equal(c.state, 'reconnecting');
  await apiPublish(t, 3); // while it is away
  await apiPublish(t, 4);
  const r = await recovered;
  assert.equal(r.recovered, true);
  assert.equal(r.missed, 2);
  assert.equal(r.resubscribed, true);
  await apiPublish(t, 5);
  await waitFor('five publications', () => got.length === 5);
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
  assert.notEqual(c.clientId, firstClient);
  assert.deepEqual(states.map((s) => s.state), ['disconnected', 'reconnecting', 'connecting', 'connected']);
  assert.equal(states[0].code, 1006);
  assert.equal(states[1].attempt, 1);
  assert.ok(states[1].delay >= 300 && states[1].delay <= 300, `delay ${states[1].delay}`);
});

test('reconnect: a position the server cannot prove is reported as not recovered', async () => {
  const t = topic('norecover');
  const c = open();
  await c.connect();
  const sub = c.subscribe(t, {});
  await sub.ready;
  await c.publish(t, 'x');
  sub.epoch = 'not-the-epoch'; // as after a server restart
  const notRecovered = next(sub, 'notRecovered');
  c._dropConnection();
  const r = await notRecovered;
  assert.equal(r.recovered, false);
  assert.equal(r.offset, 1);
  assert.equal(sub.epoch, r.epoch);
});

test('exactly once: a publish whose ack was lost is sent again after reconnect and delivered once', async () => {
  const t = topic('exactly-once');
  const observer = open();
  const pub = open();
  await Promise.all([observer.connect(), pub.connect()]);
  const got = [];
  await observer.subscribe(t, { onPublication: (p) => got.push(p.data) }).ready;

  pub._discardIncoming = true; // the ack will be lost on the way back
  const acked = pub.publish(t, 'only once');
  await waitFor('the server stored it', () => got.length === 1);
  pub._dropConnection();
  pub._discardIncoming = false;
  const ack = await acked;
  assert.equal(ack.duplicate, true);
  assert.equal(ack.offset, 1);
  await pub.publish(t, 'marker');
  await waitFor('marker', () => got.length === 2);
  assert.deepEqual(got, ['only once', 'marker']);
});

test('without a key, a publish in flight when the connection drops is rejected, not guessed', async () => {
  const t = topic('nokey');
  const c = open();
  await c.connect();
  c._discardIncoming = true;
  const p = c.publish(t, 'maybe', { key: false });
  await sleep(50);
  c._dropConnection();
  c._discardIncoming = false;
  await assert.rejects(p, (e) => e.code === 'disconnected');
});

test('queue: publishes wait while disconnected, up to maxQueue; then queue_full', async () => {
  const t = topic('queue');
  const observer = open();
  await observer.connect();
  const got = [];
  await observer.subscribe(t, { onPublication: (p) => got.push(p.data) }).ready;

  const c = open({ maxQueue: 3 });
  const queued = [c.publish(t, 1), c.publish(t, 2), c.publish(t, 3)];
  await assert.rejects(c.publish(t, 4), (e) => e.code === 'queue_full' && /3/.test(e.message));
  await assert.rejects(c.presence(t), (e) => e.code === 'queue_full');
  await c.connect();
  const acks = await Promise.all(queued);
  assert.deepEqual(acks.map((a) => a.offset), [1, 2, 3]);
  await waitFor('three publications', () => got.length === 3);
  assert.deepEqual(got, [1, 2, 3]);
  // Connected, nothing is queued: no limit applies.
  await Promise.all([c.publish(t, 5), c.publish(t, 6), c.publish(t, 7), c.publish(t, 8)]);
});

/**
 * The one fake: a network that goes silent. The socket is a real `ws` connection to the real server; after
 * `silence()` it neither sends nor delivers anything, as when a NAT forgets the flow. Later sockets work.
 */
function silentNetwork() {
  const live = new Set();
  class SilenceableWebSocket extends WS {
    constructor(url, protocols) {
      super(url, protocols);
      this.silent = false;
      live.add(this);
    }
    send(data) {
      if (!this.silent) super.send(data);
    }
    set onmessage(fn) {
      super.onmessage = fn && ((ev) => !this.silent && fn(ev));
    }
    get onmessage() {
      return super.onmessage;
    }
  }
  return {
    WebSocket: SilenceableWebSocket,
    silence() {
      for (const ws of live) ws.silent = true;
      live.clear();
    },
  };
}

test('heartbeat: no ping answer within the timeout closes the connection and reconnects', async () => {
  const t = topic('heartbeat');
  const net = silentNetwork();
  const c = open({ WebSocket: net.WebSocket, heartbeat: { interval: 100, timeout: 300 } });
  await c.connect();
  const sub = c.subscribe(t, {});
  await sub.ready;
  // A topic with a publication keeps its history, so the resubscribe can prove nothing was missed.
  await c.publish(t, 'kept');
  await sleep(350); // pings come and go while the network is fine
  assert.equal(c.state, 'connected');
  const first = c.clientId;
  const down = next(c, 'disconnected');
  const recovered = next(sub, 'recovered', () => true, 5000);
  const silencedAt = Date.now();
  net.silence();
  const d = await down;
  const took = Date.now() - silencedAt;
  assert.equal(d.reason, 'heartbeat timeout');
  assert.ok(took >= 250 && took < 1500, `detected after ${took} ms`);
  await recovered;
  assert.equal(c.state, 'connected');
  assert.notEqual(c.clientId, first);
});
