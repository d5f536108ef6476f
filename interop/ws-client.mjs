// Node `ws` as a client of a server that speaks the interop script (see README.md in this folder):
// echoes text and binary; "close:CODE:REASON" closes with that code; "ping-me" pings and answers the pong
// with "pong:PAYLOAD"; "frag-me" sends "fragmented ✓😀" in three fragments.
//
//   node ws-client.mjs --url ws://127.0.0.1:PORT/path [--ca cert.pem] [--timeout 15000]
//
// Prints one JSON line per check ({"check":NAME,"ok":BOOL,...}) and a final {"done":true,"ok":BOOL}.
// Exit status: 0 all checks passed, 1 a check failed, 2 timed out.
import fs from 'node:fs';
import WebSocket from 'ws';
import { deadline, emit, fail, parseArgs, pattern, sameBytes } from './common.mjs';

const args = parseArgs(process.argv.slice(2), { timeout: '15000' });
if (!args.url) fail('--url is required');
deadline(Number(args.timeout));
const tlsOptions = args.ca ? { ca: fs.readFileSync(args.ca) } : {};

/** Opens a connection and turns its events into awaitable values. */
function open() {
  return new Promise((resolve, reject) => {
    // Default options, so permessage-deflate is offered as a real ws client would.
    const ws = new WebSocket(args.url, tlsOptions);
    const messages = [];
    const waiters = [];
    ws.on('message', (data, isBinary) => {
      const m = { data, isBinary };
      const w = waiters.shift();
      if (w) w(m); else messages.push(m);
    });
    ws.closed = new Promise((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    ws.next = () => new Promise((res) => {
      const m = messages.shift();
      if (m) res(m); else waiters.push(res);
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let allOk = true;
function check(name, ok, detail = {}) {
  allOk &&= ok;
  emit({ check: name, ok, ...detail });
}

const sendDone = (ws, data, opts) => new Promise((res, rej) => ws.send(data, opts, (e) => (e ? rej(e) : res())));

try {
  const ws = await open();

  const text = 'hello, ünïcödé ✓';
  await sendDone(ws, text);
  let m = await ws.next();
  check('text', !m.isBinary && m.data.toString() === text, { got: m.data.toString() });

  const bin = pattern(256, 1);
  await sendDone(ws, bin);
  m = await ws.next();
  check('binary', m.isBinary && sameBytes(m.data, bin), { length: m.data.length });

  // Client-to-server fragments: fin:false keeps the message open, the server sees one message.
  await sendDone(ws, 'frag-', { fin: false });
  await sendDone(ws, 'ment-', { fin: false });
  await sendDone(ws, 'ed', { fin: true });
  m = await ws.next();
  check('fragmented-text', !m.isBinary && m.data.toString() === 'frag-ment-ed', { got: m.data.toString() });

  await sendDone(ws, pattern(10, 2), { binary: true, fin: false });
  await sendDone(ws, pattern(5, 3), { binary: true, fin: true });
  m = await ws.next();
  check('fragmented-binary', m.isBinary && sameBytes(m.data, Buffer.concat([pattern(10, 2), pattern(5, 3)])),
    { length: m.data.length });

  // A fragment may end inside a multi-byte character (RFC 6455 section 8.1: the whole message is UTF-8).
  const emoji = Buffer.from('✓😀', 'utf8');
  await sendDone(ws, emoji.subarray(0, 2), { binary: false, fin: false });
  await sendDone(ws, emoji.subarray(2, 5), { binary: false, fin: false });
  await sendDone(ws, emoji.subarray(5), { binary: false, fin: true });
  m = await ws.next();
  check('fragmented-utf8', !m.isBinary && m.data.toString() === '✓😀', { got: m.data.toString() });

  await sendDone(ws, '');
  m = await ws.next();
  check('empty-text', !m.isBinary && m.data.length === 0, { length: m.data.length });

  await sendDone(ws, Buffer.alloc(0));
  m = await ws.next();
  check('empty-binary', m.isBinary && m.data.length === 0, { length: m.data.length });

  await sendDone(ws, 'frag-me');
  m = await ws.next();
  check('server-fragmented', !m.isBinary && m.data.toString() === 'fragmented ✓😀', { got: m.data.toString() });

  const pong = new Promise((res) => ws.once('pong', (data) => res(data.toString())));
  ws.ping('client-ping');
  const pongPayload = await pong;
  check('ping', pongPayload === 'client-ping', { got: pongPayload });

  // The server pings us; ws answers on its own and the server reports the pong it got.
  await sendDone(ws, 'ping-me');
  m = await ws.next();
  check('server-ping', m.data.toString() === 'pong:srv-ping', { got: m.data.toString() });

  const big = pattern(1 << 20, 4);
  await sendDone(ws, big);
  m = await ws.next();
  check('large', m.isBinary && sameBytes(m.data, big), { length: m.data.length });

  // The same compressible text three times (above ws's 1 KiB compression threshold). A server may answer
  // client_no_context_takeover unasked (RFC 7692 7.1.1.2); a client that kept its context anyway would refer
  // back into earlier messages and be closed with 1007, so three intact echoes show the parameter was honoured.
  const repeated = JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ id: i, user: `user${i % 7}` })) });
  let echoes = 0;
  for (let i = 0; i < 3; i++) {
    await sendDone(ws, repeated);
    m = await Promise.race([ws.next(), ws.closed.then((c) => ({ closed: c }))]);
    if (m.closed || m.isBinary || m.data.toString() !== repeated) break;
    echoes++;
  }
  check('compressed-repeat', echoes === 3, { echoes, extensions: ws.extensions });

  // The server answers with the code it received (RFC 6455 section 5.5.1); the reason it saw is checked
  // on the server side.
  ws.close(4001, 'client bye');
  const cc = await ws.closed;
  check('client-close', cc.code === 4001, cc);

  const ws2 = await open();
  await sendDone(ws2, 'close:4000:bye');
  const sc = await ws2.closed;
  check('server-close', sc.code === 4000 && sc.reason === 'bye', sc);
} catch (e) {
  check('exception', false, { error: String(e && e.stack || e) });
}
emit({ done: true, ok: allOk });
process.exit(allOk ? 0 : 1);
