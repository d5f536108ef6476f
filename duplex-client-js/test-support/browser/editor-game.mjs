// Drives the editor and game demo pages in headless Chromium (the system's, through playwright-core, launched
// as interop/browser.mjs does) against a running `duplex serve`, and checks what a user would see.
//
//   node editor-game.mjs --base http://127.0.0.1:PORT [--out docs/demos] [--chromium /usr/bin/chromium]
//                        [--timeout 90000] [--seed 12345] [--only editor|game]
//
// Prints one JSON line per check ({"check","ok",...}) and a final {"done":true,"ok":BOOL}; the pages' console
// goes to stderr. Exit status: 0 all checks passed, 1 a check failed, 2 timed out. Screenshots go to
// <out>/editor.png and <out>/game.png. Every wait is bounded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');

function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) fail(`bad argument ${argv[i]}; flags are --name value`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
function fail(message) {
  emit({ done: true, ok: false, error: String(message) });
  process.exit(1);
}

const args = parseArgs(process.argv.slice(2), {
  chromium: '/usr/bin/chromium', timeout: '90000', out: path.join(repo, 'docs/demos'),
  seed: String(Date.now() % 1000000), only: '',
});
if (!args.base) fail('--base is required');
const timeout = Number(args.timeout);
const wait = 15000; // the bound of each single wait
setTimeout(() => {
  emit({ done: true, ok: false, error: `timed out after ${timeout} ms` });
  process.exit(2);
}, timeout).unref();

/** playwright-core: a devDependency of duplex-client-js if installed there, else interop's. */
async function loadPlaywright() {
  for (const dir of [path.join(repo, 'duplex-client-js'), path.join(repo, 'interop')]) {
    try {
      return createRequire(path.join(dir, 'package.json'))('playwright-core');
    } catch { /* next */ }
  }
  fail('playwright-core is in neither duplex-client-js/node_modules nor interop/node_modules');
}
const { chromium } = await loadPlaywright();

/** mulberry32: reproducible positions and pieces; the seed is printed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(Number(args.seed));

let allOk = true;
function check(name, ok, details = {}) {
  allOk &&= ok;
  emit({ check: name, ok, ...details });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function openPage(context, url) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1000, height: 640 });
  const tag = new URL(url).searchParams.get('name');
  page.on('console', (m) => process.stderr.write(`[${tag} ${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => process.stderr.write(`[${tag} error] ${e}\n`));
  return page;
}

// ---------------------------------------------------------------- editor

async function editor(context) {
  const names = ['ann', 'bob', 'cat'];
  const pages = [];
  for (const n of names) {
    const page = await openPage(context, `${args.base}/demo/editor.html?name=${n}`);
    await page.goto(`${args.base}/demo/editor.html?name=${n}`, { timeout: wait });
    await page.waitForFunction(() => window.editorDemo && window.editorDemo.state === 'synchronized', null,
      { timeout: wait });
    pages.push(page);
  }
  const states = () => Promise.all(pages.map((p) => p.evaluate(() => ({
    text: window.editorDemo.text, ot: window.editorDemo.otText, rev: window.editorDemo.rev,
    state: window.editorDemo.state, users: window.editorDemo.users,
  }))));
  /** Polls until every page is synchronized on the same revision and text; returns the last states seen. */
  async function converged() {
    const until = Date.now() + wait;
    let s;
    do {
      s = await states();
      const same = (x) => x.state === 'synchronized' && x.rev === s[0].rev && x.text === s[0].text;
      if (s.every(same)) return { ok: true, s };
      await sleep(50);
    } while (Date.now() < until);
    return { ok: false, s };
  }

  const pieces = [];
  const initial = (await states())[0].text; // the document lives as long as the server
  const bursts = 4;
  for (let b = 1; b <= bursts; b++) {
    const { ok, s } = await converged();
    if (!ok) {
      check('editor-converged', false, { burst: b, states: s });
      return;
    }
    // Caret positions at piece boundaries (start, end, after a '>'), so a piece is never typed inside another.
    const text = s[0].text;
    const boundaries = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '>') boundaries.push(i + 1);
    await Promise.all(pages.map(async (page, i) => {
      const at = boundaries[Math.floor(random() * boundaries.length)];
      let word = '';
      const letters = 3 + Math.floor(random() * 6);
      while (word.length < letters) word += String.fromCharCode(97 + Math.floor(random() * 26));
      const piece = `<${names[i]}${b} ${word}>`;
      pieces.push(piece);
      await page.evaluate((pos) => {
        const ta = document.getElementById('text');
        ta.focus();
        ta.setSelectionRange(pos, pos);
      }, at);
      await page.keyboard.type(piece, { delay: 10 + Math.floor(random() * 25) });
    }));
  }
  const { ok, s } = await converged();
  const text = s[0].text;
  check('editor-converged', ok && s.every((x) => x.ot === x.text),
    { rev: s[0].rev, texts: ok ? undefined : s.map((x) => x.text), length: text.length });
  const authority = await pages[1].evaluate(() => window.editorDemo.authorityText());
  check('editor-authority', authority.text === text && authority.rev === s[0].rev,
    { authorityRev: authority.rev, rev: s[0].rev,
      ...(authority.text === text ? {} : { authority: authority.text, text }) });
  const missing = pieces.filter((p) => !text.includes(p));
  const expectedLength = pieces.reduce((n, p) => n + p.length, initial.length);
  check('editor-pieces', missing.length === 0 && text.length === expectedLength,
    { pieces: pieces.length, missing, length: text.length, expectedLength,
      ...(missing.length ? { text, all: pieces } : {}) });
  // Only the authority may publish answers: a demo token that tries is refused, and the editors saw nothing.
  const forged = await pages[2].evaluate(async () => {
    const { DuplexClient } = await import('/client/duplex-client.js');
    const token = (await (await fetch('/demo/token?name=mallory', { method: 'POST' })).json()).token;
    const c = new DuplexClient(`ws://${location.host}/ws`, { token, reconnect: false });
    try {
      await c.connect();
      await c.publish('editor.demo', { client: 'x', seq: 1, rev: 1, op: ['forged'] });
      return 'accepted';
    } catch (e) {
      return e.code ?? String(e);
    } finally {
      c.close();
    }
  });
  const afterForgery = await converged();
  check('editor-no-forged-answers', forged === 'forbidden' && afterForgery.ok && afterForgery.s[0].text === text,
    { publishToEditorDemo: forged });
  const users = s.map((x) => x.users.join(','));
  check('editor-users', users.every((u) => u === 'ann,bob,cat'), { users });
  fs.mkdirSync(args.out, { recursive: true });
  await pages[0].evaluate(() => document.getElementById('text').setSelectionRange(0, 0));
  await pages[0].screenshot({ path: path.join(args.out, 'editor.png') });
  for (const p of pages) await p.close();
}

