// Shared by the tests in test/: where the real `duplex serve` is, and small waiting helpers. It lives outside
// test/ because `node --test test/` runs every .js file under a folder named test.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { DuplexClient } from '../src/duplex-client.js';

export const URL_ = process.env.DUPLEX_URL;
export const API_KEY = process.env.DUPLEX_API_KEY;
if (!URL_) {
  throw new Error('set DUPLEX_URL (e.g. ws://127.0.0.1:8080/ws) and DUPLEX_API_KEY to a running `duplex serve`');
}
export const HTTP = URL_.replace(/^ws/, 'http').replace(/\/ws$/, '');

/** A topic no other test uses. */
export function topic(name) {
  return `js.${name}.${randomBytes(4).toString('hex')}`;
}

/** Fast reconnects and no heartbeat unless a test asks for them. */
export function client(options = {}, url = URL_) {
  return new DuplexClient(url, {
    reconnect: { initialDelay: 50, factor: 1.5, maxDelay: 500, jitter: 0.2 },
    heartbeat: false,
    connectTimeout: 3000,
    ...options,
  });
}

export async function waitFor(what, predicate, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves with the next `event` the emitter fires that matches. */
export function next(emitter, event, match = () => true, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    const fn = (arg) => {
      if (!match(arg)) return;
      clearTimeout(timer);
      emitter.off(event, fn);
      resolve(arg);
    };
    emitter.on(event, fn);
  });
}

/** POST /api/publish, the backend's way in (publications without `user`). */
export async function apiPublish(t, data) {
  const res = await fetch(`${HTTP}/api/publish`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ topic: t, data }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

/** An HS256 JWT (RFC 7519) made with node:crypto. */
export function jwt(secret, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** Whether the server has the HTTP fallback (/http/open) yet. */
export async function hasHttpFallback() {
  try {
    const res = await fetch(`${HTTP}/http/open`, { method: 'OPTIONS' });
    await res.arrayBuffer();
    return res.status !== 404;
  } catch {
    return false;
  }
}
