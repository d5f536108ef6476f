"""Python `websockets` (asyncio API, 10.x) as a server speaking the interop script, for Duplex's client:
echoes text and binary; "close:CODE:REASON" closes with that code; "ping-me" pings with "srv-ping" and
answers the pong with "pong:srv-ping"; "frag-me" sends "fragmented ✓😀" in three fragments.

    /usr/bin/python3 py_server.py [--tls-cert cert.pem --tls-key key.pem] [--timeout 30]

Prints {"listening": PORT} once bound, then {"event": "close", "code": N, "reason": S} for each connection
that ends. Exits 0 on SIGTERM, 2 on timeout.
"""
import argparse
import asyncio
import json
import signal
import ssl
import sys

import websockets


def emit(obj):
    print(json.dumps(obj), flush=True)


async def handle(ws, path=None):
    try:
        async for message in ws:
            if isinstance(message, str) and message.startswith("close:"):
                _, code, reason = message.split(":", 2)
                await ws.close(int(code), reason)
            elif message == "ping-me":
                pong = await ws.ping(b"srv-ping")
                await pong
                await ws.send("pong:srv-ping")
            elif message == "frag-me":
                # websockets fragments str pieces, so boundaries fall between characters here.
                await ws.send(["frag", "mented ✓", "😀"])
            else:
                await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    emit({"event": "close", "code": ws.close_code, "reason": ws.close_reason})


async def serve(a):
    ssl_context = None
    if a.tls_cert:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(a.tls_cert, a.tls_key)
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with websockets.serve(handle, "127.0.0.1", 0, ssl=ssl_context, max_size=None) as server:
        emit({"listening": server.sockets[0].getsockname()[1]})
        await stop


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--timeout", type=float, default=30)
    a = p.parse_args()
    try:
        asyncio.run(asyncio.wait_for(serve(a), a.timeout))
    except asyncio.TimeoutError:
        emit({"event": "timeout", "error": f"timed out after {a.timeout} s"})
        sys.exit(2)


if __name__ == "__main__":
    main()
