// Market data: 50 symbols at 10 ticks a second each, 500 updates a second in all. Publications only record
// the latest tick; one requestAnimationFrame callback per frame paints what changed since the last one, so
// the page does at most one repaint of each row per frame however fast ticks come. Frame times are
// measured and exposed as window.marketStats() (the browser test reads it).
import { DuplexClient } from '/client/duplex-client.js';
import { WS_URL, el, showState } from './kit.js';

const $ = (id) => document.getElementById(id);
const WINDOW_MS = 30_000;
const SAMPLES = 240; // frames kept for the statistics, 4 s at 60 Hz

/** The symbols of duplex-server's MarketFeed (same rule: AAXA, ABXB, ...). */
const SYMBOLS = Array.from({ length: 50 }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26) % 26)
  + String.fromCharCode(65 + i % 26) + 'X' + String.fromCharCode(65 + i % 7));

/** symbol -> {row cells, last tick, open price, series of [t, p], dirty} */
const book = new Map();
let selected = new URLSearchParams(location.search).get('symbol') || SYMBOLS[0];
let updates = 0;
let chartDirty = true;

for (const s of SYMBOLS) {
  const cells = { price: el('td', { textContent: '–' }), tick: el('td'), pct: el('td') };
  const row = el('tr', { onclick: () => select(s) }, el('td', { textContent: s }), cells.price, cells.tick, cells.pct);
  book.set(s, { row, cells, tick: null, open: null, series: [], dirty: false, painted: 0 });
  $('ticker').tBodies[0].append(row);
}
select(selected);
$('window').textContent = WINDOW_MS / 1000;

const client = new DuplexClient(WS_URL); // market.* is open to anonymous clients on a demo server
showState(client, $('state'));
for (const s of SYMBOLS) {
  client.subscribe(`market.${s}`, { onPublication: (p) => tick(p.data) }, { recover: false });
}
client.connect().catch((e) => { $('stats').textContent = e.message; });

function tick(d) {
  const b = book.get(d?.s);
  if (!b) return;
  b.tick = d;
  b.open ??= d.p;
  b.series.push([d.t, d.p]);
  b.dirty = true;
  updates++;
  if (d.s === selected) chartDirty = true;
}

function select(s) {
  book.get(selected)?.row.classList.remove('selected');
  selected = book.has(s) ? s : SYMBOLS[0];
  book.get(selected).row.classList.add('selected');
  $('selected').textContent = selected;
  chartDirty = true;
}

// ------------------------------------------------------------------ the frame loop

const frameMs = new Float64Array(SAMPLES); // time between frames: 16.7 at 60 Hz when none is dropped
const workMs = new Float64Array(SAMPLES); // time spent in our callback
let frames = 0;
let intervals = 0;
let lastFrame = 0;

function frame(now) {
  const start = performance.now();
  if (lastFrame) frameMs[intervals++ % SAMPLES] = now - lastFrame;
  lastFrame = now;
  for (const b of book.values()) if (b.dirty) paintRow(b);
  if (chartDirty) paintChart();
  workMs[frames % SAMPLES] = performance.now() - start;
  frames++;
  if (frames % 30 === 0) {
    const st = marketStats();
    $('stats').textContent = `frame ${st.medianFrameMs.toFixed(1)} ms median, ${st.p95FrameMs.toFixed(1)} ms p95 · `
      + `work ${st.medianWorkMs.toFixed(2)} ms · ${updates} ticks`;
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

function paintRow(b) {
  const d = b.tick;
  b.dirty = false;
  b.painted++;
  const pct = ((d.p - b.open) / b.open) * 100;
  b.cells.price.textContent = d.p.toFixed(2);
  b.cells.price.className = d.c >= 0 ? 'up' : 'down';
  b.cells.tick.textContent = (d.c >= 0 ? '+' : '') + d.c.toFixed(3);
  b.cells.tick.className = d.c >= 0 ? 'up' : 'down';
  b.cells.pct.textContent = (pct >= 0 ? '+' : '') + pct.toFixed(2) + '%';
  b.cells.pct.className = pct >= 0 ? 'up' : 'down';
  const cut = Date.now() - WINDOW_MS;
  let drop = 0;
  while (drop < b.series.length && b.series[drop][0] < cut) drop++;
  if (drop > 64) b.series.splice(0, drop); // in chunks: splicing every tick would cost more than it saves
}

const canvas = $('chart');
const ctx = canvas.getContext('2d');

function paintChart() {
  chartDirty = false;
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const b = book.get(selected);
  const now = Date.now();
  const pts = b.series.filter(([t]) => t >= now - WINDOW_MS);
  if (pts.length < 2) {
    ctx.fillStyle = '#6b7580';
    ctx.font = '14px system-ui';
    ctx.fillText('waiting for ticks…', 12, 24);
    return;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const [, p] of pts) {
    lo = Math.min(lo, p);
    hi = Math.max(hi, p);
  }
  const pad = Math.max((hi - lo) * 0.1, hi * 0.0005);
  lo -= pad;
  hi += pad;
  const left = 8;
  const right = w - 64;
  const x = (t) => left + ((t - (now - WINDOW_MS)) / WINDOW_MS) * (right - left);
  const y = (p) => 10 + (1 - (p - lo) / (hi - lo)) * (h - 30);
  ctx.strokeStyle = '#eaeef2';
  ctx.fillStyle = '#6b7580';
  ctx.font = '12px system-ui';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const p = lo + ((hi - lo) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y(p));
    ctx.lineTo(right, y(p));
    ctx.stroke();
    ctx.fillText(p.toFixed(2), right + 6, y(p) + 4);
  }
  const last = pts[pts.length - 1][1];
  ctx.strokeStyle = last >= pts[0][1] ? '#1a7f37' : '#cf222e';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  pts.forEach(([t, p], i) => (i ? ctx.lineTo(x(t), y(p)) : ctx.moveTo(x(t), y(p))));
  ctx.stroke();
  ctx.fillText(`${WINDOW_MS / 1000} s ago`, left, h - 4);
  ctx.fillText('now', right - 22, h - 4);
}

function median(a, n) {
  const s = Array.from(a.subarray(0, n)).sort((p, q) => p - q);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

/** What the page has done so far; the browser test asserts on it. */
function marketStats() {
  const n = Math.min(intervals, SAMPLES);
  const sorted = Array.from(frameMs.subarray(0, n)).sort((p, q) => p - q);
  return {
    frames,
    medianFrameMs: median(frameMs, n),
    p95FrameMs: sorted.length ? sorted[Math.floor(sorted.length * 0.95)] : NaN,
    medianWorkMs: median(workMs, Math.min(frames, SAMPLES)),
    updates,
    rows: $('ticker').tBodies[0].rows.length,
    rowsPainted: [...book.values()].filter((b) => b.painted > 0).length,
  };
}
window.marketStats = marketStats;
