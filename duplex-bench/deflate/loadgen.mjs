// Load generator for the permessage-deflate measurements in docs/compression.md.
//
// Uses the `ws` client installed by `npm ci` in ../node (resolved from there, so run that first).
//
//   echo mode (default): N connections, each keeping DEPTH text messages in flight; every echo is checked
//   against the message sent (FIFO per connection). Counts echoes received during DURATION seconds after
//   WARMUP seconds, and, with --server-pid, the server's CPU time (utime+stime from /proc/PID/stat) over
//   exactly that window, plus the bytes the server read and wrote per message (/proc/PID/io), which shows
//   the compressed size on the wire. Prints one JSON line.
//
//   hold mode (--hold): opens N connections (optionally echoing --send-once messages on each), prints
//   "READY <json>" and keeps them open until SIGTERM/SIGINT. With --server-pid, READY also carries the bytes
//   the server read and wrote per echoed message (/proc/PID/io), i.e. each direction's size on the wire.
//
// Options: --port P [--host H] [--conns N] [--depth D] [--warmup S] [--duration S] [--size BYTES]
//          [--deflate] [--server-pid PID] [--hold] [--send-once K] [--pool M] [--seed X] [--dump FILE]
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';

const require = createRequire(new URL('../node/package.json', import.meta.url));
const WebSocket = require('ws');

function parseArgs(argv) {
  const o = {
    host: '127.0.0.1', port: 8080, conns: 50, depth: 4, warmup: 3, duration: 10, size: 4096,
    deflate: false, serverPid: 0, hold: false, sendOnce: 0, pool: 2048, seed: 12345, clkTck: 100,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '--host': o.host = next(); break;
      case '--port': o.port = Number(next()); break;
      case '--conns': o.conns = Number(next()); break;
      case '--depth': o.depth = Number(next()); break;
      case '--warmup': o.warmup = Number(next()); break;
      case '--duration': o.duration = Number(next()); break;
      case '--size': o.size = Number(next()); break;
      case '--deflate': o.deflate = true; break;
      case '--server-pid': o.serverPid = Number(next()); break;
      case '--hold': o.hold = true; break;
      case '--send-once': o.sendOnce = Number(next()); break;
      case '--pool': o.pool = Number(next()); break;
      case '--seed': o.seed = Number(next()); break;
      case '--clk-tck': o.clkTck = Number(next()); break;
      case '--dump': o.dump = next(); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

const opt = parseArgs(process.argv.slice(2));

// ------------------------------------------------------------------------------------------ messages

// Small deterministic PRNG (mulberry32) so every run sends the same messages.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Frances', 'Edsger', 'Radia',
  'Donald', 'Hedy', 'Alan', 'Sophie', 'Niklaus', 'Karen', 'Tim', 'Anita', 'Bjarne', 'Shafi'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Liskov', 'Thompson', 'Hamilton', 'Ritchie', 'Allen', 'Dijkstra',
  'Perlman', 'Knuth', 'Lamarr', 'Turing', 'Wilson', 'Wirth', 'Jones', 'Berners-Lee', 'Borg', 'Stroustrup', 'Goldwasser'];
const CITIES = ['Lisbon', 'Osaka', 'Nairobi', 'Toronto', 'Krakow', 'Santiago', 'Auckland', 'Reykjavik', 'Pune', 'Lyon'];
const TAGS = ['alpha', 'beta', 'prod', 'staging', 'eu', 'us', 'apac', 'mobile', 'web', 'batch', 'vip', 'trial'];
const STATUS = ['active', 'suspended', 'pending', 'closed'];

/** One JSON text of exactly `size` UTF-8 bytes (ASCII only): an array of user-like records, then padding. */
function makeMessage(r, size, index) {
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const hex = (n) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  const records = [];
  let text = '';
  for (let i = 0; ; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const rec = {
      id: index * 1000 + i,
      uuid: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
      name: `${first} ${last}`,
      email: `${first.toLowerCase()}.${last.toLowerCase()}${Math.floor(r() * 1000)}@example.com`,
      city: pick(CITIES),
      balance: Math.round(r() * 1e7) / 100,
      score: Math.round(r() * 1000) / 1000,
      status: pick(STATUS),
      tags: Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(TAGS)),
      created: new Date(1.6e12 + Math.floor(r() * 1e11)).toISOString(),
    };
    const candidate = JSON.stringify({ seq: index, items: [...records, rec], pad: '' });
    if (candidate.length > size) break;
    records.push(rec);
    text = candidate;
  }
  const base = JSON.stringify({ seq: index, items: records, pad: '' });
  const padLen = size - base.length;
  if (padLen < 0) throw new Error(`size ${size} too small`);
  const pad = Array.from({ length: padLen }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(r() * 26)]).join('');
  text = JSON.stringify({ seq: index, items: records, pad });
  if (Buffer.byteLength(text) !== size) throw new Error('message size mismatch');
  return text;
}

const r = rng(opt.seed);
const pool = Array.from({ length: opt.pool }, (_, i) => makeMessage(r, opt.size, i));
if (opt.dump) {
  // The messages, one a line (JSON text has no raw newlines), for DeflateCost.java.
  writeFileSync(opt.dump, pool.join('\n') + '\n');
  process.exit(0);
}

// ------------------------------------------------------------------------------------------ helpers

