// The basics against a real `duplex serve`: welcome, subscribe, publish, presence, history, binary, errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, topic, next, waitFor, apiPublish } from '../test-support/helpers.js';
import { DuplexError } from '../src/duplex-client.js';

const clients = [];
function open(options) {
  const c = client(options);
  clients.push(c);
  return c;
}
after(() => clients.forEach((c) => c.close()));

test('connect: welcome gives the client id and the websocket transport', async () => {
  const c = open();
  const states = [];
  c.on('state', (s) => states.push(s.state));
  const info = await c.connect();
  assert.equal(info.transport, 'websocket');
  assert.match(info.client, /^\S+$/);
  assert.equal(c.clientId, info.client);
  assert.equal(c.limits.history_size > 0, true);
  assert.deepEqual(states, ['connecting', 'connected']);
  c.close();
  assert.equal(c.state, 'disconnected');
  assert.deepEqual(states.at(-1), 'disconnected');
});

test('subscribe, publish: the ack has the position, the subscriber gets the publication', async () => {
  const t = topic('pubsub');
  const a = open();
  const b = open();
  await Promise.all([a.connect(), b.connect()]);
  const got = [];
  const sub = b.subscribe(t, { onPublication: (p) => got.push(p) });
  const ctx = await sub.ready;
  assert.equal(ctx.offset, 0);
  assert.equal(sub.state, 'subscribed');
  const ack = await a.publish(t, { text: 'hi' });
  assert.equal(ack.offset, 1);
  assert.equal(ack.duplicate, false);
  assert.equal(typeof ack.epoch, 'string');
  await waitFor('the publication', () => got.length === 1);
  assert.deepEqual(got[0], { topic: t, epoch: ack.epoch, offset: 1, data: { text: 'hi' } });
  assert.equal(sub.offset, 1);

  // The same key again: a duplicate, not delivered twice.
  const k1 = await a.publish(t, 'once', { key: 'fixed-key-1' });
  const k2 = await a.publish(t, 'twice', { key: 'fixed-key-1' });
  assert.equal(k2.duplicate, true);
  assert.equal(k2.offset, k1.offset);
  await a.publish(t, 'last');
  await waitFor('three publications', () => got.length === 3);
  assert.deepEqual(got.map((p) => p.data), [{ text: 'hi' }, 'once', 'last']);

  // From the HTTP API, no user.
  await apiPublish(t, { from: 'api' });
  await waitFor('the API publication', () => got.length === 4);
  assert.deepEqual(got[3].data, { from: 'api' });

  sub.unsubscribe();
  assert.equal(sub.state, 'unsubscribed');
  await a.publish(t, 'after');
  await a.presence(t); // a round trip on b's side too
  await b.presence(t);
  assert.equal(got.length, 4);
});

test('exclude_self: the publisher does not get its own publication live', async () => {
  const t = topic('exclude');
  const a = open();
  await a.connect();
  const got = [];
  await a.subscribe(t, { onPublication: (p) => got.push(p.data) }).ready;
  await a.publish(t, 'skip me', { excludeSelf: true });
  await a.publish(t, 'see me');
  await waitFor('own publication', () => got.length === 1);
  assert.deepEqual(got, ['see me']);
});

test('presence and join/leave', async () => {
  const t = topic('presence');
  const a = open();
  const b = open();
  await Promise.all([a.connect(), b.connect()]);
  const joins = [];
  const leaves = [];
  await a.subscribe(t, { onJoin: (e) => joins.push(e.member), onLeave: (e) => leaves.push(e.member) }, { joinLeave: true }).ready;
  const bsub = b.subscribe(t, {}, { info: { name: 'Bea' } });
  await bsub.ready;
  await waitFor('b joins', () => joins.some((m) => m.client === b.clientId));
  const p = await a.presence(t);
  assert.equal(p.count, 2);
  const bea = p.members.find((m) => m.client === b.clientId);
  assert.deepEqual(bea.info, { name: 'Bea' });
  bsub.unsubscribe();
  await waitFor('b leaves', () => leaves.some((m) => m.client === b.clientId));
  assert.equal((await a.presence(topic('empty'))).count, 0);
});

