#!/usr/bin/env python3
"""Memory of `inlinksd serve` under clients that pipeline big requests and never read.

Starts `inlinksd serve` on a copy-free read of DB (it must not be open elsewhere),
opens N connections that each send five pipelined `/v1/backlinks?limit=1000`
requests for TARGET with a 4 KiB receive buffer and read nothing, and prints
the server's RSS at the start, its peak while they hang, and 3 s after they close.

  /usr/bin/python3 bench/e2e/slow_readers.py --inlinksd build/tools/inlinksd \\
      --db build/demo/data --target d0.test --clients 300

(`make demo` builds build/demo/data; d0.test has ~31,000 backlinks there.)
Only talks to 127.0.0.1.
"""
import argparse
import re
import socket
import subprocess
import tempfile
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inlinksd", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--target", default="d0.test")
    ap.add_argument("--clients", type=int, default=300)
    a = ap.parse_args()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log")
    # Every client comes from 127.0.0.1: lift the per-client cap.
    p = subprocess.Popen([a.inlinksd, "serve", "--db", a.db, "--listen", "127.0.0.1:0",
                          "--max-connections-per-client", "0", "--log-level", "warning"],
                         stderr=log)
    port = key = None
    for _ in range(400):
        time.sleep(0.05)
        log.seek(0)
        m = re.search(r"http://127.0.0.1:(\d+)/ \(API key in ([^)]+)\)", log.read())
        if m:
            port = int(m.group(1))
            with open(m.group(2)) as f:
                key = f.readline().strip()
            break
    if port is None:
        p.kill()
        raise SystemExit("inlinksd serve did not start")
    try:
        print("rss at start MB", rss_mb(p.pid))
        req = (f"GET /v1/backlinks?target={a.target}&limit=1000&key={key} HTTP/1.1\r\n"
               "Host: x\r\n\r\n").encode() * 5
        socks = []
        for _ in range(a.clients):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", port))
            s.sendall(req)
            socks.append(s)
        peak = 0
        for _ in range(30):
            time.sleep(0.2)
            peak = max(peak, rss_mb(p.pid))
        print(f"rss peak with {a.clients} slow readers MB", peak)
        for s in socks:
            s.close()
        time.sleep(3)
        print("rss 3 s after they closed MB", rss_mb(p.pid))
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
