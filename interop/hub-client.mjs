// A client of `duplex serve` written from docs/protocol.md alone, on Node `ws` and `node:http`.
//
//   node hub-client.mjs --url ws://127.0.0.1:PORT/ws --api-key KEY [--timeout 45000]
//
// Runs the hub scenario (see README.md in this folder) with two connections and the HTTP API, printing one
// JSON line per check ({"check":NAME,"ok":BOOL,"detail":...}) and a final {"done":true,"ok":BOOL}.
// Exit status: 0 all checks passed, 1 a check failed, 2 timed out.
import crypto from 'node:crypto';
import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import WebSocket from 'ws';
import { deadline, emit, fail, parseArgs } from './common.mjs';

const args = parseArgs(process.argv.slice(2), { timeout: '45000' });
if (!args.url || !args['api-key']) fail('--url and --api-key are required');
deadline(Number(args.timeout));

const WAIT_MS = 5000; // how long any one answer may take before its check fails
const same = isDeepStrictEqual;

let allOk = true;
function check(name, ok, detail = null) {
  allOk &&= Boolean(ok);
  emit({ check: name, ok: Boolean(ok), detail });
}

/** One session. Every text frame is split on line feeds; a binary frame becomes {binary: Buffer}. */
class Session {
  static open(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, ['duplex.v1']);
      ws.once('open', () => resolve(new Session(ws)));
      ws.once('error', reject);
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.inbox = [];
    this.waiters = new Set();
    this.lastId = 0;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.inbox.push({ binary: Buffer.from(data) });
      } else {
        for (const line of data.toString('utf8').split('\n')) {
          if (line.trim() !== '') this.inbox.push(JSON.parse(line));
        }
      }
      for (const w of [...this.waiters]) w();
    });
    this.closed = new Promise((res) => ws.once('close', (code) => res(code)));
  }

  /** Removes and resolves to the first message matching `pred`, or null after `ms`. */
  take(pred, ms = WAIT_MS) {
    return new Promise((resolve) => {
      const attempt = () => {
        const i = this.inbox.findIndex(pred);
        if (i < 0) return false;
        this.waiters.delete(attempt);
        clearTimeout(timer);
        resolve(this.inbox.splice(i, 1)[0]);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(attempt);
        resolve(null);
      }, ms);
      if (!attempt()) this.waiters.add(attempt);
    });
  }

  id() {
    return ++this.lastId;
  }

  /** Sends the messages (objects or raw strings) as one text frame, a line each. */
  send(...messages) {
    const text = messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join('\n');
    return new Promise((res, rej) => this.ws.send(text, (e) => (e ? rej(e) : res())));
  }

  sendBinary(buf) {
    return new Promise((res, rej) => this.ws.send(buf, { binary: true }, (e) => (e ? rej(e) : res())));
  }

  answer(id) {
    return this.take((m) => (m.type === 'ack' || m.type === 'error') && m.id === id);
  }

  async request(msg) {
    const id = this.id();
    await this.send({ ...msg, id });
    return this.answer(id);
  }

  async close() {
    this.ws.close(1000);
    await this.closed;
  }
}

const pubOf = (topic, extra = {}) => (m) =>
  m.type === 'pub' && m.topic === topic && Object.entries(extra).every(([k, v]) => same(m[k], v));

/** Binary publish request: kind 0x02, flags, u32 id, topic and key with one-byte lengths, then the data. */
function encodePublish(id, topic, key, data, excludeSelf = false) {
  const t = Buffer.from(topic, 'utf8');
  const k = Buffer.from(key, 'utf8');
  const head = Buffer.alloc(6);
  head[0] = 0x02;
  head[1] = excludeSelf ? 1 : 0;
  head.writeUInt32BE(id, 2);
  return Buffer.concat([head, Buffer.from([t.length]), t, Buffer.from([k.length]), k, data]);
}

/** Binary publication from the server: kind 0x01, flags, topic, epoch, u64 offset, user, data. */
function decodePublication(buf) {
  let at = 2;
  const str = () => {
    const n = buf[at];
    if (n === undefined || at + 1 + n > buf.length) throw new Error(`frame ends inside a string at ${at}`);
    const s = buf.toString('utf8', at + 1, at + 1 + n);
    at += 1 + n;
    return s;
  };
  const out = { kind: buf[0], flags: buf[1] };
  out.topic = str();
  out.epoch = str();
  out.offset = Number(buf.readBigUInt64BE(at));
  at += 8;
  out.user = str();
  out.data = buf.subarray(at);
  return out;
}

