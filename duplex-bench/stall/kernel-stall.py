# Reproduces the two-way zero-window stall without Duplex: a blocking TCP echo server, and a client that sends
# 20 MB without reading, then reads; the client's SO_RCVBUF is set to 16 KiB either before connect or after it.
import socket, sys, threading, time
def serve(ls):
    c, _ = ls.accept()
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(d)
    c.close()
def run(shrink_after):
    ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
    threading.Thread(target=serve, args=(ls,), daemon=True).start()
    s = socket.socket()
    if not shrink_after: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.connect(ls.getsockname())
    if shrink_after: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    total = 20 * 1000 * 1000
    def w():
        chunk = b"x" * 1008
        for _ in range(total // 1008): s.sendall(chunk)
    threading.Thread(target=w, daemon=True).start()
    time.sleep(0.5)
    got, last, worst, start = 0, time.monotonic(), 0.0, time.monotonic()
    want = (total // 1008) * 1008
    while got < want and time.monotonic() - start < 20:
        d = s.recv(65536); got += len(d)
        now = time.monotonic(); worst = max(worst, now - last); last = now
    print(f"rcvbuf set {'after' if shrink_after else 'before'} connect: {got/1e6:.1f} MB echoed in {time.monotonic()-start:.1f} s, longest gap {worst*1000:.0f} ms")
run(False); run(True)
