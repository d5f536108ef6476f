// Operational transformation for collaborative plain-text editing, the client side of docs/collab.md.
// No dependencies; the same algorithm and JSON form as the server's io.duplex.server.ot.TextOperation.
//
// An operation walks the whole document from start to end: retain n (keep n characters), insert a string,
// delete n. Its JSON form is an array: [3, "ab", -2] = retain 3, insert "ab", delete 2. Lengths count UTF-16
// code units (string.length), exactly as Java's String.length() does, so both sides agree on every position.

/** An edit of a plain-text document. Build with retain/insert/delete (chainable) or fromJSON. */
export class TextOperation {
  constructor() {
    /** Canonical components: positive = retain, string = insert, negative = delete. */
    this.ops = [];
    /** Length of the documents this operation applies to. */
    this.baseLength = 0;
    /** Length of the document it leaves. */
    this.targetLength = 0;
  }

  retain(n) {
    checkCount(n, 'retain');
    if (n === 0) return this;
    this.baseLength += n;
    this.targetLength += n;
    const last = this.ops.length - 1;
    if (last >= 0 && isRetain(this.ops[last])) this.ops[last] += n;
    else this.ops.push(n);
    return this;
  }

  insert(text) {
    if (typeof text !== 'string') throw new TypeError(`insert takes a string, not ${typeof text}`);
    if (text === '') return this;
    this.targetLength += text.length;
    const ops = this.ops;
    const last = ops.length - 1;
    // "delete then insert" is the same edit as "insert then delete"; the canonical form inserts first.
    if (last >= 0 && isDelete(ops[last])) {
      if (last >= 1 && isInsert(ops[last - 1])) ops[last - 1] += text;
      else ops.splice(last, 0, text);
    } else if (last >= 0 && isInsert(ops[last])) {
      ops[last] += text;
    } else {
      ops.push(text);
    }
    return this;
  }

  delete(n) {
    checkCount(n, 'delete');
    if (n === 0) return this;
    this.baseLength += n;
    const last = this.ops.length - 1;
    if (last >= 0 && isDelete(this.ops[last])) this.ops[last] -= n;
    else this.ops.push(-n);
    return this;
  }

  /** True when applying it changes nothing. */
  isNoop() {
    return this.ops.length === 0 || (this.ops.length === 1 && isRetain(this.ops[0]));
  }

  /** The edited document. */
  apply(doc) {
    if (doc.length !== this.baseLength) {
      throw new RangeError(`operation applies to a document of ${this.baseLength} characters, this one has ${doc.length}`);
    }
    const out = [];
    let at = 0;
    for (const c of this.ops) {
      if (isRetain(c)) {
        out.push(doc.slice(at, at + c));
        at += c;
      } else if (isInsert(c)) {
        out.push(c);
      } else {
        at -= c;
      }
    }
    return out.join('');
  }

  /** One operation with the effect of this one followed by next. */
  compose(next) {
    if (this.targetLength !== next.baseLength) {
      throw new RangeError(`cannot compose: the first operation leaves ${this.targetLength} characters, the second applies to ${next.baseLength}`);
    }
    const out = new TextOperation();
    const a = new Cursor(this.ops);
    const b = new Cursor(next.ops);
    while (!a.done() || !b.done()) {
      // What the first deletes, the second never sees; what the second inserts, the first never touched.
      if (!a.done() && isDelete(a.current())) {
        out.delete(a.take(a.remaining()));
        continue;
      }
      if (!b.done() && isInsert(b.current())) {
        out.insert(b.takeText(b.remaining()));
        continue;
      }
      if (a.done() || b.done()) throw new Error('compose ran off the end of an operation');
      const n = Math.min(a.remaining(), b.remaining());
      if (isRetain(a.current())) {
        if (isRetain(b.current())) out.retain(n);
        else out.delete(n);
        a.take(n);
      } else {
        // a inserts text that b keeps (insert it) or removes again (nothing).
        const text = a.takeText(n);
        if (isRetain(b.current())) out.insert(text);
      }
      b.take(n);
    }
    return out;
  }

