// Tokens against a server started with a JWT secret (DUPLEX_JWT_URL, DUPLEX_JWT_SECRET; JsClientTest starts one
// with --jwt-clock-skew PT0S --token-grace PT1S so that expiry happens within the test).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, topic, waitFor, next, jwt, sleep } from '../test-support/helpers.js';

const JWT_URL = process.env.DUPLEX_JWT_URL;
const SECRET = process.env.DUPLEX_JWT_SECRET;
const missing = !(JWT_URL && SECRET) && 'set DUPLEX_JWT_URL and DUPLEX_JWT_SECRET (a server with --jwt-secret-file)';

const clients = [];
function open(options) {
  const c = client(options, JWT_URL);
  clients.push(c);
  return c;
}
after(() => clients.forEach((c) => c.close()));

function shortToken(seconds = 3, sub = 'alice') {
  return jwt(SECRET, { sub, exp: Math.floor(Date.now() / 1000) + seconds });
}

test('refresh: getToken is called before expires_at and the session outlives the first token', async (t) => {
  if (missing) return t.skip(missing);
  let calls = 0;
  const c = open({ getToken: async () => (calls++, shortToken(3)) });
  const refreshed = [];
  c.on('refresh', (r) => refreshed.push(r));
  const info = await c.connect();
  assert.equal(info.user, 'alice');
  const firstClient = c.clientId;
  const firstExpiry = c.expiresAt;
  assert.ok(firstExpiry > Date.now());
  await waitFor('a refresh', () => refreshed.length >= 1, 5000);
  assert.ok(refreshed[0].expiresAt > firstExpiry);
  // Past the first token's exp and the 1 s grace: still the same session.
  await sleep(Math.max(0, firstExpiry + 1500 - Date.now()));
  assert.equal(c.state, 'connected');
  assert.equal(c.clientId, firstClient);
  assert.ok(calls >= 2);
  const ack = await c.publish(topic('after-refresh'), 'still here');
  assert.equal(ack.offset, 1);
});

test('refresh: token_expired from the server is answered with a refresh', async (t) => {
  if (missing) return t.skip(missing);
  const c = open({ getToken: async () => shortToken(2) });
  c._scheduleRefresh = () => {}; // no refresh ahead of time: wait for the server's token_expired
  await c.connect();
  const first = c.clientId;
  const expired = next(c, 'tokenExpired', () => true, 5000);
  const refreshed = next(c, 'refresh', () => true, 6000);
  await expired;
  await refreshed;
  await sleep(1300); // beyond the grace
  assert.equal(c.state, 'connected');
  assert.equal(c.clientId, first);
});

test('a fixed token that expires: the server closes with 4001 and the client reports it', async (t) => {
  if (missing) return t.skip(missing);
  const c = open({ token: shortToken(1), reconnect: false });
  await c.connect();
  const d = await next(c, 'disconnected', () => true, 6000);
  assert.equal(d.code, 4001);
  assert.equal(d.reason, 'token expired');
});

test('a bad token is refused at connect', async (t) => {
  if (missing) return t.skip(missing);
  const c = open({ token: jwt('x'.repeat(32), { sub: 'mallory' }), reconnect: false, transports: ['websocket'] });
  await assert.rejects(c.connect(), (e) => e.code === 'disconnected');
  assert.equal(c.state, 'disconnected');
});
