// The arena demo: every player moves a dot with the arrow keys and publishes its position 30 times a second as a
// binary publication on game.arena (exclude_self: nobody gets their own back). Remote dots are drawn between
// their last two positions, so they move at the screen's frame rate although updates come at 30 Hz.
//
// Payload, 11 bytes, big-endian like the rest of the binary protocol (docs/protocol.md, "Binary frames"):
//   u8 format (1) · u16 player id · f32 x · f32 y
//
// For tests: ?path=x,y;x,y;...&speed=200 (or window.gameDemo.followPath(points, speed)) moves along a path
// instead of the keys; window.gameDemo exposes positions, players, a trace of drawn remote positions and counts.
import { DuplexClient } from '/client/duplex-client.js';

const TOPIC = 'game.arena';
const RATE_HZ = 30;
const SPEED = 220; // px/s with the keys
const FORMAT = 1;
const PAYLOAD_BYTES = 11;
const RADIUS = 9;
const TRACE_MAX = 20000;

const params = new URLSearchParams(location.search);
const name = params.get('name') || `player-${Math.floor(Math.random() * 9000 + 1000)}`;
const pid = 1 + Math.floor(Math.random() * 65534);
const color = colorOf(pid);

const canvas = document.getElementById('arena');
const ctx = canvas.getContext('2d');
const statusEl = document.getElementById('status');
const playersEl = document.getElementById('players');
const countEl = document.getElementById('count');
const logEl = document.getElementById('log');

const me = { x: 60 + Math.random() * (canvas.width - 120), y: 60 + Math.random() * (canvas.height - 120) };
const keys = new Set();
/** Remote players by player id: the last two updates (position and arrival time) and where they are drawn. */
const remotes = new Map();
/** Presence members of game.arena by session id; info carries name, pid and color. */
const members = new Map();
/** A scripted path being followed: {points, speed, started, length, resolve}. */
let script = null;
const stats = { sent: 0, received: 0, malformed: 0, frames: 0, publishErrors: 0 };
/** What was drawn for remote players (one entry per frame and player) and what arrived, for tests. */
const trace = [];
const arrivals = [];

async function getToken() {
  const r = await fetch(`/demo/token?name=${encodeURIComponent(name)}`, { method: 'POST' });
  if (!r.ok) throw new Error(`token: HTTP ${r.status}`);
  return (await r.json()).token;
}

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const duplex = new DuplexClient(wsUrl, { getToken });

function colorOf(id) {
  return `hsl(${(id * 137.508) % 360} 75% 60%)`;
}

function encode(x, y) {
  const view = new DataView(new ArrayBuffer(PAYLOAD_BYTES));
  view.setUint8(0, FORMAT);
  view.setUint16(1, pid);
  view.setFloat32(3, x);
  view.setFloat32(7, y);
  return view;
}

function decode(data) {
  let view;
  if (data instanceof ArrayBuffer) view = new DataView(data);
  else if (ArrayBuffer.isView(data)) view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  else return null;
  if (view.byteLength !== PAYLOAD_BYTES || view.getUint8(0) !== FORMAT) return null;
  const x = view.getFloat32(3);
  const y = view.getFloat32(7);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  return { pid: view.getUint16(1), x, y };
}

function onPublication(pub) {
  const u = decode(pub.data);
  if (!u) {
    stats.malformed++;
    return;
  }
  stats.received++;
  const t = performance.now();
  let r = remotes.get(u.pid);
  if (!r) {
    r = { pid: u.pid, prev: null, last: null, x: u.x, y: u.y, updates: 0 };
    remotes.set(u.pid, r);
    renderPlayers();
  }
  r.prev = r.last ?? { x: u.x, y: u.y, t };
  r.last = { x: u.x, y: u.y, t };
  r.updates++;
  if (arrivals.length < TRACE_MAX) arrivals.push({ t, pid: u.pid, x: u.x, y: u.y });
}

// No key: a position is worth nothing after a reconnect, so it is not retried (and the server keeps no key).
function publishPosition() {
  if (duplex.state !== 'connected') return;
  moveMe(performance.now());
  duplex.publish(TOPIC, encode(me.x, me.y), { excludeSelf: true, key: false }).then(
    () => { stats.sent++; },
    (e) => { stats.publishErrors++; logEl.textContent = `publish failed: ${e.message ?? e}`; });
}

/** Follows points [[x, y], ...] at speed px/s; resolves when the end is reached. */
function followPath(points, speed = 200) {
  if (!Array.isArray(points) || points.length === 0) throw new TypeError('points: [[x, y], ...]');
  let length = 0;
  for (let i = 1; i < points.length; i++) {
    length += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
  }
  script?.resolve(false);
  return new Promise((resolve) => {
    script = { points, speed, started: performance.now(), length, resolve };
  });
}

/** The point at distance d along the path. */
function along(points, d) {
  for (let i = 1; i < points.length; i++) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    const seg = Math.hypot(bx - ax, by - ay);
    if (d <= seg) return seg === 0 ? { x: bx, y: by } : { x: ax + (bx - ax) * d / seg, y: ay + (by - ay) * d / seg };
    d -= seg;
  }
  const [x, y] = points[points.length - 1];
  return { x, y };
}

