// Types for duplex-client.js, kept by hand next to it. The wire protocol is docs/protocol.md.

export type TransportName = 'websocket' | 'sse' | 'polling';
export type ClientState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** Binary data that `publish` sends as a binary frame. */
export type BinaryData = ArrayBuffer | ArrayBufferView;

/**
 * An error with a stable code: the server's (`bad_request`, `unauthorized`, `forbidden`, `rate_limited`,
 * `not_found`, `too_large`, `already_subscribed`, `not_subscribed`, `limit_exceeded`, `unavailable`,
 * `internal`) or the client's own: `queue_full` (the outgoing queue is full while disconnected),
 * `disconnected` (the connection ended before an answer, and the request could not safely be re-sent),
 * `closed` (close() was called), `unsubscribed`, `bad_message`, `bad_frame`, `token`.
 */
export class DuplexError extends Error {
  readonly code: string;
  /** With `rate_limited`: how long to wait before retrying. */
  readonly retryAfterMs?: number;
  constructor(code: string, message?: string, extra?: object);
}

export interface ReconnectOptions {
  /** First delay, ms. Default 1000. */
  initialDelay?: number;
  /** Each further attempt waits this many times longer. Default 1.5. */
  factor?: number;
  /** The longest delay, ms. Default 30000. */
  maxDelay?: number;
  /** Each delay is moved randomly by up to this fraction either way. Default 0.2. */
  jitter?: number;
}

export interface HeartbeatOptions {
  /** A `ping` request every this many ms. Default 25000. */
  interval?: number;
  /** No answer within this many ms: the connection is dead; it is closed and reconnected. Default 10000. */
  timeout?: number;
}

export interface BatchOptions {
  /** Send a frame once this many requests wait. Default 50. */
  maxSize?: number;
  /** Or once the first of them has waited this many ms. Default 0 (the next timer turn). */
  flushInterval?: number;
}

export interface DuplexClientOptions {
  /** A fixed token (JWT). */
  token?: string;
  /** Called on every connect and before the token expires; a new token is sent with `refresh`. */
  getToken?: () => string | Promise<string>;
  /** Tried in this order; the one that last reached a welcome is kept. Default all three. */
  transports?: TransportName[];
  /** `false`: do not reconnect. */
  reconnect?: ReconnectOptions | false;
  /** `false`: no application-level heartbeat. */
  heartbeat?: HeartbeatOptions | false;
  /** Requests that may wait while disconnected; beyond it they reject with `queue_full`. Default 1000. */
  maxQueue?: number;
  /** Several requests per text frame, separated by '\n'. Default off. */
  batch?: BatchOptions | false;
  /** A transport that has not delivered the welcome within this many ms has failed. Default 10000. */
  connectTimeout?: number;
  /** Give every publish a generated key (random prefix + counter) unless it names one. Default true. */
  autoKey?: boolean;
  /** Refresh the token this many ms before it expires (at most a fifth of its remaining life). Default 30000. */
  refreshLead?: number;
  /** After a fallback, try WebSocket first again on every `every`-th connect or after `after` ms. */
  websocketRetry?: { every?: number; after?: number };
  /** Base URL of the HTTP fallback; default derived from the WebSocket URL (ws://h:p/ws -> http://h:p). */
  httpUrl?: string;
  /** A WebSocket constructor to use instead of the global one or the `ws` package. */
  WebSocket?: new (url: string, protocols?: string | string[]) => WebSocket;
}

export interface ConnectedInfo {
  transport: TransportName;
  /** This session's id, as others see it in presence. */
  client: string;
  /** The token's `sub`; absent for anonymous clients. */
  user?: string;
}

export type StateEvent =
  | { state: 'connecting' }
  | ({ state: 'connected' } & ConnectedInfo)
  | { state: 'disconnected'; code: number; reason: string }
  | { state: 'reconnecting'; delay: number; attempt: number; code: number; reason: string };

export interface Publication<D = Json | ArrayBuffer> {
  topic: string;
  epoch: string;
  offset: number;
  /** The publisher's `sub`; absent for anonymous publishers and the HTTP API. */
  user?: string;
  /** JSON data, or an ArrayBuffer when `binary` is true. */
  data: D;
  binary?: true;
}

export interface Member {
  client: string;
  user?: string;
  /** The token's `info` claim (vouched for by the token's signer). */
  user_info?: Json;
  /** What the member sent with subscribe (not vouched for). */
  info?: Json;
}

export interface MemberEvent {
  topic: string;
  member: Member;
}

export interface SubscribedEvent {
  topic: string;
  epoch: string;
  offset: number;
  /** True after a reconnect (the client subscribed again by itself). */
  resubscribed: boolean;
  /** Present when the subscribe asked to recover: whether every missed publication follows. */
  recovered?: boolean;
  missed?: number;
}

export interface SubscriptionHandlers {
  onPublication?: (pub: Publication) => void;
  onJoin?: (event: MemberEvent) => void;
  onLeave?: (event: MemberEvent) => void;
  /** Every subscribe ack, the first one and those after reconnects. */
  onSubscribed?: (event: SubscribedEvent) => void;
  /** A resubscribe recovered: the missed publications follow, in order. */
  onRecovered?: (event: SubscribedEvent) => void;
  /** A resubscribe could not recover: resynchronise (reload, or read history). */
  onNotRecovered?: (event: SubscribedEvent) => void;
  /** The server refused the subscribe; the subscription has ended. */
  onError?: (error: DuplexError) => void;
  /** Ended by unsubscribe() (`reason: 'client'`), by the server (`forbidden`) or by an error. */
  onUnsubscribed?: (event: { reason: string }) => void;
}