/** One HTTP API call; resolves to {status, body} with the body parsed when it is JSON. */
function api(base, method, path, { key, header = 'authorization', body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (key !== undefined) headers[header] = header === 'authorization' ? `Bearer ${key}` : key;
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const req = http.request(new URL(path, base), { method, headers, timeout: WAIT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: kept as text for the report
        }
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function scenario(url, apiKey) {
  const tag = crypto.randomBytes(4).toString('hex');
  const topic = `interop.node.${tag}`;
  const httpBase = url.replace(/^ws/, 'http').replace(/\/ws$/, '/');

  // welcome
  let a = await Session.open(url);
  let b = await Session.open(url);
  check('subprotocol', a.ws.protocol === 'duplex.v1', a.ws.protocol);
  const wa = await a.take(() => true);
  const wb = await b.take(() => true);
  check('welcome', wa?.type === 'welcome' && wa.protocol === 1 && typeof wa.client === 'string'
      && !('user' in wa) && !('expires_at' in wa) && wa.limits?.max_publication_bytes === 65536
      && wb?.type === 'welcome' && wb.client !== wa.client, [wa, wb]);
  const idA = wa.client;
  const idB = wb.client;
  const joinOf = (client) => (m) => m.type === 'join' && m.member?.client === client;

  // subscribe with join_leave and info, and the joins that follow
  const sa = await a.request({ type: 'subscribe', topic, join_leave: true, info: { name: 'A' } });
  check('subscribe', sa?.type === 'ack' && typeof sa.epoch === 'string' && Number.isInteger(sa.offset)
      && !('recovered' in sa) && !('missed' in sa), sa);
  const epoch = sa.epoch;
  let offset = sa.offset;
  const selfJoin = await a.take(joinOf(idA));
  check('join-self', selfJoin?.topic === topic && same(selfJoin.member.info, { name: 'A' })
      && !('user' in selfJoin.member), selfJoin);
  const sb = await b.request({ type: 'subscribe', topic, join_leave: true, info: { name: 'B' } });
  check('subscribe-second', sb?.type === 'ack' && sb.epoch === epoch && sb.offset === offset, sb);
  const join = await a.take(joinOf(idB));
  check('join', join?.topic === topic && same(join.member.info, { name: 'B' }) && !('user' in join.member), join);

  // publish JSON with a key; the other session gets it
  const data = { text: 'hello ünïcödé ✓', nested: { list: [1, 2.5, null, false] } };
  const key = `node-${tag}-1`;
  const pub = await a.request({ type: 'publish', topic, data, key });
  check('publish-ack', pub?.type === 'ack' && pub.epoch === epoch && pub.offset === offset + 1
      && !('duplicate' in pub), pub);
  offset += 1;
  let got = await b.take(pubOf(topic));
  check('delivery', got?.epoch === epoch && got.offset === offset && same(got.data, data) && !('user' in got), got);

  // a retry with the same key: the first position, marked duplicate, not delivered again
  const dup = await a.request({ type: 'publish', topic, data, key });
  check('duplicate-ack', dup?.type === 'ack' && dup.duplicate === true && dup.epoch === epoch
      && dup.offset === offset, dup);
  const next = await a.request({ type: 'publish', topic, data: { seq: 'after-duplicate' } });
  check('duplicate-not-stored', next?.offset === offset + 1, next);
  offset += 1;
  got = await b.take(pubOf(topic));
  check('duplicate-not-delivered', same(got?.data, { seq: 'after-duplicate' }) && got.offset === offset, got);

  // exclude_self
  a.inbox = a.inbox.filter((m) => m.type !== 'pub');
  const ex = await a.request({ type: 'publish', topic, data: 'only B', exclude_self: true });
  offset += 1;
  const toB = await b.take(pubOf(topic, { data: 'only B' }));
  await a.request({ type: 'ping' });
  check('exclude-self', ex?.offset === offset && toB !== null && !a.inbox.some((m) => m.type === 'pub'),
      { ack: ex, leftForA: a.inbox });

  // batching: three requests and an empty line in one frame
  const [p1, p2, p3] = [a.id(), a.id(), a.id()];
  await a.send({ type: 'history', id: p3, topic, limit: 2 }, '', { type: 'presence', id: p2, topic },
      { type: 'ping', id: p1 });
  const answers = await Promise.all([a.answer(p1), a.answer(p2), a.answer(p3)]);
  check('batch', answers.every((x) => x?.type === 'ack'), answers);

  // presence
  const pres = answers[1];
  const members = new Map((pres?.members ?? []).map((m) => [m.client, m]));
  check('presence', pres?.count === 2 && members.size === 2 && same(members.get(idA)?.info, { name: 'A' })
      && same(members.get(idB)?.info, { name: 'B' }) && [...members.values()].every((m) => !('user' in m))
      && pres.truncated !== true, pres);

  // history, newest `limit`, then since a position
  const hist = answers[2];
  const offsets = (h) => (h?.publications ?? []).map((p) => p.offset);
  check('history', hist?.epoch === epoch && hist.offset === offset && hist.complete === true
      && same(offsets(hist), [offset - 1, offset])
      && hist.publications.every((p) => p.type === 'pub' && p.topic === topic && p.epoch === epoch)
      && hist.publications[1].data === 'only B', hist);
  const since = await a.request({ type: 'history', topic, since: { epoch, offset: offset - 1 } });
  check('history-since', since?.type === 'ack' && since.complete === true && same(offsets(since), [offset])
      && since.publications[0].data === 'only B', since);

  // recovery: B leaves (A is told), three are published, B comes back and recovers exactly those
  await b.close();
  const leave = await a.take((m) => m.type === 'leave' && m.member?.client === idB);
  check('leave', leave?.topic === topic && same(leave.member.info, { name: 'B' }), leave);
  const seen = offset;
  for (let n = 0; n < 3; n++) {
    const r = await a.request({ type: 'publish', topic, data: { missed: n } });
    offset += 1;
    if (r?.offset !== offset) check('recover-publish', false, r);
  }
  b = await Session.open(url);
  await b.take((m) => m.type === 'welcome');
  const rec = await b.request({ type: 'subscribe', topic, recover: { epoch, offset: seen } });
  check('recover-ack', rec?.type === 'ack' && rec.recovered === true && rec.missed === 3 && rec.epoch === epoch
      && rec.offset === offset, rec);
  const replay = [];
  for (let n = 0; n < 3; n++) replay.push(await b.take(pubOf(topic)));
  check('recover-replay', same(replay.map((p) => p?.offset), [seen + 1, seen + 2, seen + 3])
      && same(replay.map((p) => p?.data), [{ missed: 0 }, { missed: 1 }, { missed: 2 }]), replay);
  await a.request({ type: 'publish', topic, data: 'live' });
  offset += 1;
  got = await b.take(pubOf(topic));
  check('recover-live', got?.offset === offset && got.data === 'live', got);

  // recovery from an epoch that never existed
  const unsub = await b.request({ type: 'unsubscribe', topic });
  check('unsubscribe', unsub?.type === 'ack', unsub);
  const bogus = await b.request({ type: 'subscribe', topic, recover: { epoch: `nope${tag}`, offset: 2 } });
  await b.request({ type: 'ping' });
  const replayed = b.inbox.filter((m) => m.type === 'pub');
  check('recover-bogus-epoch', bogus?.type === 'ack' && bogus.recovered === false && bogus.epoch === epoch
      && bogus.offset === offset && replayed.length === 0, { ack: bogus, replayed });

  // binary publish and binary delivery, byte layout from the doc
  const bytes = Buffer.from([0xff, 0x00, 0x7f, 0x80, 0x0a, 0x0d]);
  const bid = a.id();
  await a.sendBinary(encodePublish(bid, topic, '', bytes));
  const back = await a.answer(bid);
  check('binary-publish-ack', back?.type === 'ack' && back.epoch === epoch && back.offset === offset + 1, back);
  offset += 1;
  const frame = await b.take((m) => m.binary !== undefined);
  let dec = null;
  try {
    dec = frame ? decodePublication(frame.binary) : null;
  } catch (e) {
    dec = { error: String(e), hex: frame.binary.toString('hex') };
  }
  check('binary-delivery', dec?.kind === 0x01 && dec.flags === 0 && dec.topic === topic && dec.epoch === epoch
      && dec.offset === offset && dec.user === '' && Buffer.isBuffer(dec.data) && dec.data.equals(bytes),
      dec && { ...dec, data: Buffer.isBuffer(dec.data) ? dec.data.toString('hex') : dec.data });
  const hb = await a.request({ type: 'history', topic, limit: 1 });
  const lastPub = hb?.publications?.at(-1);
  check('history-binary', lastPub?.offset === offset && !('data' in lastPub)
      && Buffer.from(lastPub.binary ?? '', 'base64').equals(bytes), hb);

  // the errors a client can cause; each must leave the session usable
  async function expectError(name, code, { raw, binary, id = undefined, mentions } = {}) {
    if (binary) await a.sendBinary(binary); else await a.send(raw);
    const e = await a.take((m) => (m.type === 'error' || m.type === 'ack') && m.id === id);
    check(name, e?.type === 'error' && e.code === code && typeof e.message === 'string'
        && (mentions === undefined || e.message.includes(mentions)), e);
  }
  const never = `${topic}.never`;
  let n;
  await expectError('error-bad-json', 'bad_request', { raw: '{"type": "ping", "id": 1' });
  await expectError('error-not-object', 'bad_request', { raw: '"just a string"' });
  await expectError('error-empty-message', 'bad_request', { raw: '\n\n', mentions: 'empty message' });
  n = a.id();
  await expectError('error-unknown-type', 'bad_request', { raw: { type: 'shout', id: n }, id: n });
  n = a.id();
  await expectError('error-unknown-field', 'bad_request',
      { raw: { type: 'presence', id: n, topic, verbose: true }, id: n, mentions: 'verbose' });
  n = a.id();
  await expectError('error-wrong-type', 'bad_request',
      { raw: { type: 'subscribe', id: n, topic, join_leave: 'yes' }, id: n, mentions: 'join_leave' });
  n = a.id();
  await expectError('error-bad-topic', 'bad_request', { raw: { type: 'subscribe', id: n, topic: 'a#b' }, id: n });
  n = a.id();
  await expectError('error-empty-topic', 'bad_request',
      { raw: { type: 'publish', id: n, topic: '', data: 1 }, id: n });
  n = a.id();
  await expectError('error-not-subscribed', 'not_subscribed', { raw: { type: 'unsubscribe', id: n, topic: never }, id: n });
  await expectError('error-without-id', 'not_subscribed', { raw: { type: 'unsubscribe', topic: never } });
  n = a.id();
  await expectError('error-already-subscribed', 'already_subscribed', { raw: { type: 'subscribe', id: n, topic }, id: n });
  n = a.id();
  await expectError('error-too-large', 'too_large',
      { raw: { type: 'publish', id: n, topic, data: { blob: 'é'.repeat(33 * 1024) } }, id: n });
  n = a.id();
  await expectError('error-not-found', 'not_found',
      { raw: { type: 'history', id: n, topic: `${topic}.unused` }, id: n });
  // Kind 0x02 with a flag bit the doc reserves; long enough to hold id 99.
  await expectError('error-binary-bad-flags', 'bad_request',
      { binary: Buffer.concat([encodePublish(99, topic, '', bytes)]).fill(0x80, 1, 2), id: 99 });
  const pong = await a.request({ type: 'ping' });
  check('ping', pong?.type === 'ack' && same(Object.keys(pong).sort(), ['id', 'type']), pong);

  // HTTP API
  const body = { topic, data: { via: 'http' }, key: `node-${tag}-http` };
  let r = await api(httpBase, 'POST', '/api/publish', { key: apiKey, body });
  check('http-publish', r.status === 200 && r.body?.epoch === epoch && r.body.offset === offset + 1, r);
  offset += 1;
  got = await b.take(pubOf(topic, { offset }));
  check('http-delivery', same(got?.data, { via: 'http' }) && !('user' in got), got);
  r = await api(httpBase, 'POST', '/api/publish', { key: apiKey, header: 'x-api-key', body });
  check('http-duplicate', r.status === 200 && r.body?.duplicate === true && r.body.offset === offset, r);
  r = await api(httpBase, 'POST', '/api/publish', { body });
  check('http-no-key', r.status === 401, r);
  r = await api(httpBase, 'POST', '/api/publish', { key: `${apiKey}-not`, body });
  check('http-wrong-key', r.status === 401, r);
  r = await api(httpBase, 'GET', `/api/history?topic=${topic}&limit=1`, { key: apiKey });
  check('http-history', r.status === 200 && r.body?.offset === offset && same(offsets(r.body), [offset]), r);

  await a.close();
  await b.close();
}

try {
  await scenario(args.url, args['api-key']);
} catch (e) {
  check('exception', false, String(e?.stack ?? e));
}
emit({ done: true, ok: allOk });
process.exit(allOk ? 0 : 1);