// ---------------------------------------------------------------- game

/** Parses a binary frame of docs/protocol.md "Binary frames" (publish 0x02 or publication 0x01). */
function parseFrame(buf) {
  const kind = buf[0];
  let i = 2;
  if (kind === 0x02) i += 4;
  const topicLen = buf[i];
  const topic = buf.subarray(i + 1, i + 1 + topicLen).toString('utf8');
  i += 1 + topicLen;
  if (kind === 0x02) {
    i += 1 + buf[i]; // key
  } else {
    i += 1 + buf[i]; // epoch
    i += 8; // offset
    i += 1 + buf[i]; // user
  }
  const data = buf.subarray(i);
  return { kind, flags: buf[1], topic, data, pid: data.length === 11 ? data.readUInt16BE(1) : -1 };
}

function countFrames(page) {
  const c = { textSent: 0, textSentArena: 0, binSent: [], binReceived: [] };
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      if (typeof f.payload === 'string') {
        c.textSent++;
        if (f.payload.includes('game.arena') && f.payload.includes('"publish"')) c.textSentArena++;
      } else {
        c.binSent.push(parseFrame(f.payload));
      }
    });
    ws.on('framereceived', (f) => {
      if (typeof f.payload !== 'string') c.binReceived.push(parseFrame(f.payload));
    });
  });
  return c;
}

