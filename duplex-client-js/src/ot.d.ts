// Types for ot.js: operational transformation for collaborative plain-text editing (docs/collab.md).

/** One component of the JSON form: positive = retain, string = insert, negative = delete. */
export type OpComponent = number | string;

export class TextOperation {
  /** Canonical components, as in the JSON form. */
  readonly ops: OpComponent[];
  /** Length (UTF-16 code units) of the documents this operation applies to. */
  readonly baseLength: number;
  /** Length of the document it leaves. */
  readonly targetLength: number;

  retain(n: number): this;
  insert(text: string): this;
  delete(n: number): this;
  isNoop(): boolean;
  /** Throws RangeError when doc.length !== baseLength. */
  apply(doc: string): string;
  /** Throws RangeError when this.targetLength !== next.baseLength. */
  compose(next: TextOperation): TextOperation;
  /** [a', b']: b' applies after a, a' after b; a's inserts go first at a shared place. */
  static transform(a: TextOperation, b: TextOperation): [TextOperation, TextOperation];
  toJSON(): OpComponent[];
  /** Throws TypeError naming the first bad element. */
  static fromJSON(json: OpComponent[] | string): TextOperation;
  equals(other: unknown): boolean;
  toString(): string;
}

export declare const State: {
  readonly JOINING: 'joining';
  readonly SYNCHRONIZED: 'synchronized';
  readonly AWAITING_CONFIRM: 'awaitingConfirm';
  readonly AWAITING_WITH_BUFFER: 'awaitingWithBuffer';
};
export type OtState = (typeof State)[keyof typeof State];

/** Sent to editor.<doc>.in. */
export type OtRequest =
  | { client: string; snapshot: true }
  | { client: string; seq: number; rev: number; op: OpComponent[] };

/** Received on editor.<doc>. */
export type OtAnswer =
  | { client: string; seq: number; rev: number; op: OpComponent[] }
  | { client: string; rev: number; text: string }
  | { client: string; seq?: number; error: string; message?: string };

export interface OtClientOptions {
  /** This client's id; unique per session (the hub's welcome `client` is a good choice). */
  client: string;
  /** Publishes data to editor.<doc>.in. */
  send: (data: OtRequest) => void;
  /** Registers the handler for the data of each editor.<doc> publication, in offset order. */
  receive?: (handler: (data: OtAnswer) => void) => unknown;
  /** Start synchronized at this text and revision instead of joining. */
  text?: string;
  rev?: number;
  /** A remote operation, transformed, to apply to the editor; text is the document after it. */
  onRemoteOp?: (op: TextOperation, text: string) => void;
  /** The document to show (after join(), also after a resync). */
  onSnapshot?: (text: string, rev: number) => void;
  /** The client fell out of step (an error answer, a missed revision); it joins again by itself. */
  onResync?: (reason: string) => void;
  onStateChange?: (state: OtState) => void;
}

export class OtClient {
  constructor(options: OtClientOptions);
  readonly client: string;
  readonly state: OtState;
  /** The document as this client shows it. */
  readonly text: string;
  /** The last revision received from the authority. */
  readonly rev: number;
  /** Asks the authority for a snapshot; local edits not yet confirmed are dropped. */
  join(): void;
  /** A local edit the editor already shows; throws while joining. */
  applyLocal(op: TextOperation): void;
  /** The data of one editor.<doc> publication (when no receive function was given). */
  handle(data: OtAnswer): void;
}
