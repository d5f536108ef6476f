// Shared by the demo pages: where the server is, a named token from it, and two DOM helpers.

/** The WebSocket endpoint of the server that served this page. */
export const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

/**
 * A token whose `sub` and `info.name` are `name`, from `POST /demo/token` (served only by a `duplex serve`
 * without a JWT key of its own; a real app gets its tokens from its own backend instead).
 */
export async function demoToken(name, ttlSeconds) {
  const q = new URLSearchParams({ name });
  if (ttlSeconds) q.set('ttl', String(ttlSeconds));
  const res = await fetch(`/demo/token?${q}`, { method: 'POST' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || `POST /demo/token answered ${res.status}`);
  return body.token;
}

/** `el('li', {className: 'me'}, 'text', child)`: an element with properties and children. */
export function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

/** Mirrors the client's connection state into a badge (`data-state` drives its colour in kit.css). */
export function showState(client, badge) {
  const set = (e) => {
    badge.dataset.state = e.state;
    badge.textContent = e.state === 'connected' ? `connected (${e.transport || client.transport || '?'})`
      : e.state === 'reconnecting' ? `reconnecting in ${Math.round((e.delay || 0) / 1000)} s` : e.state;
  };
  client.on('state', set);
  set({ state: client.state });
}

/** A name as the demos accept it (the rule of POST /demo/token). */
export const NAME_PATTERN = '[A-Za-z0-9_.\\-]{1,32}';
