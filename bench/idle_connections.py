#!/usr/bin/env python3
"""Memory a proxy holds for idle keep-alive client connections.

Usage: idle_connections.py PORT PID HOST N
Opens N connections to 127.0.0.1:PORT, makes one request on each (GET / with Host: HOST, read to
the end of the response), keeps them open, and prints the proxy's RSS (process PID and its
children, from /proc) before, while the connections are held, and 5 s after they are closed:
  idle: <N> connections, RSS <before> -> <held> MiB (<per> KiB each), 5 s after close <after> MiB
"""
import os
import selectors
import socket
import sys
import time


def rss_kib(pid):
    total = 0
    pids = [pid]
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def main():
    port, pid, host, n = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    before = rss_kib(pid)
    socks = []
    sel = selectors.DefaultSelector()
    # In batches, so the proxy's listen backlog and upstream pool are not the thing measured.
    for start in range(0, n, 200):
        batch = []
        for _ in range(min(200, n - start)):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(request)
            s.setblocking(False)
            batch.append(s)
            sel.register(s, selectors.EVENT_READ, {"buf": b"", "done": False})
        pending = len(batch)
        deadline = time.time() + 60
        while pending and time.time() < deadline:
            for key, _ in sel.select(timeout=1):
                s, st = key.fileobj, key.data
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("the proxy closed a connection it should keep alive")
                st["buf"] += chunk
                head, sep, body = st["buf"].partition(b"\r\n\r\n")
                if sep:
                    length = None
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    if length is None or len(body) >= length:
                        sel.unregister(s)
                        pending -= 1
        if pending:
            raise SystemExit(f"{pending} responses did not arrive")
        socks += batch
    time.sleep(1)
    held = rss_kib(pid)
    for s in socks:
        s.close()
    time.sleep(5)
    after = rss_kib(pid)
    per = (held - before) / n if n else 0
    print(f"idle: {n} connections, RSS {before / 1024:.1f} -> {held / 1024:.1f} MiB "
          f"({per:.1f} KiB each), 5 s after close {after / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
