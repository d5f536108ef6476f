# Reproduces the two-way zero-window crawl without Duplex: a blocking TCP echo server, and a client that sends
# 20 MB in 1008-byte writes without reading at first, then reads everything back.
#
#   python3 kernel-stall.py                      one run with SO_RCVBUF 16 KiB set before connect, one after
#   python3 kernel-stall.py RUNS RCVBUF NODELAY  RUNS runs, buffer set before connect, TCP_NODELAY on if NODELAY=1
#
# With the buffer shrunk after connect, every run crawls. With 16 KiB set before connect and TCP_NODELAY, a run
# crawls now and then (2 of 60 on Linux 6.18; 0 of 60 without TCP_NODELAY, 0 of 60 with 64 KiB). A crawling run is
# cut off at 20 s.
import socket, sys, threading, time

def serve(ls):
    c, _ = ls.accept()
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()

def run(rcvbuf, shrink_after, nodelay):
    ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
    threading.Thread(target=serve, args=(ls,), daemon=True).start()
    s = socket.socket()
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not shrink_after:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(ls.getsockname())
    if shrink_after:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    total = 20 * 1000 * 1000
    def w():
        chunk = b"x" * 1008
        for _ in range(total // 1008):
            s.sendall(chunk)
    threading.Thread(target=w, daemon=True).start()
    time.sleep(0.5)
    got, last, worst, start = 0, time.monotonic(), 0.0, time.monotonic()
    want = (total // 1008) * 1008
    while got < want and time.monotonic() - start < 20:
        d = s.recv(65536); got += len(d)
        now = time.monotonic(); worst = max(worst, now - last); last = now
    took = time.monotonic() - start
    print(f"rcvbuf {rcvbuf} set {'after' if shrink_after else 'before'} connect, nodelay={nodelay}: "
          f"{got/1e6:.1f} MB echoed in {took:.1f} s, longest gap {worst*1000:.0f} ms", flush=True)
    s.close(); ls.close()
    return took

if len(sys.argv) > 1:
    runs, rcvbuf, nodelay = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
    slow = sum(1 for _ in range(runs) if run(rcvbuf, False, nodelay) > 2)
    print(f"{slow} of {runs} runs took over 2 s")
else:
    run(16384, False, False)
    run(16384, True, False)
