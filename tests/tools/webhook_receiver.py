#!/usr/bin/env python3
"""A real HTTP receiver for the webhook sink's tests.

Usage: webhook_receiver.py PORT DIR [CERT KEY [CLIENT_CA]]
Listens on 127.0.0.1:PORT (HTTPS with CERT and KEY; with CLIENT_CA, mutual TLS:
a client certificate signed by CLIENT_CA is required, and its subject's CN is
logged as the request line's last word). Every POST body is appended to DIR/bodies.jsonl
exactly as received (plus a newline), and one line per request to
DIR/requests.log: "METHOD PATH CONTENT-TYPE LENGTH X-PALISADE-TEST". Answers 200 with an
empty JSON object, like falcosidekick. DIR/ready appears once listening.
With WEBHOOK_DELAY_MS set, each answer comes that long after the body was written
(a slow receiver).
"""
import http.server
import os
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        out = self.server.out_dir
        with open(os.path.join(out, "bodies.jsonl"), "ab") as f:
            f.write(body + b"\n")
        peer = "-"
        if hasattr(self.connection, "getpeercert") and self.connection.getpeercert():
            subject = dict(x[0] for x in self.connection.getpeercert()["subject"])
            peer = subject.get("commonName", "-")
        with open(os.path.join(out, "requests.log"), "a") as f:
            f.write("%s %s %s %d %s %s\n" % (self.command, self.path,
                                             self.headers.get("Content-Type", "-"), length,
                                             self.headers.get("X-Palisade-Test", "-"), peer))
        time.sleep(int(os.environ.get("WEBHOOK_DELAY_MS", "0")) / 1000.0)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, fmt, *args):
        pass


def main():
    port, out_dir = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    server.out_dir = out_dir
    if len(sys.argv) >= 5:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        if len(sys.argv) == 6:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(sys.argv[5])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    open(os.path.join(out_dir, "ready"), "w").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
