// The same session over the HTTP fallback (protocol.md "HTTP fallback"), each transport forced, and the
// automatic fallback when the WebSocket upgrade is refused.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { client, topic, waitFor, apiPublish, next, hasHttpFallback, URL_, HTTP } from '../test-support/helpers.js';

const clients = [];
function open(options, url) {
  const c = client(options, url);
  clients.push(c);
  return c;
}
after(() => clients.forEach((c) => c.close()));

let skip = false;
before(async () => {
  skip = !(await hasHttpFallback()) && 'this server has no /http/ endpoints yet';
});

for (const transport of ['sse', 'polling']) {
  test(`${transport}: welcome, subscribe, publish, presence, history, binary both ways`, async (t) => {
    if (skip) return t.skip(skip);
    const name = topic(transport);
    const c = open({ transports: [transport] });
    const ws = open();
    const info = await c.connect();
    await ws.connect();
    assert.equal(info.transport, transport);
    assert.equal(c.transport, transport);
    const got = [];
    const sub = c.subscribe(name, { onPublication: (p) => got.push(p) });
    assert.equal((await sub.ready).offset, 0);
    const ack = await c.publish(name, { over: transport });
    assert.equal(ack.offset, 1);
    await ws.publish(name, new Uint8Array([1, 2, 250]));
    await apiPublish(name, 'from api');
    await waitFor('three publications', () => got.length === 3);
    assert.deepEqual(got[0].data, { over: transport });
    assert.ok(got[1].data instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(got[1].data)], [1, 2, 250]);
    assert.equal(got[1].offset, 2);
    assert.equal(got[2].data, 'from api');
    // binary up over /http/send
    const bin = await c.publish(name, new Uint8Array([7, 7]).buffer);
    assert.equal(bin.offset, 4);
    await waitFor('own binary', () => got.length === 4);
    const p = await c.presence(name);
    assert.equal(p.count, 1);
    assert.equal(p.members[0].client, c.clientId);
    const h = await c.history(name, { limit: 10 });
    assert.deepEqual(h.publications.map((x) => x.offset), [1, 2, 3, 4]);
    const dup = await c.publish(name, 'k', { key: `${transport}-k` });
    assert.equal((await c.publish(name, 'k', { key: `${transport}-k` })).duplicate, true);
    assert.equal(dup.duplicate, false);
    await assert.rejects(c.publish('bad topic', 1), (e) => e.code === 'bad_request');
  });

  test(`${transport}: a dropped session reconnects and recovers`, async (t) => {
    if (skip) return t.skip(skip);
    const name = topic(`${transport}-recover`);
    const c = open({ transports: [transport], heartbeat: { interval: 200, timeout: 1000 } });
    await c.connect();
    const got = [];
    const sub = c.subscribe(name, { onPublication: (p) => got.push(p.offset) });
    await sub.ready;
    await apiPublish(name, 1);
    await waitFor('first', () => got.length === 1);
    const recovered = next(sub, 'recovered');
    c._dropConnection();
    await apiPublish(name, 2);
    const r = await recovered;
    assert.equal(r.recovered, true);
    await apiPublish(name, 3);
    await waitFor('three', () => got.length === 3);
    assert.deepEqual(got, [1, 2, 3]);
    assert.equal(c.transport, transport);
    await sleepHeartbeats();
    assert.equal(c.state, 'connected'); // pings over HTTP are answered
  });
}

function sleepHeartbeats() {
  return new Promise((r) => setTimeout(r, 700));
}

test('fallback: a refused WebSocket upgrade falls back to SSE, and WebSocket is tried again later', async (t) => {
  if (skip) return t.skip(skip);
  // A path with no WebSocket endpoint: the upgrade is answered with an HTTP error, as behind a proxy that
  // strips Upgrade. The HTTP transports are found from httpUrl.
  const broken = URL_.replace(/\/ws$/, '/no-websocket-here');
  const c = open({ httpUrl: HTTP, websocketRetry: { every: 2, after: 60000 } }, broken);
  const info = await c.connect();
  assert.equal(info.transport, 'sse');
  const wsTriedAt = c._lastWebSocketTry;
  c._dropConnection();
  await next(c, 'connected');
  assert.equal(c.transport, 'sse');
  assert.equal(c._lastWebSocketTry, wsTriedAt, 'the 1st reconnect goes straight to SSE');
  c._dropConnection();
  await next(c, 'connected');
  assert.equal(c.transport, 'sse');
  assert.ok(c._lastWebSocketTry > wsTriedAt, 'the 2nd reconnect tries WebSocket first again, then SSE');
});

test('fallback: with transports [websocket, polling], a refused upgrade ends up on long-polling', async (t) => {
  if (skip) return t.skip(skip);
  const broken = URL_.replace(/\/ws$/, '/no-websocket-here');
  const c = open({ httpUrl: HTTP, transports: ['websocket', 'polling'] }, broken);
  const info = await c.connect();
  assert.equal(info.transport, 'polling');
});