/** Moves this player up to time now: on every frame and before every publish (frames may be throttled). */
let lastMove = performance.now();
function moveMe(now) {
  const dt = Math.min(0.1, Math.max(0, now - lastMove) / 1000);
  lastMove = Math.max(lastMove, now);
  if (script) {
    const d = (now - script.started) / 1000 * script.speed;
    Object.assign(me, along(script.points, d));
    if (d >= script.length) {
      const done = script.resolve;
      script = null;
      done(true);
    }
    return;
  }
  const dx = (keys.has('ArrowRight') ? 1 : 0) - (keys.has('ArrowLeft') ? 1 : 0);
  const dy = (keys.has('ArrowDown') ? 1 : 0) - (keys.has('ArrowUp') ? 1 : 0);
  if (dx === 0 && dy === 0) return;
  const k = SPEED * dt / Math.hypot(dx, dy);
  me.x = Math.min(canvas.width - RADIUS, Math.max(RADIUS, me.x + dx * k));
  me.y = Math.min(canvas.height - RADIUS, Math.max(RADIUS, me.y + dy * k));
}

/** Between the last two updates: at an update's arrival the dot is at the one before and glides to it. */
function interpolate(r, now) {
  const span = Math.max(1, r.last.t - r.prev.t);
  const a = Math.min(1, Math.max(0, (now - r.last.t) / span));
  r.x = r.prev.x + (r.last.x - r.prev.x) * a;
  r.y = r.prev.y + (r.last.y - r.prev.y) * a;
}

function playerName(id) {
  for (const m of members.values()) if (m.info?.pid === id) return m.info.name ?? m.user;
  return `player ${id}`;
}

function dot(x, y, fill, label, mine) {
  ctx.beginPath();
  ctx.arc(x, y, RADIUS, 0, Math.PI * 2);
  ctx.fillStyle = fill;
  ctx.fill();
  if (mine) {
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#fff';
    ctx.stroke();
  }
  ctx.fillStyle = '#cfd6e4';
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText(label, x, y - RADIUS - 5);
}

function frame(now) {
  stats.frames++;
  moveMe(now);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (const r of remotes.values()) {
    interpolate(r, now);
    if (trace.length < TRACE_MAX) trace.push({ t: now, pid: r.pid, x: r.x, y: r.y });
    dot(r.x, r.y, colorOf(r.pid), playerName(r.pid), false);
  }
  dot(me.x, me.y, color, `${name} (you)`, true);
  statusEl.textContent = `${Math.round(me.x)}, ${Math.round(me.y)} · sent ${stats.sent} · received ${stats.received}`;
  requestAnimationFrame(frame);
}

function renderPlayers() {
  const list = [...members.values()].filter((m) => m.info?.pid !== undefined);
  countEl.textContent = String(list.length);
  playersEl.replaceChildren(...list.map((m) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = colorOf(m.info.pid);
    li.append(sw, m.info.name ?? m.user ?? 'anonymous');
    if (m.client === duplex.clientId) li.className = 'me';
    return li;
  }));
}

function onLeave(member) {
  members.delete(member.client);
  if (member.info?.pid !== undefined) remotes.delete(member.info.pid);
  renderPlayers();
}

addEventListener('keydown', (e) => {
  if (e.key.startsWith('Arrow')) {
    keys.add(e.key);
    e.preventDefault();
  }
});
addEventListener('keyup', (e) => keys.delete(e.key));
addEventListener('blur', () => keys.clear());

/** Who is here: asked once subscribed (again after each reconnect), then kept up to date by join and leave. */
function reloadPresence() {
  duplex.presence(TOPIC).then((p) => {
    members.clear();
    for (const m of p.members) members.set(m.client, m);
    renderPlayers();
  }, (e) => { logEl.textContent = `presence: ${e.message ?? e}`; });
}

async function start() {
  await duplex.connect();
  const sub = duplex.subscribe(TOPIC, {
    onPublication,
    onJoin: ({ member }) => { members.set(member.client, member); renderPlayers(); },
    onLeave: ({ member }) => onLeave(member),
    onSubscribed: reloadPresence,
  }, { joinLeave: true, info: { name, pid, color }, recover: false });
  await sub.ready;
  setInterval(publishPosition, 1000 / RATE_HZ);
  canvas.focus();
}

requestAnimationFrame(frame);

window.gameDemo = {
  name,
  pid,
  get me() { return { x: me.x, y: me.y }; },
  get players() { return [...members.values()].filter((m) => m.info?.pid !== undefined).map((m) => m.info.name); },
  remote(id) {
    const r = id === undefined ? remotes.values().next().value : remotes.get(id);
    return r ? { pid: r.pid, x: r.x, y: r.y, updates: r.updates } : null;
  },
  remoteByName(n) {
    for (const m of members.values()) if (m.info?.name === n) return this.remote(m.info.pid);
    return null;
  },
  trace,
  arrivals,
  stats,
  followPath,
  ready: start().then(() => true, (e) => { logEl.textContent = `could not connect: ${e.message ?? e}`; throw e; }),
};

const scripted = params.get('path');
if (scripted) {
  const points = scripted.split(';').map((p) => p.split(',').map(Number));
  window.gameDemo.ready.then(() => followPath(points, Number(params.get('speed')) || 200));
}
