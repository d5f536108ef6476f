// The collaborative editor demo: one textarea on document `demo`, kept in step with everyone else's through the
// server's OT authority (docs/collab.md). Local edits are diffed into TextOperations and handed to OtClient;
// remote operations are applied to the textarea with the caret moved as the text around it moved.
//
// For tests, window.editorDemo exposes the state (text, revision, OT state, users) and authorityText(), which
// asks the authority for its copy of the document.
import { DuplexClient } from '/client/duplex-client.js';
import { OtClient, TextOperation, State } from '/client/ot.js';

const DOC = 'demo';
const TOPIC = `editor.${DOC}`;
const IN_TOPIC = `${TOPIC}.in`;

const params = new URLSearchParams(location.search);
const name = params.get('name') || `guest-${Math.floor(Math.random() * 9000 + 1000)}`;

const textarea = document.getElementById('text');
const revEl = document.getElementById('rev');
const stateEl = document.getElementById('state');
const usersEl = document.getElementById('users');
const countEl = document.getElementById('count');
const logEl = document.getElementById('log');

/** What the textarea showed after the last event we handled: the base of the next local diff. */
let shown = '';
/** Presence of editor.demo, by session id. */
const members = new Map();
/** Snapshot requests of authorityText(), by the probe client id they were sent with. */
const probes = new Map();

async function getToken() {
  const r = await fetch(`/demo/token?name=${encodeURIComponent(name)}`, { method: 'POST' });
  if (!r.ok) throw new Error(`token: HTTP ${r.status}`);
  return (await r.json()).token;
}

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const duplex = new DuplexClient(wsUrl, { getToken });

// One id per editing session (docs/collab.md: sequence numbers are per client id).
const ot = new OtClient({
  client: `${name}-${crypto.randomUUID().slice(0, 8)}`,
  send: (data) => duplex.publish(IN_TOPIC, data).catch((e) => showError(`send failed: ${e.message ?? e}`)),
  onSnapshot: (text) => {
    setText(text, 0, 0);
    textarea.readOnly = false;
    logEl.textContent = '';
    render();
  },
  onRemoteOp: (op, text) => {
    const start = transformIndex(op, textarea.selectionStart);
    const end = transformIndex(op, textarea.selectionEnd);
    setText(text, start, end);
    render();
  },
  onResync: (reason) => {
    textarea.readOnly = true; // nothing to edit until the new snapshot arrives
    showError(`out of step (${reason}); reloading the document`);
  },
  onStateChange: render,
});

textarea.addEventListener('input', () => {
  const now = textarea.value;
  if (ot.state === State.JOINING) { // readonly should prevent this; never let the views drift apart
    setText(ot.text, textarea.selectionStart, textarea.selectionEnd);
    return;
  }
  const op = diff(shown, now, textarea.selectionEnd);
  shown = now;
  if (!op.isNoop()) ot.applyLocal(op);
  render();
});

function setText(text, selStart, selEnd) {
  const focused = document.activeElement === textarea;
  textarea.value = text;
  shown = text;
  if (focused || selStart !== 0 || selEnd !== 0) textarea.setSelectionRange(selStart, selEnd);
}

/**
 * The operation that turns `before` into `after`: keep the common start and end, replace the middle. Typed text
 * ends at the caret, so the common start is cut there: typing "<" in front of "<b>" inserts before the old "<",
 * not after it. Both give the same text here, but only the first says where the caret is: text that others
 * insert at the caret must not land inside what is being typed.
 */
export function diff(before, after, caret = after.length) {
  let prefix = 0;
  const maxPrefix = Math.min(before.length, after.length, caret - Math.max(0, after.length - before.length));
  while (prefix < maxPrefix && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  const maxSuffix = Math.min(before.length, after.length) - prefix;
  while (suffix < maxSuffix
    && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  // Never cut a surrogate pair: operations that would are refused (docs/collab.md).
  if (prefix > 0 && isHigh(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLow(before.charCodeAt(before.length - suffix))) suffix--;
  return new TextOperation()
    .retain(prefix)
    .insert(after.slice(prefix, after.length - suffix))
    .delete(before.length - prefix - suffix)
    .retain(suffix);
}

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Where index i of the old text is in the new one. Text inserted exactly at i goes after it: a caret stays in
 * front of what others type there, so one's own typing never lands inside someone else's.
 */
export function transformIndex(op, i) {
  let pos = 0; // in the old text
  let out = i;
  for (const c of op.ops) {
    if (pos >= i) break;
    if (typeof c === 'string') {
      out += c.length;
    } else if (c > 0) {
      pos += c;
    } else {
      out -= Math.min(-c, i - pos);
      pos += -c;
    }
  }
  return out;
}

function render() {
  revEl.textContent = ot.rev >= 0 ? String(ot.rev) : '–';
  stateEl.textContent = ot.state === State.JOINING ? 'loading…'
    : ot.state === State.SYNCHRONIZED ? 'saved' : 'sending…';
  countEl.textContent = String(members.size);
  usersEl.replaceChildren(...[...members.values()].map((m) => {
    const li = document.createElement('li');
    li.textContent = memberName(m);
    if (m.client === duplex.clientId) li.className = 'me';
    return li;
  }));
}

const memberName = (m) => m.info?.name ?? m.user_info?.name ?? m.user ?? `anonymous ${m.client.slice(0, 4)}`;

function showError(text) {
  logEl.textContent = text;
  console.warn(text);
}

function onPublication(pub) {
  const data = pub.data;
  if (data && typeof data.client === 'string' && probes.has(data.client) && typeof data.text === 'string') {
    probes.get(data.client)({ text: data.text, rev: data.rev });
    probes.delete(data.client);
    return;
  }
  ot.handle(data);
}

/** The authority's document and revision: a snapshot asked for with an id of its own, so the editor is untouched. */
function authorityText(timeoutMs = 5000) {
  const probe = `probe-${crypto.randomUUID().slice(0, 12)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      probes.delete(probe);
      reject(new Error(`no snapshot from the authority within ${timeoutMs} ms`));
    }, timeoutMs);
    probes.set(probe, (answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
    duplex.publish(IN_TOPIC, { client: probe, snapshot: true }).catch(reject);
  });
}

/** Who is here: asked once subscribed (again after each reconnect), then kept up to date by join and leave. */
function reloadPresence() {
  duplex.presence(TOPIC).then((p) => {
    members.clear();
    for (const m of p.members) members.set(m.client, m);
    render();
  }, (e) => showError(`presence: ${e.message ?? e}`));
}

async function start() {
  await duplex.connect();
  const sub = duplex.subscribe(TOPIC, {
    onPublication,
    onJoin: ({ member }) => { members.set(member.client, member); render(); },
    onLeave: ({ member }) => { members.delete(member.client); render(); },
    onSubscribed: reloadPresence,
    // Publications were lost while disconnected: the document must be fetched again.
    onNotRecovered: () => ot.join(),
  }, { joinLeave: true, info: { name } });
  await sub.ready;
  ot.join();
  render();
}

window.editorDemo = {
  name,
  get text() { return textarea.value; },
  get otText() { return ot.text; },
  get rev() { return ot.rev; },
  get state() { return ot.state; },
  get users() { return [...members.values()].map(memberName).sort(); },
  authorityText,
  ready: start().then(() => true, (e) => { showError(`could not connect: ${e.message ?? e}`); throw e; }),
};
