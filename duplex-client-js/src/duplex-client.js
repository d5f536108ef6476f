// Duplex client: the protocol of docs/protocol.md over WebSocket, SSE or long-polling.
//
// One ES module, no runtime dependencies in browsers. In Node it uses the global WebSocket when there is one,
// else the `ws` package (imported on first use), and the global `fetch` for the HTTP transports.
//
// Layout: wire constants and the binary codec (pure), three transports (thin I/O shells with one small
// interface), then Subscription and DuplexClient, which hold all the session logic. Everything runs on the
// one JavaScript thread; no method is re-entrant across an await except where noted.

const SUBPROTOCOL = 'duplex.v1';
/** protocol.md "Connecting": browsers cannot set headers, so the token rides as an extra subprotocol. */
const BEARER_SUBPROTOCOL = 'duplex.bearer.';
/** protocol.md "Binary frames": the first byte of a frame. */
const KIND_PUBLICATION = 0x01;
const KIND_PUBLISH = 0x02;
const FLAG_EXCLUDE_SELF = 0x01;
/** Binary publish ids are 4 bytes unsigned; JSON ids may go to 2^53-1 but share the counter. */
const MAX_ID = 0xffffffff;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An error with a stable `code`: the server's codes (protocol.md "Errors") or the client's own ones. */
export class DuplexError extends Error {
  constructor(code, message, extra) {
    super(message || code);
    this.name = 'DuplexError';
    this.code = code;
    if (extra) Object.assign(this, extra);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Binary codec (protocol.md "Binary frames"; all integers big-endian, strings UTF-8 with a 1-byte length)

function toBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('binary data must be an ArrayBuffer, a TypedArray or a DataView');
}

function isBinary(data) {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data);
}

/** Client to server: kind 0x02, flags, id (u32), topic, key (length 0 = none), data. */
export function encodeBinaryPublish(id, topic, key, excludeSelf, data) {
  const t = encoder.encode(topic);
  const k = key ? encoder.encode(key) : new Uint8Array(0);
  if (t.length > 255) throw new DuplexError('bad_request', 'topic is over 255 bytes');
  if (k.length > 255) throw new DuplexError('bad_request', 'a binary publish key is at most 255 bytes');
  const d = toBytes(data);
  const out = new Uint8Array(8 + t.length + k.length + d.length);
  out[0] = KIND_PUBLISH;
  out[1] = excludeSelf ? FLAG_EXCLUDE_SELF : 0;
  new DataView(out.buffer).setUint32(2, id);
  out[6] = t.length;
  out.set(t, 7);
  out[7 + t.length] = k.length;
  out.set(k, 8 + t.length);
  out.set(d, 8 + t.length + k.length);
  return out;
}

/** Server to client: kind 0x01, flags, topic, epoch, offset (u64), user (length 0 = none), data. */
export function decodeBinaryPublication(buffer) {
  const u = new Uint8Array(buffer);
  if (u.length < 2 || u[0] !== KIND_PUBLICATION) throw new DuplexError('bad_frame', 'not a binary publication');
  let p = 2;
  const str = () => {
    const n = u[p++];
    if (n === undefined || p + n > u.length) throw new DuplexError('bad_frame', 'truncated binary publication');
    const s = decoder.decode(u.subarray(p, p + n));
    p += n;
    return s;
  };
  const topic = str();
  const epoch = str();
  if (p + 8 > u.length) throw new DuplexError('bad_frame', 'truncated binary publication');
  const view = new DataView(u.buffer, u.byteOffset, u.byteLength);
  // Offsets stay below 2^53 in practice; hi * 2^32 + lo avoids needing BigInt.
  const offset = view.getUint32(p) * 0x100000000 + view.getUint32(p + 4);
  p += 8;
  const user = str();
  const pub = { topic, epoch, offset, data: u.slice(p).buffer, binary: true };
  if (user) pub.user = user;
  return pub;
}

function base64ToBuffer(s) {
  const bin = atob(s);
  const u = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
  return u.buffer;
}

