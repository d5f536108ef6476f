// Chat: rooms are topics `chat.<room>`. Everyone subscribed is in the room's presence; names come from
// `user_info.name`, which the token's signer vouches for. A newcomer first reads the room's history, then
// gets live messages; after a reconnect the client recovers what it missed on its own.
import { DuplexClient } from '/client/duplex-client.js';
import { WS_URL, demoToken, el, showState } from './kit.js';

const $ = (id) => document.getElementById(id);
const HISTORY = 50;
const rooms = ['lobby', 'random', 'support'];

let client;
let me;
let room;
let sub;
/** client id -> presence member of the current room */
let members = new Map();
/** Publications shown, by "epoch:offset", so history and live delivery never show one twice. */
let shown = new Set();

const params = new URLSearchParams(location.search);
$('name').value = params.get('name') || sessionStorage.getItem('duplex-demo.chat.name') || '';
$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  start($('name').value.trim(), params.get('room') || 'lobby');
});
if (params.get('name')) start(params.get('name'), params.get('room') || 'lobby');

async function start(name, firstRoom) {
  $('login-error').textContent = '';
  try {
    await demoToken(name); // fail here, with the server's reason, before showing the chat
  } catch (e) {
    $('login-error').textContent = e.message;
    return;
  }
  me = name;
  sessionStorage.setItem('duplex-demo.chat.name', name);
  // getToken, not token: every reconnect and refresh gets a fresh one.
  client = new DuplexClient(WS_URL, { getToken: () => demoToken(name) });
  showState(client, $('state'));
  client.on('error', (e) => { $('chat-error').textContent = e.message; });
  $('me').textContent = `signed in as ${name}`;
  $('login').hidden = true;
  $('chat').hidden = false;
  client.connect().catch((e) => { $('chat-error').textContent = e.message; });
  enter(firstRoom);
  $('text').focus();
}

function renderRooms() {
  $('rooms').replaceChildren(...rooms.map((r) => el('li', {
    textContent: `# ${r}`, className: r === room ? 'current' : '', onclick: () => enter(r),
  })));
}

function enter(next) {
  if (next === room) return;
  if (!rooms.includes(next)) rooms.push(next);
  sub?.unsubscribe();
  room = next;
  members = new Map();
  shown = new Set();
  $('log').replaceChildren();
  $('room-title').textContent = `# ${room}`;
  renderRooms();
  renderPeople();
  const topic = `chat.${room}`;
  let backlog = null; // live publications that came while the history was on its way
  sub = client.subscribe(topic, {
    onSubscribed: async (ctx) => {
      if (sub.topic !== topic) return;
      refreshPresence(topic);
      // After a reconnect with recovery the missed messages are replayed: nothing to read.
      if (ctx.resubscribed && ctx.recovered) return;
      backlog = [];
      try {
        const h = await client.history(topic, { limit: HISTORY });
        for (const p of h.publications) if (p.epoch !== ctx.epoch || p.offset <= ctx.offset) addMessage(p, true);
      } catch (e) {
        if (e.code !== 'not_found') notice(`history: ${e.message}`); // not_found: nobody spoke here yet
      }
      const waiting = backlog;
      backlog = null;
      waiting.forEach((p) => addMessage(p, false));
    },
    onPublication: (p) => (backlog ? backlog.push(p) : addMessage(p, false)),
    onJoin: ({ member }) => { members.set(member.client, member); renderPeople(); },
    onLeave: ({ member }) => { members.delete(member.client); renderPeople(); },
    onError: (e) => notice(`cannot enter ${room}: ${e.message}`),
  }, { joinLeave: true, recover: true });
}

async function refreshPresence(topic) {
  try {
    const p = await client.presence(topic);
    if (sub.topic !== topic) return;
    members = new Map(p.members.map((m) => [m.client, m]));
    renderPeople();
  } catch (e) {
    notice(`presence: ${e.message}`);
  }
}

const nameOf = (m) => m.user_info?.name ?? m.user ?? 'anonymous';

function renderPeople() {
  // One line per person: a user with two tabs open is one name, with the count of its sessions.
  const people = new Map();
  for (const m of members.values()) people.set(nameOf(m), (people.get(nameOf(m)) || 0) + 1);
  const names = [...people.keys()].sort();
  $('people').replaceChildren(...names.map((n) => el('li', {
    className: n === me ? 'me' : '', textContent: n + (people.get(n) > 1 ? ` ×${people.get(n)}` : ''),
  })));
  $('count').textContent = names.length ? `(${names.length})` : '';
}

function addMessage(p, fromHistory) {
  const id = `${p.epoch}:${p.offset}`;
  if (shown.has(id) || typeof p.data?.text !== 'string') return;
  shown.add(id);
  const who = p.user ?? 'anonymous';
  const when = p.data.at ? new Date(p.data.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
  const log = $('log');
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 30;
  log.append(el('li', { className: (who === me ? 'mine' : '') + (fromHistory ? ' history' : '') },
    el('span', { className: 'when', textContent: when }), el('span', { className: 'who', textContent: who }),
    el('span', { className: 'text', textContent: p.data.text })));
  if (atBottom || who === me) log.scrollTop = log.scrollHeight;
}

function notice(text) {
  $('log').append(el('li', { className: 'notice', textContent: text }));
}

$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('text');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  try {
    // The message comes back through the subscription, like everyone else's: one order for all.
    await client.publish(`chat.${room}`, { text, at: Date.now() });
    $('chat-error').textContent = '';
  } catch (err) {
    input.value = text;
    $('chat-error').textContent = `not sent: ${err.message}`;
  }
});

$('new-room').addEventListener('submit', (e) => {
  e.preventDefault();
  enter($('room-name').value.trim());
  $('room-name').value = '';
});