function serverCpuSeconds() {
  if (!opt.serverPid) return NaN;
  const stat = readFileSync(`/proc/${opt.serverPid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / opt.clkTck;
}

/** Bytes the server read and wrote through system calls (/proc/PID/io rchar, wchar): frames on the wire. */
function serverIo() {
  if (!opt.serverPid) return { rchar: NaN, wchar: NaN };
  const io = Object.fromEntries(readFileSync(`/proc/${opt.serverPid}/io`, 'utf8').trim().split('\n')
    .map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
  return { rchar: io.rchar, wchar: io.wchar };
}

function connect(index) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${opt.host}:${opt.port}/echo/${index}`, {
      perMessageDeflate: opt.deflate ? { threshold: 0 } : false,
    });
    ws.once('open', () => {
      const ext = ws.extensions || '';
      if (opt.deflate && !ext.includes('permessage-deflate')) {
        reject(new Error(`connection ${index}: permessage-deflate not negotiated (extensions: "${ext}")`));
        return;
      }
      if (!opt.deflate && ext !== '') {
        reject(new Error(`connection ${index}: unexpected extensions "${ext}"`));
        return;
      }
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

async function connectAll(n) {
  const sockets = new Array(n);
  const batch = 100;
  for (let i = 0; i < n; i += batch) {
    const part = [];
    for (let j = i; j < Math.min(n, i + batch); j++) part.push(connect(j).then((ws) => { sockets[j] = ws; }));
    await Promise.all(part);
  }
  return sockets;
}

function fail(message) {
  console.error(`loadgen: ${message}`);
  process.exit(2);
}

// ------------------------------------------------------------------------------------------ hold mode

async function hold() {
  const sockets = await connectAll(opt.conns);
  let echoed = 0;
  const io0 = serverIo();
  if (opt.sendOnce > 0) {
    await Promise.all(sockets.map((ws, i) => new Promise((resolve) => {
      let left = opt.sendOnce;
      let k = 0;
      const send = () => ws.send(pool[(i + k++) % pool.length]);
      ws.on('message', (data) => {
        const expected = pool[(i + k - 1) % pool.length];
        if (data.toString() !== expected) fail(`hold: wrong echo on connection ${i}`);
        echoed++;
        if (--left === 0) resolve(); else send();
      });
      send();
    })));
  }
  const io1 = serverIo();
  let closedEarly = 0;
  for (const ws of sockets) ws.on('close', () => { closedEarly++; });
  const ready = { conns: sockets.length, echoed, extensions: sockets[0].extensions };
  if (echoed > 0 && opt.serverPid) {
    ready.serverReadBytesPerMsg = Math.round((io1.rchar - io0.rchar) / echoed);
    ready.serverWriteBytesPerMsg = Math.round((io1.wchar - io0.wchar) / echoed);
  }
  console.log(`READY ${JSON.stringify(ready)}`);
  const stop = () => {
    if (closedEarly > 0) console.error(`loadgen: ${closedEarly} connections closed by the server while held`);
    for (const ws of sockets) ws.terminate();
    process.exit(closedEarly > 0 ? 3 : 0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setInterval(() => {}, 1 << 30);
}

// ------------------------------------------------------------------------------------------ echo mode

async function echo() {
  const sockets = await connectAll(opt.conns);
  let measuring = false;
  let stopped = false;
  let received = 0;
  let counted = 0;
  let sendIndex = 0;

  sockets.forEach((ws, i) => {
    const inFlight = [];
    const send = () => {
      const msg = pool[sendIndex++ % pool.length];
      inFlight.push(msg);
      ws.send(msg);
    };
    ws.on('message', (data, isBinary) => {
      const expected = inFlight.shift();
      if (isBinary || expected === undefined || data.toString() !== expected) {
        fail(`wrong echo on connection ${i} (binary=${isBinary}, length=${data.length})`);
      }
      received++;
      if (measuring) counted++;
      if (!stopped) send();
    });
    ws.on('close', () => { if (!stopped) fail(`connection ${i} closed during the run`); });
    for (let d = 0; d < opt.depth; d++) send();
  });

  await new Promise((res) => setTimeout(res, opt.warmup * 1000));
  const cpu0 = serverCpuSeconds();
  const io0 = serverIo();
  const gen0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  measuring = true;
  await new Promise((res) => setTimeout(res, opt.duration * 1000));
  measuring = false;
  const t1 = process.hrtime.bigint();
  const cpu1 = serverCpuSeconds();
  const io1 = serverIo();
  const gen1 = process.cpuUsage(gen0);
  stopped = true;
  const seconds = Number(t1 - t0) / 1e9;
  const serverCpu = cpu1 - cpu0;
  const result = {
    conns: opt.conns, depth: opt.depth, size: opt.size, deflate: opt.deflate,
    extensions: sockets[0].extensions,
    seconds: +seconds.toFixed(3),
    messages: counted,
    msgPerSec: Math.round(counted / seconds),
    serverCpuSec: +serverCpu.toFixed(2),
    msgPerServerCpuSec: Math.round(counted / serverCpu),
    serverReadBytesPerMsg: Math.round((io1.rchar - io0.rchar) / counted),
    serverWriteBytesPerMsg: Math.round((io1.wchar - io0.wchar) / counted),
    generatorCpuSec: +((gen1.user + gen1.system) / 1e6).toFixed(2),
    totalEchoesVerified: received,
  };
  console.log(JSON.stringify(result));
  for (const ws of sockets) ws.terminate();
  setTimeout(() => process.exit(0), 200);
}

(opt.hold ? hold() : echo()).catch((e) => fail(e.stack || String(e)));