  /**
   * Rewrites two concurrent operations on one document: returns [a', b'] with b' applying after a and a' after b,
   * both orders ending in the same text. Where both insert at one place, a's text comes first.
   */
  static transform(a, b) {
    if (a.baseLength !== b.baseLength) {
      throw new RangeError(`cannot transform: the operations apply to documents of ${a.baseLength} and ${b.baseLength} characters`);
    }
    const aPrime = new TextOperation();
    const bPrime = new TextOperation();
    const x = new Cursor(a.ops);
    const y = new Cursor(b.ops);
    while (!x.done() || !y.done()) {
      if (!x.done() && isInsert(x.current())) {
        const text = x.takeText(x.remaining());
        aPrime.insert(text);
        bPrime.retain(text.length);
        continue;
      }
      if (!y.done() && isInsert(y.current())) {
        const text = y.takeText(y.remaining());
        aPrime.retain(text.length);
        bPrime.insert(text);
        continue;
      }
      if (x.done() || y.done()) throw new Error('transform ran off the end of an operation');
      const n = Math.min(x.remaining(), y.remaining());
      const xKeeps = isRetain(x.current());
      const yKeeps = isRetain(y.current());
      if (xKeeps && yKeeps) {
        aPrime.retain(n);
        bPrime.retain(n);
      } else if (!xKeeps && yKeeps) {
        aPrime.delete(n);
      } else if (xKeeps) {
        bPrime.delete(n);
      }
      // Both delete the same characters: gone either way, nothing left to do for either side.
      x.take(n);
      y.take(n);
    }
    return [aPrime, bPrime];
  }

  /** The JSON form, e.g. [3, "ab", -2] (JSON.stringify calls this). */
  toJSON() {
    return this.ops.slice();
  }

  /** Parses the JSON form (an array, or its text); throws naming the first bad element. */
  static fromJSON(json) {
    const array = typeof json === 'string' ? JSON.parse(json) : json;
    if (!Array.isArray(array)) throw new TypeError(`an operation must be a JSON array, not ${JSON.stringify(array)}`);
    const op = new TextOperation();
    array.forEach((c, i) => {
      if (typeof c === 'string') {
        if (c === '') throw new TypeError(`operation element ${i} inserts an empty string`);
        op.insert(c);
      } else if (Number.isInteger(c) && c !== 0 && c <= 2147483647 && c >= -2147483647) {
        if (c > 0) op.retain(c);
        else op.delete(-c);
      } else {
        throw new TypeError(`operation element ${i} must be a non-empty string (insert) or a non-zero 32-bit integer (retain > 0, delete < 0), not ${JSON.stringify(c)}`);
      }
    });
    return op;
  }

  equals(other) {
    return other instanceof TextOperation && this.ops.length === other.ops.length
      && this.ops.every((c, i) => c === other.ops[i]);
  }

  toString() {
    return JSON.stringify(this.ops);
  }
}

const isRetain = (c) => typeof c === 'number' && c > 0;
const isDelete = (c) => typeof c === 'number' && c < 0;
const isInsert = (c) => typeof c === 'string';

function checkCount(n, what) {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`cannot ${what} ${n}: a count is an integer >= 0`);
}

/** Walks the components of one operation, consuming them in pieces. */
class Cursor {
  constructor(ops) {
    this.ops = ops;
    this.index = 0;
    this.used = 0;
  }

  done() {
    return this.index === this.ops.length;
  }

  current() {
    return this.ops[this.index];
  }

  remaining() {
    const c = this.ops[this.index];
    return (typeof c === 'string' ? c.length : Math.abs(c)) - this.used;
  }

  take(n) {
    this.used += n;
    if (this.remaining() === 0) {
      this.index++;
      this.used = 0;
    }
    return n;
  }

  takeText(n) {
    const text = this.ops[this.index].slice(this.used, this.used + n);
    this.take(n);
    return text;
  }
}

/** The states of an OtClient. */
export const State = Object.freeze({
  JOINING: 'joining',
  SYNCHRONIZED: 'synchronized',
  AWAITING_CONFIRM: 'awaitingConfirm',
  AWAITING_WITH_BUFFER: 'awaitingWithBuffer',
});

