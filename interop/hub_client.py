"""A client of `duplex serve` written from docs/protocol.md alone, on Python `websockets` (asyncio API, 10.x).

    /usr/bin/python3 hub_client.py --url ws://127.0.0.1:PORT/ws --api-key KEY [--timeout 45]

Runs the hub scenario (see README.md in this folder) with two connections and the HTTP API, printing one JSON
line per check ({"check": NAME, "ok": BOOL, "detail": ...}) and a final {"done": true, "ok": BOOL}.
Exit status: 0 all checks passed, 1 a check failed, 2 timed out.
"""
import argparse
import asyncio
import base64
import json
import secrets
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request

import websockets

WAIT = 5.0  # seconds to wait for any one answer before the check fails
LF = "\n"


def emit(obj):
    print(json.dumps(obj), flush=True)


class Checks:
    def __init__(self):
        self.ok = True

    def check(self, name, ok, detail=None):
        self.ok = self.ok and bool(ok)
        emit({"check": name, "ok": bool(ok), "detail": detail})


class Conn:
    """One session: a reader task splits text frames on line feeds into an inbox the scenario takes from."""

    def __init__(self, ws):
        self.ws = ws
        self.inbox = []  # dicts for JSON messages, {"_binary": bytes} for binary frames
        self.frames = 0
        self.cond = asyncio.Condition()
        self.next_id = 0
        self.reader = asyncio.create_task(self._read())
        self.closed = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(cls, url):
        ws = await websockets.connect(url, subprotocols=["duplex.v1"], max_size=None)
        return cls(ws)

    async def _read(self):
        try:
            async for frame in self.ws:
                self.frames += 1
                if isinstance(frame, bytes):
                    items = [{"_binary": frame}]
                else:
                    items = [json.loads(line) for line in frame.split(LF) if line.strip()]
                async with self.cond:
                    self.inbox.extend(items)
                    self.cond.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result((self.ws.close_code, self.ws.close_reason))

    async def take(self, pred, timeout=WAIT):
        """Removes and returns the first message matching pred, or None after timeout."""
        async def find():
            async with self.cond:
                while True:
                    for i, m in enumerate(self.inbox):
                        if pred(m):
                            return self.inbox.pop(i)
                    await self.cond.wait()
        try:
            return await asyncio.wait_for(find(), timeout)
        except asyncio.TimeoutError:
            return None

    def ident(self):
        self.next_id += 1
        return self.next_id

    async def send(self, *messages):
        """Sends the messages in one text frame, one per line."""
        await self.ws.send(LF.join(m if isinstance(m, str) else json.dumps(m) for m in messages))

    async def request(self, msg):
        """Sends msg with a fresh id and returns its ack or error (None when none came)."""
        rid = self.ident()
        await self.send({**msg, "id": rid})
        return await self.answer(rid)

    async def answer(self, rid):
        return await self.take(lambda m: m.get("type") in ("ack", "error") and m.get("id") == rid)

    async def close(self):
        await self.ws.close()
        await self.reader


def is_pub(topic, **fields):
    def pred(m):
        return (m.get("type") == "pub" and m.get("topic") == topic
                and all(m.get(k) == v for k, v in fields.items()))
    return pred


def http(base, method, path, key=None, header="Authorization", body=None):
    """Returns (status, parsed JSON or raw text) of one HTTP API call."""
    headers = {}
    if key is not None:
        headers[header] = f"Bearer {key}" if header == "Authorization" else key
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=WAIT) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def binary_publish(rid, topic, key, data, exclude_self=False):
    t, k = topic.encode(), key.encode()
    return (bytes([0x02, 1 if exclude_self else 0]) + struct.pack(">I", rid)
            + bytes([len(t)]) + t + bytes([len(k)]) + k + data)


