"""Python `websockets` (asyncio API, 10.x) as a client of a server that speaks the interop script.

    /usr/bin/python3 py_client.py --url ws://127.0.0.1:PORT/path [--ca cert.pem] [--timeout 15]

Prints one JSON line per check ({"check": NAME, "ok": BOOL, ...}) and a final {"done": true, "ok": BOOL}.
Exit status: 0 all checks passed, 1 a check failed, 2 timed out.
"""
import argparse
import asyncio
import json
import ssl
import sys

import websockets


def emit(obj):
    print(json.dumps(obj), flush=True)


def pattern(n, seed):
    return bytes((i * 31 + seed) & 0xFF for i in range(n))


class Checks:
    def __init__(self):
        self.ok = True

    def check(self, name, ok, **detail):
        self.ok = self.ok and ok
        emit({"check": name, "ok": ok, **detail})


async def scenario(url, ssl_context, checks):
    check = checks.check
    # Default compression, so permessage-deflate is offered as a real websockets client would.
    connect = dict(ssl=ssl_context, max_size=None)
    async with websockets.connect(url, **connect) as ws:
        text = "hello, ünïcödé ✓"
        await ws.send(text)
        got = await ws.recv()
        check("text", got == text, got=got)

        data = pattern(256, 1)
        await ws.send(data)
        got = await ws.recv()
        check("binary", got == data, length=len(got))

        # An iterable is sent as one fragmented message (RFC 6455 section 5.4).
        await ws.send(["frag-", "ment-", "ed"])
        got = await ws.recv()
        check("fragmented-text", got == "frag-ment-ed", got=got)

        await ws.send([pattern(10, 2), pattern(5, 3)])
        got = await ws.recv()
        check("fragmented-binary", got == pattern(10, 2) + pattern(5, 3), length=len(got))

        await ws.send("frag-me")
        got = await ws.recv()
        check("server-fragmented", got == "fragmented ✓😀", got=got)

        # The waiter completes only when a pong with this exact payload arrives.
        pong = await ws.ping(b"client-ping")
        await pong
        check("ping", True, got="client-ping")

        await ws.send("ping-me")
        got = await ws.recv()
        check("server-ping", got == "pong:srv-ping", got=got)

        big = pattern(1 << 20, 4)
        await ws.send(big)
        got = await ws.recv()
        check("large", got == big, length=len(got))

        # The same compressible text three times. A server may answer client_no_context_takeover unasked
        # (RFC 7692 7.1.1.2); a client that kept its context anyway would refer back into earlier messages
        # and be closed with 1007, so three intact echoes show the parameter was honoured.
        repeated = json.dumps({"items": [{"id": i, "user": f"user{i % 7}"} for i in range(60)]})
        echoes = 0
        for _ in range(3):
            await ws.send(repeated)
            if await ws.recv() != repeated:
                break
            echoes += 1
        extensions = ws.response_headers.get("Sec-WebSocket-Extensions", "")
        check("compressed-repeat", echoes == 3, echoes=echoes, extensions=extensions)

        # The server answers with the code it received (RFC 6455 section 5.5.1); the reason it saw is
        # checked on the server side.
        await ws.close(4001, "client bye")
        check("client-close", ws.close_code == 4001,
              code=ws.close_code, reason=ws.close_reason)

    async with websockets.connect(url, **connect) as ws:
        await ws.send("close:4000:bye")
        try:
            await ws.recv()
            check("server-close", False, error="a message arrived instead of the close")
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        check("server-close", ws.close_code == 4000 and ws.close_reason == "bye",
              code=ws.close_code, reason=ws.close_reason)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--ca")
    p.add_argument("--timeout", type=float, default=15)
    a = p.parse_args()
    ssl_context = None
    if a.url.startswith("wss:"):
        ssl_context = ssl.create_default_context(cafile=a.ca)
    checks = Checks()
    try:
        asyncio.run(asyncio.wait_for(scenario(a.url, ssl_context, checks), a.timeout))
    except asyncio.TimeoutError:
        emit({"done": True, "ok": False, "error": f"timed out after {a.timeout} s"})
        sys.exit(2)
    except Exception as e:  # reported as a failed check, not a traceback
        checks.check("exception", False, error=repr(e))
    emit({"done": True, "ok": checks.ok})
    sys.exit(0 if checks.ok else 1)


if __name__ == "__main__":
    main()