test('history: newest, since a position, binary as ArrayBuffer, not_found', async () => {
  const t = topic('history');
  const a = open();
  await a.connect();
  const first = await a.publish(t, 1);
  await a.publish(t, 2);
  await a.publish(t, new Uint8Array([9, 8, 7]));
  const newest = await a.history(t, { limit: 2 });
  assert.equal(newest.complete, true);
  assert.deepEqual(newest.publications.map((p) => p.offset), [2, 3]);
  assert.equal(newest.publications[1].binary, true);
  assert.deepEqual([...new Uint8Array(newest.publications[1].data)], [9, 8, 7]);
  const since = await a.history(t, { since: { epoch: first.epoch, offset: 1 } });
  assert.deepEqual(since.publications.map((p) => p.offset), [2, 3]);
  assert.equal(since.offset, 3);
  await assert.rejects(a.history(topic('nothing')), (e) => e instanceof DuplexError && e.code === 'not_found');
});

test('binary: ArrayBuffer, TypedArray and DataView publish; delivery as ArrayBuffer with topic/epoch/offset', async () => {
  const t = topic('binary');
  const a = open();
  const b = open();
  await Promise.all([a.connect(), b.connect()]);
  const got = [];
  await b.subscribe(t, { onPublication: (p) => got.push(p) }).ready;
  const ack1 = await a.publish(t, new Uint8Array([1, 2, 3]).buffer);
  await a.publish(t, new Uint16Array([0x0102, 0x0304]).subarray(1)); // a view with a byte offset
  await a.publish(t, new DataView(new Uint8Array([0, 0xff, 0]).buffer, 1, 1));
  const dup = await a.publish(t, new Uint8Array([5]), { key: 'bin-key' });
  const dup2 = await a.publish(t, new Uint8Array([5]), { key: 'bin-key' });
  assert.equal(dup2.duplicate, true);
  assert.equal(dup2.offset, dup.offset);
  await waitFor('four binary publications', () => got.length === 4);
  assert.ok(got[0].data instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(got[0].data)], [1, 2, 3]);
  assert.equal(got[0].topic, t);
  assert.equal(got[0].epoch, ack1.epoch);
  assert.equal(got[0].offset, ack1.offset);
  assert.equal(got[0].binary, true);
  assert.deepEqual([...new Uint8Array(got[1].data)], [...new Uint8Array(new Uint16Array([0x0304]).buffer)]);
  assert.deepEqual([...new Uint8Array(got[2].data)], [0xff]);
  // JSON and binary interleave in order.
  await a.publish(t, 'json');
  await waitFor('json after binary', () => got.length === 5);
  assert.deepEqual(got.map((p) => p.offset), [1, 2, 3, 4, 5]);
});

test('errors reject with the server code', async () => {
  const a = open();
  await a.connect();
  await assert.rejects(a.publish('bad topic!', 1), (e) => e.code === 'bad_request' && /topic/.test(e.message));
  const big = 'x'.repeat(70000);
  await assert.rejects(a.publish(topic('big'), big), (e) => e.code === 'too_large');
  const t = topic('dup');
  a.subscribe(t);
  assert.throws(() => a.subscribe(t), (e) => e.code === 'already_subscribed');
});

test('batching: several requests per frame, answers matched by id', async () => {
  const t = topic('batch');
  const a = open({ batch: { maxSize: 10, flushInterval: 5 } });
  await a.connect();
  const got = [];
  await a.subscribe(t, { onPublication: (p) => got.push(p.data) }).ready;
  const acks = await Promise.all(Array.from({ length: 25 }, (_, i) => a.publish(t, i)));
  assert.deepEqual(acks.map((x) => x.offset).sort((x, y) => x - y), Array.from({ length: 25 }, (_, i) => i + 1));
  await waitFor('25 publications', () => got.length === 25);
  assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => i));
});