def parse_binary_pub(b):
    """The server's binary publication, per the byte layout of the doc; raises on a short frame."""
    kind, flags = b[0], b[1]
    pos = 2

    def string():
        nonlocal pos
        n = b[pos]
        s = b[pos + 1:pos + 1 + n].decode()
        pos += 1 + n
        return s
    topic = string()
    epoch = string()
    (offset,) = struct.unpack(">Q", b[pos:pos + 8])
    pos += 8
    user = string()
    return {"kind": kind, "flags": flags, "topic": topic, "epoch": epoch, "offset": offset, "user": user,
            "data": b[pos:]}


async def scenario(url, api_key, checks):
    check = checks.check
    tag = secrets.token_hex(4)
    topic = f"interop.py.{tag}"
    http_base = urllib.parse.urlunsplit(("http" if url.startswith("ws:") else "https",
                                         urllib.parse.urlsplit(url).netloc, "", "", ""))

    # --- welcome
    a = await Conn.open(url)
    b = await Conn.open(url)
    check("subprotocol", a.ws.subprotocol == "duplex.v1", a.ws.subprotocol)
    wa = await a.take(lambda m: True)
    wb = await b.take(lambda m: True)
    limits = (wa or {}).get("limits", {})
    check("welcome", wa is not None and wa.get("type") == "welcome" and wa.get("protocol") == 1
          and isinstance(wa.get("client"), str) and "user" not in wa and "expires_at" not in wa
          and limits.get("max_publication_bytes") == 65536 and limits.get("history_size") == 100
          and wb is not None and wb.get("type") == "welcome" and wb.get("client") != wa.get("client"), [wa, wb])
    ca, cb = wa["client"], wb["client"]

    # --- subscribe with join_leave and info; joins (including one's own)
    sa = await a.request({"type": "subscribe", "topic": topic, "join_leave": True, "info": {"name": "A"}})
    check("subscribe", sa is not None and sa.get("type") == "ack" and isinstance(sa.get("epoch"), str)
          and isinstance(sa.get("offset"), int) and "recovered" not in sa, sa)
    epoch, offset = sa["epoch"], sa["offset"]
    own = await a.take(lambda m: m.get("type") == "join" and m.get("member", {}).get("client") == ca)
    check("join-self", own is not None and own.get("topic") == topic and own["member"].get("info") == {"name": "A"}
          and "user" not in own["member"], own)
    sb = await b.request({"type": "subscribe", "topic": topic, "join_leave": True, "info": {"name": "B"}})
    check("subscribe-second", sb is not None and sb.get("type") == "ack" and sb.get("epoch") == epoch
          and sb.get("offset") == offset, sb)
    join = await a.take(lambda m: m.get("type") == "join" and m.get("member", {}).get("client") == cb)
    check("join", join is not None and join.get("topic") == topic and join["member"].get("info") == {"name": "B"}
          and "user" not in join["member"], join)

    # --- publish JSON with a key; delivery to the other session
    data = {"text": "hello ünïcödé ✓", "n": 1, "list": [1, 2.5, None, True]}
    key = f"py-{tag}-1"
    pa = await a.request({"type": "publish", "topic": topic, "data": data, "key": key})
    check("publish-ack", pa is not None and pa.get("type") == "ack" and pa.get("epoch") == epoch
          and pa.get("offset") == offset + 1 and "duplicate" not in pa, pa)
    offset += 1
    got = await b.take(is_pub(topic))
    check("delivery", got is not None and got.get("epoch") == epoch and got.get("offset") == offset
          and got.get("data") == data and "user" not in got, got)

    # --- the same key again: acknowledged as a duplicate at the first position, and not delivered
    dup = await a.request({"type": "publish", "topic": topic, "data": data, "key": key})
    check("duplicate-ack", dup is not None and dup.get("type") == "ack" and dup.get("duplicate") is True
          and dup.get("epoch") == epoch and dup.get("offset") == offset, dup)
    marker = await a.request({"type": "publish", "topic": topic, "data": "marker"})
    check("duplicate-not-stored", marker is not None and marker.get("offset") == offset + 1, marker)
    offset += 1
    got = await b.take(is_pub(topic))
    check("duplicate-not-delivered", got is not None and got.get("data") == "marker", got)

    # --- exclude_self: the publisher does not get it live, the other session does
    a.inbox = [m for m in a.inbox if m.get("type") != "pub"]
    ex = await a.request({"type": "publish", "topic": topic, "data": "not for A", "exclude_self": True})
    offset += 1
    got = await b.take(is_pub(topic, data="not for A"))
    ping = await a.request({"type": "ping"})
    check("exclude-self", ex is not None and ex.get("offset") == offset and got is not None and ping is not None
          and not any(m.get("type") == "pub" for m in a.inbox), {"ack": ex, "a_inbox": a.inbox})

    # --- batching: several requests in one frame, an empty line among them
    i1, i2, i3 = a.ident(), a.ident(), a.ident()
    await a.send({"type": "ping", "id": i1}, {"type": "presence", "id": i2, "topic": topic}, "",
                 {"type": "history", "id": i3, "topic": topic, "limit": 2})
    answers = [await a.answer(i) for i in (i1, i2, i3)]
    check("batch", all(x is not None and x.get("type") == "ack" for x in answers), answers)

    # --- presence
    pr = answers[1]
    members = {m.get("client"): m for m in (pr or {}).get("members", [])}
    check("presence", pr is not None and pr.get("count") == 2 and set(members) == {ca, cb}
          and members[ca].get("info") == {"name": "A"} and members[cb].get("info") == {"name": "B"}
          and all("user" not in m for m in members.values()) and not pr.get("truncated"), pr)

    # --- history, without and with since
    h = answers[2]
    pubs = (h or {}).get("publications", [])
    check("history", h is not None and h.get("epoch") == epoch and h.get("offset") == offset
          and h.get("complete") is True and [p.get("offset") for p in pubs] == [offset - 1, offset]
          and all(p.get("type") == "pub" and p.get("topic") == topic and p.get("epoch") == epoch for p in pubs)
          and pubs[-1].get("data") == "not for A", h)
    hs = await a.request({"type": "history", "topic": topic, "since": {"epoch": epoch, "offset": offset - 2}})
    pubs = (hs or {}).get("publications", [])
    check("history-since", hs is not None and hs.get("type") == "ack" and hs.get("complete") is True
          and [p.get("offset") for p in pubs] == [offset - 1, offset] and pubs[0].get("data") == "marker", hs)

    # --- recovery: B goes away (A sees it leave), misses three, comes back and recovers them in order
    await b.close()
    leave = await a.take(lambda m: m.get("type") == "leave" and m.get("member", {}).get("client") == cb)
    check("leave", leave is not None and leave.get("topic") == topic, leave)
    seen = offset
    for n in range(3):
        r = await a.request({"type": "publish", "topic": topic, "data": {"missed": n}})
        offset += 1
        if r is None or r.get("offset") != offset:
            check("recover-publish", False, r)
    b = await Conn.open(url)
    await b.take(lambda m: m.get("type") == "welcome")
    rb = await b.request({"type": "subscribe", "topic": topic, "recover": {"epoch": epoch, "offset": seen}})
    check("recover-ack", rb is not None and rb.get("type") == "ack" and rb.get("recovered") is True
          and rb.get("missed") == 3 and rb.get("epoch") == epoch and rb.get("offset") == offset, rb)
    replay = [await b.take(is_pub(topic), timeout=WAIT) for _ in range(3)]
    check("recover-replay", [(p or {}).get("offset") for p in replay] == [seen + 1, seen + 2, seen + 3]
          and [(p or {}).get("data") for p in replay] == [{"missed": 0}, {"missed": 1}, {"missed": 2}], replay)
    await a.request({"type": "publish", "topic": topic, "data": "live"})
    offset += 1
    live = await b.take(is_pub(topic))
    check("recover-live", live is not None and live.get("offset") == offset and live.get("data") == "live", live)

    # --- recovery from an epoch the server never had: not recovered, nothing replayed
    un = await b.request({"type": "unsubscribe", "topic": topic})
    check("unsubscribe", un is not None and un.get("type") == "ack", un)
    rf = await b.request({"type": "subscribe", "topic": topic, "recover": {"epoch": "bogus" + tag, "offset": 1}})
    await b.request({"type": "ping"})
    stray = [m for m in b.inbox if m.get("type") == "pub"]
    check("recover-bogus-epoch", rf is not None and rf.get("type") == "ack" and rf.get("recovered") is False
          and rf.get("epoch") == epoch and rf.get("offset") == offset and not stray, {"ack": rf, "replayed": stray})

    # --- binary publish per the byte layout; binary delivery parsed per the doc
    payload = bytes([0, 1, 2, 0xFE, 0xFF]) + "✓".encode()
    rid = a.ident()
    await a.ws.send(binary_publish(rid, topic, f"py-{tag}-bin", payload))
    ba = await a.answer(rid)
    check("binary-publish-ack", ba is not None and ba.get("type") == "ack" and ba.get("epoch") == epoch
          and ba.get("offset") == offset + 1, ba)
    offset += 1
    bm = await b.take(lambda m: "_binary" in m)
    parsed = None
    try:
        parsed = parse_binary_pub(bm["_binary"]) if bm else None
    except (IndexError, struct.error, UnicodeDecodeError) as e:
        parsed = {"error": repr(e), "hex": bm["_binary"].hex()}
    check("binary-delivery", parsed is not None and parsed.get("kind") == 0x01 and parsed.get("flags") == 0
          and parsed.get("topic") == topic and parsed.get("epoch") == epoch and parsed.get("offset") == offset
          and parsed.get("user") == "" and parsed.get("data") == payload,
          {k: (v.hex() if isinstance(v, bytes) else v) for k, v in (parsed or {}).items()})
    hb = await a.request({"type": "history", "topic": topic, "limit": 1})
    last = ((hb or {}).get("publications") or [{}])[-1]
    check("history-binary", last.get("offset") == offset and "data" not in last
          and base64.b64decode(last.get("binary", "")) == payload, hb)

    # --- errors a client can cause
    async def expect_error(name, code, *raw, rid=None, mentions=None, binary=False):
        if binary:
            await a.ws.send(raw[0])
        else:
            await a.send(*raw)
        e = await a.take(lambda m: m.get("type") in ("error", "ack") and m.get("id") == rid)
        ok = (e is not None and e.get("type") == "error" and e.get("code") == code
              and isinstance(e.get("message"), str)
              and (mentions is None or mentions in e.get("message", "")))
        check(name, ok, e)

    await expect_error("error-bad-json", "bad_request", '{"type":"ping","id":')
    await expect_error("error-not-object", "bad_request", "[1,2,3]")
    await expect_error("error-empty-message", "bad_request", "", mentions="empty message")
    n = a.ident()
    await expect_error("error-unknown-type", "bad_request", {"type": "frobnicate", "id": n}, rid=n)
    n = a.ident()
    await expect_error("error-unknown-field", "bad_request", {"type": "ping", "id": n, "colour": "red"},
                       rid=n, mentions="colour")
    n = a.ident()
    await expect_error("error-wrong-type", "bad_request", {"type": "subscribe", "id": n, "topic": 42},
                       rid=n, mentions="topic")
    n = a.ident()
    await expect_error("error-bad-topic", "bad_request", {"type": "subscribe", "id": n, "topic": "no spaces!"},
                       rid=n)
    n = a.ident()
    await expect_error("error-long-topic", "bad_request", {"type": "publish", "id": n, "topic": "t" * 201,
                                                           "data": 1}, rid=n)
    # The doc forbids repeated keys; the request still carries an id, so its error must echo it.
    n = a.ident()
    await a.send('{"type":"unsubscribe","id":%d,"topic":"x","topic":"y"}' % n)
    e = await a.take(lambda m: m.get("type") in ("error", "ack") and m.get("id") in (n, None))
    check("error-repeated-key", e is not None and e.get("code") == "bad_request", e)
    check("error-repeated-key-id", e is not None and e.get("id") == n, e)
    await a.send({"type": "ping", "id": 0})
    e = await a.take(lambda m: m.get("type") in ("error", "ack") and m.get("id") in (0, None))
    check("error-id-out-of-range", e is not None and e.get("type") == "error" and e.get("code") == "bad_request", e)
    n = a.ident()
    await expect_error("error-not-subscribed", "not_subscribed",
                       {"type": "unsubscribe", "id": n, "topic": f"interop.py.{tag}.never"}, rid=n)
    await expect_error("error-without-id", "not_subscribed",
                       {"type": "unsubscribe", "topic": f"interop.py.{tag}.never"})
    n = a.ident()
    await expect_error("error-already-subscribed", "already_subscribed",
                       {"type": "subscribe", "id": n, "topic": topic}, rid=n)
    n = a.ident()
    await expect_error("error-too-large", "too_large",
                       {"type": "publish", "id": n, "topic": topic, "data": "x" * (64 * 1024 + 1)}, rid=n)
    n = a.ident()
    await expect_error("error-too-large-info", "too_large",
                       {"type": "subscribe", "id": n, "topic": f"{topic}.info", "info": "i" * 2048}, rid=n)
    n = a.ident()
    await expect_error("error-not-found", "not_found",
                       {"type": "history", "id": n, "topic": f"interop.py.{tag}.unused"}, rid=n)
    # Long enough to hold the id (7), too short for the topic it announces.
    await expect_error("error-binary-malformed", "bad_request",
                       bytes([0x02, 0, 0, 0, 0, 7, 10]) + b"abc", rid=7, binary=True)
    p = await a.request({"type": "ping"})
    check("ping", p is not None and p.get("type") == "ack" and set(p) == {"type", "id"}, p)

    # --- HTTP API
    body = {"topic": topic, "data": {"from": "http"}, "key": f"py-{tag}-http"}
    loop = asyncio.get_running_loop()
    st, res = await loop.run_in_executor(None, lambda: http(http_base, "POST", "/api/publish", api_key, body=body))
    check("http-publish", st == 200 and isinstance(res, dict) and res.get("epoch") == epoch
          and res.get("offset") == offset + 1, [st, res])
    offset += 1
    got = await b.take(is_pub(topic, offset=offset))
    check("http-delivery", got is not None and got.get("data") == {"from": "http"} and "user" not in got, got)
    st, res = await loop.run_in_executor(
        None, lambda: http(http_base, "POST", "/api/publish", api_key, header="X-API-Key", body=body))
    check("http-duplicate", st == 200 and isinstance(res, dict) and res.get("duplicate") is True
          and res.get("offset") == offset, [st, res])
    st, res = await loop.run_in_executor(None, lambda: http(http_base, "POST", "/api/publish", None, body=body))
    check("http-no-key", st == 401, [st, res])
    st, res = await loop.run_in_executor(
        None, lambda: http(http_base, "POST", "/api/publish", api_key + "x", body=body))
    check("http-wrong-key", st == 401, [st, res])
    st, res = await loop.run_in_executor(
        None, lambda: http(http_base, "GET", "/api/presence?topic=" + topic, api_key, header="X-API-Key"))
    check("http-presence", st == 200 and isinstance(res, dict) and res.get("count") == 2, [st, res])

    await a.close()
    await b.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--timeout", type=float, default=45)
    args = p.parse_args()
    checks = Checks()

    async def run():
        await scenario(args.url, args.api_key, checks)

    try:
        asyncio.run(asyncio.wait_for(run(), args.timeout))
    except asyncio.TimeoutError:
        emit({"done": True, "ok": False, "error": f"timed out after {args.timeout} s"})
        sys.exit(2)
    except Exception as e:  # reported as a failed check, not a traceback
        checks.check("exception", False, repr(e))
    emit({"done": True, "ok": checks.ok})
    sys.exit(0 if checks.ok else 1)


if __name__ == "__main__":
    main()