/** A point in a topic's stream, as kept by a client to resume from. */
export interface StreamPosition {
  epoch: string;
  offset: number;
}

export interface SubscribeOptions {
  /**
   * Resubscribe from the last position seen after a reconnect (true, the default), or also resume from this
   * position on the first subscribe — one kept in storage from an earlier visit.
   */
  recover?: boolean | StreamPosition;
  /** Receive join and leave events. Default false. */
  joinLeave?: boolean;
  /** Shown to others in presence (at most 1 KiB as JSON). */
  info?: Json;
}

type SubscriptionEvents = {
  publication: Publication;
  join: MemberEvent;
  leave: MemberEvent;
  subscribed: SubscribedEvent;
  recovered: SubscribedEvent;
  notRecovered: SubscribedEvent;
  error: DuplexError;
  unsubscribed: { reason: string };
};

export class Subscription {
  readonly client: DuplexClient;
  readonly topic: string;
  readonly state: 'subscribing' | 'subscribed' | 'unsubscribed';
  /** The last position seen: from the subscribe ack, then from every publication. */
  epoch?: string;
  offset?: number;
  /** Settles with the first subscribe ack, or rejects when the server refuses. */
  readonly ready: Promise<SubscribedEvent>;
  unsubscribe(): void;
  on<E extends keyof SubscriptionEvents>(event: E, listener: (arg: SubscriptionEvents[E]) => void): this;
  off<E extends keyof SubscriptionEvents>(event: E, listener: (arg: SubscriptionEvents[E]) => void): this;
  once<E extends keyof SubscriptionEvents>(event: E, listener: (arg: SubscriptionEvents[E]) => void): this;
}

export interface PublishOptions {
  /** Makes retries exactly-once. Default: a generated key; `false` or `null`: none. */
  key?: string | false | null;
  /** This session does not receive its own publication live. */
  excludeSelf?: boolean;
}

export interface PublishAck {
  epoch: string;
  offset: number;
  /** The key had been used: nothing new was stored; the position is the first publication's. */
  duplicate: boolean;
}

export interface PresenceResult {
  count: number;
  members: Member[];
  truncated?: true;
}

export interface HistoryOptions {
  limit?: number;
  since?: { epoch: string; offset: number };
}

export interface HistoryResult {
  epoch: string;
  offset: number;
  /** Whether `publications` is everything after `since`. */
  complete: boolean;
  publications: Publication[];
}

type ClientEvents = {
  state: StateEvent;
  connecting: StateEvent;
  connected: StateEvent & ConnectedInfo;
  disconnected: { state: 'disconnected'; code: number; reason: string };
  reconnecting: { state: 'reconnecting'; delay: number; attempt: number; code: number; reason: string };
  /** An error not tied to a request (an `error` without id, a failed refresh). */
  error: DuplexError;
  /** The server said the token expired; a refresh is under way when getToken was given. */
  tokenExpired: { graceMs: number };
  refresh: { expiresAt?: number };
};

export class DuplexClient {
  constructor(url: string, options?: DuplexClientOptions);
  readonly url: string;
  readonly state: ClientState;
  /** The transport of the open session, or undefined. */
  readonly transport?: TransportName;
  readonly clientId?: string;
  readonly user?: string;
  /** When the token expires, ms since the Unix epoch. */
  readonly expiresAt?: number;
  /** The server's limits from the welcome. */
  readonly limits?: Record<string, number>;

  /** Starts connecting, and reconnecting until close(). Resolves once connected. */
  connect(): Promise<ConnectedInfo>;
  /** Ends the session and stops reconnecting; pending requests reject with `closed`. Subscriptions stay. */
  close(): void;
  subscribe(topic: string, handlers?: SubscriptionHandlers, options?: SubscribeOptions): Subscription;
  getSubscription(topic: string): Subscription | undefined;
  publish(topic: string, data: Json | BinaryData, options?: PublishOptions): Promise<PublishAck>;
  presence(topic: string): Promise<PresenceResult>;
  history(topic: string, options?: HistoryOptions): Promise<HistoryResult>;

  on<E extends keyof ClientEvents>(event: E, listener: (arg: ClientEvents[E]) => void): this;
  off<E extends keyof ClientEvents>(event: E, listener: (arg: ClientEvents[E]) => void): this;
  once<E extends keyof ClientEvents>(event: E, listener: (arg: ClientEvents[E]) => void): this;

  /** @internal Testing: ends the transport as a dead network would; the client reconnects. */
  _dropConnection(): void;
  /** @internal Testing: while true, everything the server sends is dropped. */
  _discardIncoming: boolean;
}

/** Encodes a binary publish frame (protocol.md "Binary frames"). */
export function encodeBinaryPublish(
  id: number,
  topic: string,
  key: string | undefined,
  excludeSelf: boolean | undefined,
  data: BinaryData,
): Uint8Array;

/** Decodes a binary publication frame. */
export function decodeBinaryPublication(buffer: ArrayBuffer | ArrayBufferView): Publication<ArrayBuffer>;

export default DuplexClient;