function randomHex(bytes) {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Events

class Emitter {
  constructor() {
    this._listeners = new Map();
  }
  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return this;
  }
  off(event, fn) {
    this._listeners.get(event)?.delete(fn);
    return this;
  }
  once(event, fn) {
    const wrapper = (arg) => {
      this.off(event, wrapper);
      fn(arg);
    };
    return this.on(event, wrapper);
  }
  _emit(event, arg) {
    for (const fn of [...(this._listeners.get(event) || [])]) {
      try {
        fn(arg);
      } catch (e) {
        // A throwing listener must not break the session; report it asynchronously like a DOM event would.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Transports. Each reports to a sink: open(), text(string), binary(ArrayBuffer), closed({code, reason}) —
// closed exactly once, also after abort(). sendText/sendBinary are only called after the welcome.

let wsImplementation;

async function resolveWebSocket(option) {
  if (option) return option;
  if (globalThis.WebSocket) return globalThis.WebSocket;
  if (!wsImplementation) {
    // A variable specifier keeps browser bundlers from trying to bundle the Node-only package.
    const name = 'ws';
    wsImplementation = (await import(name)).default;
  }
  return wsImplementation;
}

class WebSocketTransport {
  constructor(Ctor, url, token, sink) {
    this.name = 'websocket';
    this._sink = sink;
    this._done = false;
    const protocols = token ? [BEARER_SUBPROTOCOL + token, SUBPROTOCOL] : [SUBPROTOCOL];
    const ws = new Ctor(url, protocols);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => sink.open();
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') sink.text(ev.data);
      else sink.binary(ev.data);
    };
    ws.onclose = (ev) => this._finish(ev.code || 1006, ev.reason || '');
    ws.onerror = () => {}; // onclose follows with the code
    this._ws = ws;
  }
  sendText(text) {
    this._ws.send(text);
  }
  sendBinary(bytes) {
    this._ws.send(bytes);
  }
  close(code = 1000, reason = '') {
    try {
      this._ws.close(code, reason);
    } catch {
      // not open yet
    }
    this._finish(code, reason);
  }
  /** Ends at once, as a dead network would: no closing handshake is waited for. */
  abort(code = 1006, reason = '') {
    const ws = this._ws;
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      if (typeof ws.terminate === 'function') ws.terminate();
      else ws.close();
    } catch {
      // already closed
    }
    this._finish(code, reason);
  }
  _finish(code, reason) {
    if (this._done) return;
    this._done = true;
    const ws = this._ws;
    ws.onopen = ws.onmessage = ws.onclose = null;
    this._sink.closed({ code, reason });
  }
}

/** What SSE and long-polling share: the session secret, POST /http/send in order, /http/close. */
class HttpTransport {
  constructor(base, sink) {
    this._base = base;
    this._sink = sink;
    this._done = false;
    this._outbox = [];
    this._sending = false;
    this._abort = new AbortController();
    /** Set by the client from `welcome.session`. */
    this.session = null;
  }
  _url(path, params) {
    const u = new URL(this._base + path);
    for (const [k, v] of Object.entries(params || {})) u.searchParams.set(k, v);
    return u.toString();
  }
  sendText(text) {
    this._outbox.push(text);
    this._pump();
  }
  sendBinary(bytes) {
    this._outbox.push(bytes);
    this._pump();
  }
  /** One POST at a time keeps requests in order; texts waiting together go in one body. */
  async _pump() {
    if (this._sending || this._done) return;
    this._sending = true;
    try {
      while (this._outbox.length && !this._done) {
        let body;
        let type;
        if (typeof this._outbox[0] === 'string') {
          let n = 0;
          while (n < this._outbox.length && typeof this._outbox[n] === 'string') n++;
          body = this._outbox.splice(0, n).join('\n');
          type = 'text/plain;charset=utf-8';
        } else {
          body = this._outbox.shift();
          type = 'application/octet-stream';
        }
        const res = await fetch(this._url('/http/send', { session: this.session }), {
          method: 'POST',
          headers: { 'Content-Type': type },
          body,
          signal: this._abort.signal,
        });
        await res.arrayBuffer().catch(() => {});
        if (res.status === 404) return this.abort(1006, 'session ended');
        if (res.status === 413) return this.abort(1009, 'message too big');
        if (!res.ok) return this.abort(1006, `send answered ${res.status}`);
      }
    } catch (e) {
      this.abort(1006, `send failed: ${e.message}`);
    } finally {
      this._sending = false;
    }
  }
  close(code = 1000, reason = '') {
    if (this.session && !this._done) {
      fetch(this._url('/http/close', { session: this.session }), { method: 'POST' }).catch(() => {});
    }
    this.abort(code, reason);
  }
  abort(code = 1006, reason = '') {
    if (this._done) return;
    this._done = true;
    this._abort.abort();
    this._sink.closed({ code, reason });
  }
  /** A refusal (401, 403, 429) carries {"code","message"}; report it as the reason. */
  async _refusal(res) {
    const text = await res.text().catch(() => '');
    let reason = `HTTP ${res.status}`;
    try {
      const body = JSON.parse(text);
      if (body && body.message) reason += `: ${body.message}`;
    } catch {
      if (text) reason += `: ${text.slice(0, 200)}`;
    }
    return reason;
  }
}

class SseTransport extends HttpTransport {
  constructor(base, token, sink) {
    super(base, sink);
    this.name = 'sse';
    this._run(token);
  }
  async _run(token) {
    try {
      const headers = { Accept: 'text/event-stream' };
      if (token) headers.Authorization = `Bearer ${token}`;
      const res = await fetch(this._url('/http/sse'), { headers, signal: this._abort.signal, cache: 'no-store' });
      if (!res.ok || !res.body) return this.abort(1006, await this._refusal(res));
      this._sink.open();
      await this._read(res.body.getReader());
      this.abort(1006, 'event stream ended');
    } catch (e) {
      this.abort(1006, `event stream failed: ${e.message}`);
    }
  }
  /** The event-stream format (WHATWG HTML 9.2.6): data lines joined by \n make one frame; ':' is a comment. */
  async _read(reader) {
    const textDecoder = new TextDecoder();
    let buf = '';
    let data = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done || this._done) return;
      buf += textDecoder.decode(value, { stream: true });
      let nl;
      while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + (buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1));
        if (line === '') {
          if (data.length) this._sink.text(data.join('\n'));
          data = [];
          if (this._done) return;
        } else if (line.startsWith('data')) {
          const colon = line.indexOf(':');
          if (colon === 4) data.push(line.slice(line[5] === ' ' ? 6 : 5));
          else if (line === 'data') data.push('');
        }
        // comments (':') and the fields event, id, retry have no meaning here
      }
    }
  }
}