/**
 * The client of docs/collab.md for one document, transport-agnostic.
 *
 * - Synchronized: every local edit has been confirmed by the authority.
 * - AwaitingConfirm: one operation was sent (with the revision it was made on) and not yet seen coming back.
 * - AwaitingWithBuffer: and local edits made since are composed into one buffer, sent once the first is confirmed.
 *
 * Its own operation coming back on editor.<doc> (same client and seq) is the confirmation. Remote operations are
 * transformed against what is unconfirmed before they reach the editor through onRemoteOp.
 *
 * Options: client (this client's id: the hub's welcome `client` is a good one), send(data) (publish data to
 * editor.<doc>.in), receive(handler) (optional: registers handler for the data of each editor.<doc>
 * publication; otherwise call handle(data) yourself), callbacks onRemoteOp(op, text), onSnapshot(text, rev),
 * onResync(reason), onStateChange(state); text and rev to start synchronized without asking for a snapshot.
 */
export class OtClient {
  constructor(options) {
    const { client, send, receive, text, rev } = options;
    if (typeof client !== 'string' || client === '') throw new TypeError('client must be a non-empty string');
    if (typeof send !== 'function') throw new TypeError('send must be a function');
    this.client = client;
    this.sendData = send;
    this.callbacks = options;
    this.seq = 0;
    this.outstanding = null;
    this.outstandingSeq = 0;
    this.buffer = null;
    if (Number.isInteger(rev)) {
      this.rev = rev;
      this.text = text ?? '';
      this.state = State.SYNCHRONIZED;
    } else {
      this.rev = -1;
      this.text = '';
      this.state = State.JOINING;
    }
    if (typeof receive === 'function') receive((data) => this.handle(data));
  }

  /** Asks the authority for the document; what arrives before the answer is already in it and is dropped. */
  join() {
    this.outstanding = null;
    this.buffer = null;
    this.setState(State.JOINING);
    this.sendData({ client: this.client, snapshot: true });
  }

  /**
   * A local edit, already shown by the editor (op applies to the text before it). Refused while joining: there
   * is no document to edit yet.
   */
  applyLocal(op) {
    if (this.state === State.JOINING) throw new Error('cannot edit before the snapshot arrived');
    this.text = op.apply(this.text);
    if (this.state === State.SYNCHRONIZED) {
      this.sendOutstanding(op);
    } else if (this.state === State.AWAITING_CONFIRM) {
      this.buffer = op;
      this.setState(State.AWAITING_WITH_BUFFER);
    } else {
      this.buffer = this.buffer.compose(op);
    }
  }

  /** The data of one editor.<doc> publication, in offset order. */
  handle(data) {
    if (data === null || typeof data !== 'object') return;
    if (this.state === State.JOINING) {
      if (data.client === this.client && typeof data.text === 'string' && Number.isInteger(data.rev)) {
        this.text = data.text;
        this.rev = data.rev;
        this.setState(State.SYNCHRONIZED);
        this.callbacks.onSnapshot?.(this.text, this.rev);
      }
      return;
    }
    if (typeof data.error === 'string') {
      if (data.client === this.client) this.resync(`${data.error}: ${data.message ?? ''}`);
      return;
    }
    if (!Array.isArray(data.op)) return; // a snapshot for someone else
    if (data.rev !== this.rev + 1) {
      this.resync(`expected revision ${this.rev + 1}, got ${data.rev}`);
      return;
    }
    this.rev = data.rev;
    if (this.state !== State.SYNCHRONIZED && data.client === this.client && data.seq === this.outstandingSeq) {
      // Our own operation, as the authority applied it: confirmed. The buffer, if any, goes next.
      const next = this.buffer;
      this.outstanding = null;
      this.buffer = null;
      if (next) this.sendOutstanding(next);
      else this.setState(State.SYNCHRONIZED);
      return;
    }
    let remote = TextOperation.fromJSON(data.op);
    if (this.outstanding) {
      [this.outstanding, remote] = TextOperation.transform(this.outstanding, remote);
      if (this.buffer) [this.buffer, remote] = TextOperation.transform(this.buffer, remote);
    }
    this.text = remote.apply(this.text);
    this.callbacks.onRemoteOp?.(remote, this.text);
  }

  sendOutstanding(op) {
    this.outstanding = op;
    this.outstandingSeq = ++this.seq;
    this.setState(State.AWAITING_CONFIRM);
    this.sendData({ client: this.client, seq: this.outstandingSeq, rev: this.rev, op: op.toJSON() });
  }

  resync(reason) {
    this.callbacks.onResync?.(reason);
    this.join();
  }

  setState(state) {
    if (state !== this.state) {
      this.state = state;
      this.callbacks.onStateChange?.(state);
    }
  }
}
