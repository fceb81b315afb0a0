#!/usr/bin/env python3
"""Sends one raw HTTP request to a Docker Engine API unix socket, as a client
that tries to slip past an authorization plugin would (test_authz.sh).

  docker_raw.py SOCKET METHOD PATH [--body JSON | --body-size N PRIVILEGED]
                [--chunked] [--no-content-type]

Prints the status code, a space, and the answer's body on one line.
"""
import json
import socket
import sys


def main():
    sock, method, path = sys.argv[1:4]
    args = sys.argv[4:]
    body = b""
    chunked = "--chunked" in args
    ctype = "--no-content-type" not in args
    if "--body" in args:
        body = args[args.index("--body") + 1].encode()
    if "--body-size" in args:
        n = int(args[args.index("--body-size") + 1])
        doc = {"Image": args[args.index("--body-size") + 2], "Env": ["PAD=" + "x" * n],
               "HostConfig": {"Privileged": True}}
        body = json.dumps(doc).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
    if ctype and body:
        head += "Content-Type: application/json\r\n"
    if chunked:
        head += "Transfer-Encoding: chunked\r\n\r\n"
        payload = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n" if body else b"0\r\n\r\n"
    else:
        head += f"Content-Length: {len(body)}\r\n\r\n"
        payload = body
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(sock)
    try:
        s.sendall(head.encode() + payload)
    except (BrokenPipeError, ConnectionResetError):
        pass  # dockerd answered (a refusal) before reading the whole body
    data = b""
    while True:
        try:
            d = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            break
        data += d
    status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "000"
    answer = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    print(status, answer.decode(errors="replace").replace("\n", " ").replace("\r", ""))


if __name__ == "__main__":
    main()
