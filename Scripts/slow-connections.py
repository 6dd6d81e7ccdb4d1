#!/usr/bin/env python3
"""Opens N slow connections (headers never finished) from 20 loopback addresses against a running
`tradewizard serve` on PORT, then measures a normal client's success and the server's RSS.
    tradewizard serve --offline --port 39777 &
    python3 Scripts/slow-connections.py 39777 600
Loopback only: every address is in 127.0.0.0/8."""
import socket, subprocess, sys, time

port, count = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 600
pid = subprocess.run(["pgrep", "-f", "tradewizard serve"], capture_output=True, text=True).stdout.split()[0]
slow = []
for i in range(count):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (2 + i % 20), 0))
    s.connect(("127.0.0.1", port))
    s.send(b"GET /he")
    slow.append(s)
time.sleep(1)
ok = 0
for _ in range(200):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.send(b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    ok += c.recv(100).startswith(b"HTTP/1.1 200")
    c.close()
rss = open("/proc/%s/status" % pid).read().split("VmRSS:")[1].split("\n")[0].strip()
print("normal client: %d of 200 served with %d slow connections open; server RSS %s" % (ok, count, rss))