class PollingTransport extends HttpTransport {
  constructor(base, token, sink) {
    super(base, sink);
    this.name = 'polling';
    this._run(token);
  }
  async _run(token) {
    let seq;
    try {
      const headers = {};
      if (token) headers.Authorization = `Bearer ${token}`;
      const res = await fetch(this._url('/http/open'), { method: 'POST', headers, signal: this._abort.signal });
      if (!res.ok) return this.abort(1006, await this._refusal(res));
      seq = res.headers.get('X-Duplex-Seq') || '1';
      const body = await res.text();
      this._sink.open();
      if (body) this._sink.text(body);
    } catch (e) {
      return this.abort(1006, `open failed: ${e.message}`);
    }
    let failures = 0;
    while (!this._done) {
      try {
        const res = await fetch(this._url('/http/poll', { session: this.session, ack: seq }), {
          signal: this._abort.signal,
          cache: 'no-store',
        });
        if (res.status === 404) return this.abort(1006, 'session ended');
        if (!res.ok) throw new Error(`poll answered ${res.status}`);
        const body = await res.text();
        failures = 0;
        seq = res.headers.get('X-Duplex-Seq') || seq;
        if (body && !this._done) this._sink.text(body);
      } catch (e) {
        if (this._done) return;
        // The same ack again makes the server repeat a response lost with its connection.
        if (++failures > 3) return this.abort(1006, `poll failed: ${e.message}`);
        await new Promise((r) => setTimeout(r, 250 * failures));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Subscriptions

/**
 * One topic's subscription. It outlives connections: after a reconnect the client subscribes again,
 * recovering from the last (epoch, offset) seen, and reports the outcome with `recovered`.
 */
export class Subscription extends Emitter {
  constructor(client, topic, handlers, options) {
    super();
    this.client = client;
    this.topic = topic;
    /** 'subscribing' | 'subscribed' | 'unsubscribed' */
    this.state = 'subscribing';
    this.epoch = undefined;
    this.offset = undefined;
    this._handlers = handlers || {};
    this._options = { recover: true, ...(options || {}) };
    this._everSubscribed = false;
    this.ready = new Promise((resolve, reject) => {
      this._ready = { resolve, reject };
    });
    this.ready.catch(() => {}); // whoever awaits it still sees the rejection
  }

  unsubscribe() {
    if (this.state === 'unsubscribed') return;
    this.client._unsubscribe(this);
    this._end({ reason: 'client' });
  }

  _end(info) {
    this.state = 'unsubscribed';
    this._ready.reject(new DuplexError('unsubscribed', 'unsubscribed before the server answered'));
    this._fire('unsubscribed', info);
  }

  _fire(event, arg) {
    const handler = this._handlers['on' + event[0].toUpperCase() + event.slice(1)];
    if (handler) {
      try {
        handler(arg);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    this._emit(event, arg);
  }

  _request() {
    const msg = { type: 'subscribe', topic: this.topic };
    if (this._options.recover && this.epoch !== undefined) msg.recover = { epoch: this.epoch, offset: this.offset };
    if (this._options.joinLeave) msg.join_leave = true;
    if (this._options.info !== undefined) msg.info = this._options.info;
    return msg;
  }

  _acked(ack) {
    const resubscribed = this._everSubscribed;
    this._everSubscribed = true;
    this.state = 'subscribed';
    this.epoch = ack.epoch;
    this.offset = ack.offset;
    const ctx = { topic: this.topic, epoch: ack.epoch, offset: ack.offset, resubscribed };
    if (ack.recovered !== undefined) {
      ctx.recovered = ack.recovered;
      ctx.missed = ack.missed || 0;
    }
    this._ready.resolve(ctx);
    this._fire('subscribed', ctx);
    if (ack.recovered === true) this._fire('recovered', ctx);
    else if (ack.recovered === false) this._fire('notRecovered', ctx);
  }

  _publication(pub) {
    if (this.state !== 'subscribed') return;
    this.epoch = pub.epoch;
    this.offset = pub.offset;
    this._fire('publication', pub);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The client

const DEFAULTS = {
  transports: ['websocket', 'sse', 'polling'],
  reconnect: { initialDelay: 1000, factor: 1.5, maxDelay: 30000, jitter: 0.2 },
  heartbeat: { interval: 25000, timeout: 10000 },
  maxQueue: 1000,
  batch: false,
  connectTimeout: 10000,
  autoKey: true,
  /** Refresh the token this long before it expires (at most a fifth of its remaining life). */
  refreshLead: 30000,
  /** After a fallback, try WebSocket again on every n-th connect or once this many ms have passed. */
  websocketRetry: { every: 5, after: 60000 },
};

/**
 * A Duplex connection that survives network failures: it reconnects with backoff, resubscribes with
 * recovery, re-sends unacknowledged keyed publishes, and falls back from WebSocket to SSE to long-polling.
 */
export class DuplexClient extends Emitter {
  constructor(url, options = {}) {
    super();
    this.url = url;
    const o = { ...DEFAULTS, ...options };
    o.reconnect = options.reconnect === false ? false : { ...DEFAULTS.reconnect, ...(options.reconnect || {}) };
    o.heartbeat = options.heartbeat === false ? false : { ...DEFAULTS.heartbeat, ...(options.heartbeat || {}) };
    o.batch = options.batch ? { maxSize: 50, flushInterval: 0, ...options.batch } : false;
    o.websocketRetry = { ...DEFAULTS.websocketRetry, ...(options.websocketRetry || {}) };
    for (const t of o.transports) {
      if (!['websocket', 'sse', 'polling'].includes(t)) throw new TypeError(`unknown transport ${t}`);
    }
    this._o = o;
    this._httpBase = o.httpUrl || httpBaseOf(url);

    /** 'disconnected' | 'connecting' | 'connected' | 'reconnecting' */
    this.state = 'disconnected';
    this.clientId = undefined;
    this.user = undefined;
    this.expiresAt = undefined;
    this.limits = undefined;
    this.transport = undefined;

    this._subs = new Map();
    this._pending = new Map(); // id -> request sent on this connection, waiting for its answer
    this._queue = []; // requests waiting for a connection, in order
    this._nextId = 1;
    this._keyPrefix = randomHex(8);
    this._keyCounter = 0;
    this._t = null; // the transport of the current attempt
    this._welcomed = false;
    this._generation = 0; // bumped by close() and each attempt; stale callbacks compare and leave
    this._attempt = 0;
    this._working = 0; // index in transports of the last one that reached welcome
    this._fallbackConnects = 0;
    this._lastWebSocketTry = 0;
    this._timers = {};
    this._batch = [];
    this._waiters = [];
    /** Test hook: when true, everything the server sends is dropped, as a network losing packets would. */
    this._discardIncoming = false;
  }

  // ----- public API

  /** Starts connecting (and reconnecting until close()). Resolves with the welcome once connected. */
  connect() {
    const p = new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
    if (this.state === 'connected') {
      this._resolveWaiters();
    } else if (this.state === 'disconnected') {
      this._stopped = false;
      this._attempt = 0;
      this._connectNow();
    }
    return p;
  }

  /** Ends the session and stops reconnecting; everything waiting is rejected with code `closed`. */
  close() {
    this._stopped = true;
    this._generation++;
    this._clearTimers();
    const t = this._t;
    this._t = null;
    if (t) t.close(1000, 'client closed');
    const err = new DuplexError('closed', 'the client was closed');
    for (const r of [...this._pending.values(), ...this._queue]) r.reject?.(err);
    this._pending.clear();
    this._queue = [];
    this._batch = [];
    for (const w of this._waiters.splice(0)) w.reject(err);
    for (const sub of this._subs.values()) if (sub.state === 'subscribed') sub.state = 'subscribing';
    const was = this._welcomed || this.state !== 'disconnected';
    this._welcomed = false;
    if (was) this._setState('disconnected', { code: 1000, reason: 'client closed' });
  }

  subscribe(topic, handlers, options) {
    if (this._subs.has(topic)) throw new DuplexError('already_subscribed', `already subscribed to ${topic}`);
    const sub = new Subscription(this, topic, handlers, options);
    this._subs.set(topic, sub);
    if (this._welcomed) this._sendSubscribe(sub);
    return sub;
  }

  getSubscription(topic) {
    return this._subs.get(topic);
  }

  publish(topic, data, options = {}) {
    let key = options.key;
    if (key === undefined) key = this._o.autoKey ? `${this._keyPrefix}-${++this._keyCounter}` : undefined;
    else if (key === false || key === null) key = undefined;
    const id = this._takeId();
    let req;
    if (isBinary(data)) {
      let frame;
      try {
        frame = encodeBinaryPublish(id, topic, key, options.excludeSelf, data);
      } catch (e) {
        return Promise.reject(e);
      }
      req = { id, binary: frame };
    } else {
      const msg = { type: 'publish', id, topic, data };
      if (key !== undefined) msg.key = String(key);
      if (options.excludeSelf) msg.exclude_self = true;
      req = { id, msg };
    }
    // Without a key a retry could store the publication twice, so only keyed ones survive a disconnect.
    req.onLost = key !== undefined ? 'retry' : 'reject';
    req.map = (a) => ({ epoch: a.epoch, offset: a.offset, duplicate: a.duplicate === true });
    return this._enqueue(req);
  }

  presence(topic) {
    return this._enqueue({
      id: this._takeId(),
      msg: { type: 'presence', topic },
      onLost: 'retry',
      map: (a) => {
        const r = { count: a.count, members: a.members || [] };
        if (a.truncated) r.truncated = true;
        return r;
      },
    });
  }

  history(topic, options = {}) {
    const msg = { type: 'history', topic };
    if (options.limit !== undefined) msg.limit = options.limit;
    if (options.since) msg.since = { epoch: options.since.epoch, offset: options.since.offset };
    return this._enqueue({
      id: this._takeId(),
      msg,
      onLost: 'retry',
      map: (a) => ({
        epoch: a.epoch,
        offset: a.offset,
        complete: a.complete,
        publications: (a.publications || []).map(historyPublication),
      }),
    });
  }

  // ----- requests and the outgoing queue

  _takeId() {
    const id = this._nextId;
    this._nextId = id >= MAX_ID ? 1 : id + 1;
    return id;
  }

  _enqueue(req) {
    if (req.msg) req.msg.id = req.id;
    return new Promise((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
      if (this._welcomed) {
        this._send(req);
      } else if (this._queue.length >= this._o.maxQueue) {
        reject(new DuplexError('queue_full', `the outgoing queue holds its maximum of ${this._o.maxQueue} messages while disconnected`));
      } else {
        this._queue.push(req);
      }
    });
  }

  /** Sends on the open session; internal requests (subscribe, ping, refresh) never wait in the queue. */
  _send(req) {
    if (req.id !== undefined && req.resolve) this._pending.set(req.id, req);
    if (req.binary) {
      this._flushBatch();
      this._t.sendBinary(req.binary);
    } else {
      this._sendLine(JSON.stringify(req.msg));
    }
  }

  _internal(msg, onAnswer) {
    const req = { id: this._takeId(), msg, onLost: 'drop' };
    msg.id = req.id;
    req.resolve = (ack) => onAnswer(null, ack);
    req.reject = (err) => onAnswer(err);
    this._send(req);
  }

  _sendLine(line) {
    const b = this._o.batch;
    if (!b) return this._t.sendText(line);
    this._batch.push(line);
    if (this._batch.length >= b.maxSize) return this._flushBatch();
    if (!this._timers.batch) this._timers.batch = setTimeout(() => this._flushBatch(), b.flushInterval);
  }

  _flushBatch() {
    clearTimeout(this._timers.batch);
    this._timers.batch = null;
    if (!this._batch.length || !this._t) return;
    this._t.sendText(this._batch.join('\n'));
    this._batch = [];
  }

  // ----- connecting

  _connectNow() {
    const gen = ++this._generation;
    this._setState('connecting', {});
    const ready = this._o.getToken ? Promise.resolve().then(() => this._o.getToken()) : Promise.resolve(this._o.token);
    ready.then(
      (token) => {
        if (gen === this._generation) this._tryTransports(this._transportOrder(), 0, token, gen);
      },
      (e) => {
        if (gen === this._generation) this._attemptFailed({ code: 0, reason: `getToken failed: ${e && e.message}` });
      },
    );
  }

  /** WebSocket first; after a fallback, keep the one that worked but try WebSocket again now and then. */
  _transportOrder() {
    const list = this._o.transports;
    let start = this._working;
    if (start > 0) {
      const r = this._o.websocketRetry;
      this._fallbackConnects++;
      if (this._fallbackConnects >= r.every || Date.now() - this._lastWebSocketTry >= r.after) start = 0;
    }
    if (start === 0) {
      this._fallbackConnects = 0;
      this._lastWebSocketTry = Date.now();
    }
    return list.slice(start);
  }

  async _tryTransports(order, i, token, gen) {
    const name = order[i];
    let t;
    // Not open, or closed before the welcome: this transport does not work here; try the next one.
    const next = (info) => {
      if (i + 1 < order.length) this._tryTransports(order, i + 1, token, gen);
      else this._attemptFailed(info);
    };
    const current = () => gen === this._generation && t !== undefined && t === this._t;
    const sink = {
      open: () => {},
      text: (text) => current() && this._onText(text),
      binary: (buf) => current() && this._onBinary(buf),
      closed: (info) => {
        if (!current()) return;
        clearTimeout(this._timers.connect);
        this._t = null;
        if (this._welcomed) this._lost(info);
        else next(info);
      },
    };
    try {
      if (name === 'websocket') {
        const Ctor = await resolveWebSocket(this._o.WebSocket);
        if (gen !== this._generation) return;
        t = new WebSocketTransport(Ctor, this.url, token, sink);
      } else if (name === 'sse') {
        t = new SseTransport(this._httpBase, token, sink);
      } else {
        t = new PollingTransport(this._httpBase, token, sink);
      }
    } catch (e) {
      return next({ code: 1006, reason: `${name}: ${e.message}` });
    }
    this._t = t;
    const limit = this._o.connectTimeout;
    this._timers.connect = setTimeout(() => t.abort(1006, `${name}: no welcome within ${limit} ms`), limit);
  }

  _attemptFailed(info) {
    this._scheduleReconnect(info);
  }

  _scheduleReconnect(info) {
    if (this._stopped || !this._o.reconnect) {
      if (!this._stopped) {
        this._stopped = true;
        if (this.state !== 'disconnected') this._setState('disconnected', info);
        const err = new DuplexError('disconnected', `could not connect (${info.code} ${info.reason})`);
        for (const w of this._waiters.splice(0)) w.reject(err);
      }
      return;
    }
    const r = this._o.reconnect;
    this._attempt++;
    let delay = Math.min(r.maxDelay, r.initialDelay * r.factor ** (this._attempt - 1));
    delay = Math.max(0, Math.round(delay * (1 + r.jitter * (Math.random() * 2 - 1))));
    this._setState('reconnecting', { delay, attempt: this._attempt, code: info.code, reason: info.reason });
    const gen = this._generation;
    this._timers.reconnect = setTimeout(() => {
      if (gen === this._generation && !this._stopped) this._connectNow();
    }, delay);
  }

  /** An established session ended: settle what was in flight, then reconnect. */
  _lost(info) {
    this._welcomed = false;
    this._clearTimers();
    this._batch = [];
    const retry = [];
    const err = new DuplexError('disconnected', `the connection was lost before an answer (${info.code} ${info.reason})`);
    for (const req of this._pending.values()) {
      if (req.onLost === 'retry') retry.push(req);
      else if (req.onLost === 'reject') req.reject(err);
    }
    this._pending.clear();
    // Sent before anything still queued, so they go first again (ids ascend within the wrap).
    retry.sort((a, b) => a.id - b.id);
    this._queue = retry.concat(this._queue);
    for (const sub of this._subs.values()) if (sub.state === 'subscribed') sub.state = 'subscribing';
    this._setState('disconnected', { code: info.code, reason: info.reason });
    this._scheduleReconnect(info);
  }

  // ----- incoming

  _onText(text) {
    if (this._discardIncoming) return;
    for (const line of text.split('\n')) {
      if (!line) continue;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        this._emit('error', new DuplexError('bad_message', 'the server sent a line that is not JSON'));
        continue;
      }
      this._onMessage(msg);
      if (!this._t) return; // the message ended the session
    }
  }

  _onBinary(buf) {
    if (this._discardIncoming) return;
    let pub;
    try {
      pub = decodeBinaryPublication(buf);
    } catch (e) {
      return this._emit('error', e);
    }
    this._subs.get(pub.topic)?._publication(pub);
  }

  _onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        return this._onWelcome(msg);
      case 'ack':
      case 'error':
        return this._onAnswer(msg);
      case 'pub': {
        const pub = { topic: msg.topic, epoch: msg.epoch, offset: msg.offset, data: msg.data };
        if (msg.user !== undefined) pub.user = msg.user;
        return this._subs.get(msg.topic)?._publication(pub);
      }
      case 'join':
      case 'leave': {
        const sub = this._subs.get(msg.topic);
        if (sub && sub.state === 'subscribed') sub._fire(msg.type, { topic: msg.topic, member: msg.member });
        return;
      }
      case 'unsubscribed': {
        const sub = this._subs.get(msg.topic);
        if (sub) {
          this._subs.delete(msg.topic);
          sub._end({ reason: msg.reason });
        }
        return;
      }
      case 'token_expired':
        this._emit('tokenExpired', { graceMs: msg.grace_ms });
        return this._refresh();
      case 'binary': // HTTP transports: a binary frame in base64
        return this._onBinary(base64ToBuffer(msg.data));
      case 'close': // HTTP transports: the server ended the session
        return this._t?.abort(msg.code, msg.reason || '');
      default:
        // Later server versions may add types: ignore them (protocol.md "Server to client").
        return;
    }
  }

  _onWelcome(msg) {
    clearTimeout(this._timers.connect);
    this._welcomed = true;
    this._attempt = 0;
    this._working = Math.max(0, this._o.transports.indexOf(this._t.name));
    if (msg.session) this._t.session = msg.session;
    this.clientId = msg.client;
    this.user = msg.user;
    this.expiresAt = msg.expires_at;
    this.limits = msg.limits;
    this.transport = this._t.name;
    this._setState('connected', { transport: this._t.name, client: msg.client, user: msg.user });
    for (const sub of this._subs.values()) this._sendSubscribe(sub);
    const queued = this._queue;
    this._queue = [];
    for (const req of queued) if (this._welcomed) this._send(req);
    this._startHeartbeat();
    this._scheduleRefresh();
    this._resolveWaiters();
  }

  _resolveWaiters() {
    const info = { transport: this.transport, client: this.clientId, user: this.user };
    for (const w of this._waiters.splice(0)) w.resolve(info);
  }

  _onAnswer(msg) {
    if (msg.id === undefined) {
      return this._emit('error', new DuplexError(msg.code, msg.message, { retryAfterMs: msg.retry_after_ms }));
    }
    const req = this._pending.get(msg.id);
    if (!req) return;
    this._pending.delete(msg.id);
    if (msg.type === 'ack') {
      req.resolve(req.map ? req.map(msg) : msg);
    } else {
      const extra = msg.retry_after_ms !== undefined ? { retryAfterMs: msg.retry_after_ms } : undefined;
      req.reject(new DuplexError(msg.code, msg.message, extra));
    }
  }

  _sendSubscribe(sub) {
    sub.state = 'subscribing';
    this._internal(sub._request(), (err, ack) => {
      if (this._subs.get(sub.topic) !== sub) return; // unsubscribed meanwhile
      if (err) {
        if (err.code === 'disconnected' || err.code === 'closed') return; // subscribed again on the next welcome
        this._subs.delete(sub.topic);
        sub._ready.reject(err);
        sub._fire('error', err);
        sub._end({ reason: err.code });
        return;
      }
      sub._acked(ack);
    });
  }

  _unsubscribe(sub) {
    if (this._subs.get(sub.topic) !== sub) return;
    this._subs.delete(sub.topic);
    if (this._welcomed) this._internal({ type: 'unsubscribe', topic: sub.topic }, () => {});
  }

  // ----- heartbeat and token refresh

  _startHeartbeat() {
    const h = this._o.heartbeat;
    if (!h) return;
    const gen = this._generation;
    this._timers.heartbeat = setInterval(() => {
      if (gen !== this._generation || !this._welcomed || this._timers.pingDeadline) return;
      const t = this._t;
      this._timers.pingDeadline = setTimeout(() => {
        // No answer in time: the connection is dead even if the socket does not know it yet.
        if (t === this._t) t.abort(1006, 'heartbeat timeout');
      }, h.timeout);
      this._internal({ type: 'ping' }, () => {
        clearTimeout(this._timers.pingDeadline);
        this._timers.pingDeadline = null;
      });
    }, h.interval);
  }

  _scheduleRefresh() {
    clearTimeout(this._timers.refresh);
    if (!this._o.getToken || !this.expiresAt) return;
    const left = this.expiresAt - Date.now();
    const delay = Math.max(0, left - Math.min(this._o.refreshLead, left / 5));
    this._timers.refresh = setTimeout(() => this._refresh(), delay);
  }

  async _refresh() {
    if (!this._o.getToken || this._refreshing || !this._welcomed) return;
    this._refreshing = true;
    const gen = this._generation;
    try {
      const token = await this._o.getToken();
      if (gen !== this._generation || !this._welcomed) return;
      this._internal({ type: 'refresh', token }, (err, ack) => {
        if (err) {
          if (err.code !== 'disconnected') this._emit('error', err);
          return;
        }
        this.expiresAt = ack.expires_at;
        this._emit('refresh', { expiresAt: ack.expires_at });
        this._scheduleRefresh();
      });
    } catch (e) {
      this._emit('error', new DuplexError('token', `getToken failed: ${e && e.message}`));
    } finally {
      this._refreshing = false;
    }
  }

  // ----- state

  _setState(state, info) {
    this.state = state;
    if (state !== 'connected') this.transport = undefined;
    const event = { state, ...info };
    this._emit('state', event);
    this._emit(state, event);
  }

  _clearTimers() {
    clearTimeout(this._timers.connect);
    clearTimeout(this._timers.reconnect);
    clearTimeout(this._timers.refresh);
    clearTimeout(this._timers.batch);
    clearTimeout(this._timers.pingDeadline);
    clearInterval(this._timers.heartbeat);
    this._timers = {};
  }

  /** Test hook: ends the transport as a dead network would (no close handshake), then reconnects. */
  _dropConnection() {
    this._t?.abort(1006, 'dropped');
  }
}

function historyPublication(p) {
  const pub = { topic: p.topic, epoch: p.epoch, offset: p.offset };
  if (p.user !== undefined) pub.user = p.user;
  if (p.binary !== undefined) {
    pub.data = base64ToBuffer(p.binary);
    pub.binary = true;
  } else {
    pub.data = p.data;
  }
  return pub;
}

/** ws://host:port/ws -> http://host:port: the HTTP fallback lives on the same port, under /http/. */
function httpBaseOf(url) {
  const u = new URL(url);
  u.protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  let path = u.pathname.replace(/\/+$/, '');
  if (path.endsWith('/ws')) path = path.slice(0, -3);
  return `${u.protocol}//${u.host}${path}`;
}

export default DuplexClient;