/** Distance from p to the polyline. */
function distanceToPath(points, p) {
  let best = Infinity;
  for (let i = 1; i < points.length; i++) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - ax) * (bx - ax) + (p.y - ay) * (by - ay)) / len2));
    best = Math.min(best, Math.hypot(p.x - (ax + t * (bx - ax)), p.y - (ay + t * (by - ay))));
  }
  return best;
}

async function game(context) {
  const mover = await openPage(context, `${args.base}/demo/game.html?name=mover`);
  const watcher = await openPage(context, `${args.base}/demo/game.html?name=watcher`);
  const moverFrames = countFrames(mover);
  const watcherFrames = countFrames(watcher);
  for (const [page, n] of [[mover, 'mover'], [watcher, 'watcher']]) {
    await page.goto(`${args.base}/demo/game.html?name=${n}`, { timeout: wait });
    await page.waitForFunction(() => window.gameDemo, null, { timeout: wait });
    await page.evaluate(() => window.gameDemo.ready);
  }
  const both = (p) => p.waitForFunction(() => ['mover', 'watcher'].every((n) => window.gameDemo.players.includes(n)),
    null, { timeout: wait }).then(() => true, () => false);
  const presence = [await both(mover), await both(watcher)];
  check('game-presence', presence.every(Boolean), {
    mover: await mover.evaluate(() => window.gameDemo.players),
    watcher: await watcher.evaluate(() => window.gameDemo.players),
  });

  const moverPid = await mover.evaluate(() => window.gameDemo.pid);
  await watcher.evaluate(() => window.gameDemo.followPath([[40, 370]], 1)); // out of the mover's way
  const route = [[80, 80], [560, 80], [560, 320], [120, 320], [320, 200]];
  const speed = 240;
  // Park at the start, let the watcher see it there, then forget what it drew so far.
  await mover.evaluate((p) => window.gameDemo.followPath([p], 1), route[0]);
  await watcher.waitForFunction((p) => {
    const r = window.gameDemo.remoteByName('mover');
    return r && Math.hypot(r.x - p[0], r.y - p[1]) < 0.5;
  }, route[0], { timeout: wait });
  const before = await watcher.evaluate(() => {
    window.gameDemo.trace.length = 0;
    window.gameDemo.arrivals.length = 0;
    return { received: window.gameDemo.stats.received, frames: window.gameDemo.stats.frames };
  });
  const sentBefore = moverFrames.binSent.length;
  const moverFramesBefore = await mover.evaluate(() => window.gameDemo.stats.frames);
  const started = Date.now();
  const run = mover.evaluate(([p, s]) => window.gameDemo.followPath(p, s), [route, speed]);
  await sleep(2500);
  fs.mkdirSync(args.out, { recursive: true });
  await watcher.screenshot({ path: path.join(args.out, 'game.png') });
  await run;
  const seconds = (Date.now() - started) / 1000;
  const end = route[route.length - 1];
  const arrived = await watcher.waitForFunction((p) => {
    const r = window.gameDemo.remoteByName('mover');
    return r && Math.hypot(r.x - p[0], r.y - p[1]) < 0.5;
  }, end, { timeout: wait }).then(() => true, () => false);
  const after = await watcher.evaluate(() => ({
    received: window.gameDemo.stats.received, frames: window.gameDemo.stats.frames,
    malformed: window.gameDemo.stats.malformed,
  }));
  const { trace, arrivals } = await watcher.evaluate((pid) => ({
    trace: window.gameDemo.trace.filter((t) => t.pid === pid),
    arrivals: window.gameDemo.arrivals.filter((t) => t.pid === pid),
  }), moverPid);

  // The watcher's dot for the mover stays on the path and covers it. Between two updates it cuts a corner of the
  // path; updates that arrive late and bunched (a loaded machine) make the cut deeper, hence the percentile.
  const offs = trace.map((t) => distanceToPath(route, t)).sort((a, b) => a - b);
  const p95 = offs.length ? offs[Math.floor(offs.length * 0.95)] : Infinity;
  const maxOff = offs.length ? offs[offs.length - 1] : Infinity;
  const arrivedOff = arrivals.reduce((m, t) => Math.max(m, distanceToPath(route, t)), 0);
  let length = 0;
  for (let i = 1; i < route.length; i++) {
    length += Math.hypot(route[i][0] - route[i - 1][0], route[i][1] - route[i - 1][1]);
  }
  const samples = [];
  for (let k = 0; k <= 24; k++) {
    let d = length * k / 24;
    for (let i = 1; i < route.length; i++) {
      const seg = Math.hypot(route[i][0] - route[i - 1][0], route[i][1] - route[i - 1][1]);
      if (d <= seg) {
        samples.push({ x: route[i - 1][0] + (route[i][0] - route[i - 1][0]) * d / seg,
          y: route[i - 1][1] + (route[i][1] - route[i - 1][1]) * d / seg });
        break;
      }
      d -= seg;
    }
  }
  const uncovered = samples.filter((s) => !trace.some((t) => Math.hypot(t.x - s.x, t.y - s.y) < 25)).length;
  check('game-remote-follows-path', trace.length > 0 && arrivedOff < 0.01 && p95 < 4 && maxOff < 80
    && uncovered === 0 && arrived, {
    drawn: trace.length, arrivals: arrivals.length, arrivalsOffPath: Number(arrivedOff.toFixed(3)),
    p95OffPath: Number(p95.toFixed(2)), maxOffPath: Number(maxOff.toFixed(2)), uncoveredSamples: uncovered, arrived,
  });

  // Smooth: many frames draw the dot between two updates, at none of the positions that arrived.
  const between = trace.filter((t) => !arrivals.some((a) => Math.abs(a.x - t.x) < 0.01 && Math.abs(a.y - t.y) < 0.01));
  const updates = after.received - before.received;
  const fps = (after.frames - before.frames) / seconds;
  const moverFps = (await mover.evaluate(() => window.gameDemo.stats.frames) - moverFramesBefore) / seconds;
  check('game-interpolated', between.length >= trace.length * 0.25, {
    framesBetweenUpdates: between.length, framesDrawn: trace.length, updates,
    fps: Number(fps.toFixed(1)), moverFps: Number(moverFps.toFixed(1)),
  });

  // On the wire: binary publishes of 11 bytes to game.arena with exclude_self, about 30 a second; none as JSON.
  const sent = moverFrames.binSent.slice(sentBefore);
  const rate = sent.length / seconds;
  const wellFormed = sent.every((f) => f.kind === 0x02 && f.flags === 1 && f.topic === 'game.arena'
    && f.data.length === 11 && f.pid === moverPid);
  check('game-binary-sent', wellFormed && rate > 24 && rate < 36 && moverFrames.textSentArena === 0,
    { frames: sent.length, perSecond: Number(rate.toFixed(1)), wellFormed, jsonPublishes: moverFrames.textSentArena });
  const got = watcherFrames.binReceived.filter((f) => f.pid === moverPid);
  check('game-binary-received', got.length >= updates && got.every((f) => f.kind === 0x01 && f.topic === 'game.arena')
    && after.malformed === 0, { frames: got.length, updates, malformed: after.malformed });
  const own = moverFrames.binReceived.filter((f) => f.pid === moverPid).length;
  const others = moverFrames.binReceived.filter((f) => f.topic === 'game.arena' && f.pid !== moverPid).length;
  check('game-exclude-self', own === 0 && others > 0, { ownReceived: own, othersReceived: others });
  await mover.close();
  await watcher.close();
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'duplex-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: args.chromium,
    headless: true,
    timeout: wait,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  emit({ seed: Number(args.seed) });
  if (args.only !== 'game') await editor(context);
  if (args.only !== 'editor') await game(context);
} catch (e) {
  check('driver', false, { error: String(e && e.stack || e) });
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
emit({ done: true, ok: allOk });
process.exit(allOk ? 0 : 1);
