// Notifications: a user subscribes to `notify.<user>`, which only their token allows, and backends push to it
// through the HTTP API. The last position seen (epoch, offset) is kept in localStorage with the inbox, so a
// user who comes back gets exactly what was published while they were away (protocol.md "Recovery").
import { DuplexClient } from '/client/duplex-client.js';
import { WS_URL, demoToken, el, showState } from './kit.js';

const $ = (id) => document.getElementById(id);
const KEEP = 50;
const LAST_USER = 'duplex-demo.notify.user';

let user;
let client;
let store; // {pos: {epoch, offset} | undefined, items: [{epoch, offset, title, body, priority, at, missed}]}

const storeKey = () => `duplex-demo.notify.${user}`;
const save = () => localStorage.setItem(storeKey(), JSON.stringify(store));

const params = new URLSearchParams(location.search);
const remembered = params.get('user') || localStorage.getItem(LAST_USER);
$('name').value = remembered || '';
$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  signIn($('name').value.trim());
});
if (remembered) signIn(remembered);

async function signIn(name) {
  $('login-error').textContent = '';
  try {
    await demoToken(name);
  } catch (e) {
    $('login-error').textContent = e.message;
    return;
  }
  user = name;
  localStorage.setItem(LAST_USER, user);
  try {
    store = JSON.parse(localStorage.getItem(storeKey())) || { items: [] };
  } catch {
    store = { items: [] };
  }
  for (const it of store.items) it.missed = false; // "missed" is news of this visit only
  $('login').hidden = true;
  $('inbox').hidden = false;
  $('who').textContent = user;
  $('me').textContent = `signed in as ${user}`;
  renderCurl();
  render();

  client = new DuplexClient(WS_URL, { getToken: () => demoToken(user) });
  showState(client, $('state'));
  const topic = `notify.${user}`;
  const from = store.pos;
  let ack; // the latest subscribe answer
  const sub = client.subscribe(topic, {
    onSubscribed: async (ctx) => {
      ack = ctx;
      $('inbox').dataset.subscribed = 'true';
      if (ctx.resubscribed) return; // a reconnect: the client recovered from its own position
      if (!from) {
        status('');
      } else if (ctx.recovered === true) {
        $('inbox').dataset.recovery = 'server';
        status(ctx.missed ? `${ctx.missed} new while you were away` : 'nothing new while you were away');
      } else if (ctx.recovered === false) {
        // The server lost the topic's history (restart) or it expired: what it still holds is the best we have.
        await catchUp(topic, undefined, ctx, 'the server could not tell what you missed; showing what it holds');
      } else {
        // A client that does not take a starting position: read what came after it instead.
        $('inbox').dataset.recovery = 'history';
        await catchUp(topic, from, ctx, null);
      }
      store.pos = { epoch: ctx.epoch, offset: Math.max(ctx.offset, store.pos?.epoch === ctx.epoch ? store.pos.offset : 0) };
      save();
    },
    onPublication: (p) => {
      // Replayed ones (at or before the subscribe ack's position) are those published while away.
      add(p, from !== undefined && !ack.resubscribed && p.epoch === ack.epoch && p.offset <= ack.offset);
    },
    onError: (e) => status(`cannot subscribe: ${e.message}`),
  }, { recover: from ? { epoch: from.epoch, offset: from.offset } : true });
  client.connect().catch((e) => status(e.message));
}

async function catchUp(topic, since, ctx, note) {
  try {
    const h = await client.history(topic, since ? { since } : {});
    const missed = h.publications.filter((p) => p.epoch === ctx.epoch && p.offset <= ctx.offset);
    missed.forEach((p) => add(p, true));
    status(note || (h.complete ? `${missed.length} new while you were away`
      : `${missed.length} new while you were away; older ones expired`));
  } catch (e) {
    status(e.code === 'not_found' ? note || '' : `history: ${e.message}`);
  }
}

function add(p, missed) {
  if (store.items.some((it) => it.epoch === p.epoch && it.offset === p.offset)) return;
  const d = p.data && typeof p.data === 'object' ? p.data : { title: String(p.data) };
  const priority = ['low', 'normal', 'high'].includes(d.priority) ? d.priority : 'normal';
  store.items.unshift({ epoch: p.epoch, offset: p.offset, title: String(d.title ?? '(no title)'),
    body: d.body === undefined ? '' : String(d.body), priority, at: Date.now(), missed });
  // Newest first; history read after live ones arrived must not end up above them.
  store.items.sort((a, b) => (a.epoch === b.epoch ? b.offset - a.offset : b.at - a.at));
  store.items.length = Math.min(store.items.length, KEEP);
  if (!store.pos || store.pos.epoch !== p.epoch || store.pos.offset < p.offset) store.pos = { epoch: p.epoch, offset: p.offset };
  save();
  render();
}

function render() {
  $('list').replaceChildren(...store.items.map((it) => el('li', { className: `priority-${it.priority}` },
    el('span', { className: 'title', textContent: it.title }),
    el('span', { className: 'meta', textContent: `${it.priority} · ${new Date(it.at).toLocaleTimeString()}` }),
    it.missed ? el('span', { className: 'missed', textContent: 'while away' }) : null,
    it.body ? el('div', { className: 'body', textContent: it.body }) : null)));
  $('empty').hidden = store.items.length > 0;
}

function status(text) {
  $('status').textContent = text;
}

function payload() {
  return { topic: `notify.${user}`, data: { title: $('title').value, priority: $('priority').value } };
}

/** The line a backend runs; the key stays a placeholder unless one was typed in. */
function renderCurl() {
  const key = $('key').value.trim() || '<key printed by duplex serve>';
  const body = JSON.stringify(payload()).replaceAll("'", "'\\''");
  $('curl').textContent = `curl -X POST ${location.origin}/api/publish -H 'X-API-Key: ${key}' `
    + `-H 'Content-Type: application/json' -d '${body}'`;
  $('push').disabled = !$('key').value.trim();
}
for (const id of ['title', 'priority', 'key']) $(id).addEventListener('input', renderCurl);

$('push').addEventListener('click', async () => {
  const res = await fetch('/api/publish', {
    method: 'POST',
    headers: { 'X-API-Key': $('key').value.trim(), 'Content-Type': 'application/json' },
    body: JSON.stringify(payload()),
  });
  $('push-result').textContent = `${res.status} ${await res.text()}`;
});
$('copy').addEventListener('click', () => navigator.clipboard?.writeText($('curl').textContent));
$('clear').addEventListener('click', () => {
  store.items = [];
  save();
  render();
});
$('signout').addEventListener('click', () => {
  localStorage.removeItem(LAST_USER);
  location.href = location.pathname;
});
