#!/usr/bin/env python3
"""Servers test_supply.sh runs on loopback beside the real docker-registry.

  registry_stub.py token PORT KEY CERT USER:PASS
      Docker's token service for docker-registry's `auth: token`: checks the
      user's Basic credentials and issues an RS256 JWT (signed with openssl,
      the certificate in its x5c header) granting the scope asked for.
  registry_stub.py hostile PORT
      A registry that answers /v2/NAME/manifests/REF with what an attacker or
      a broken registry would send, by repository name: malformed, ambiguous,
      huge, slow, mismatch (a digest header that is not the bytes').

Bounded: each exits after 10 minutes at most.
"""
import base64
import hashlib
import http.server
import json
import subprocess
import sys
import threading
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Token(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        from urllib.parse import parse_qs, urlparse
        q = parse_qs(urlparse(self.path).query)
        want = "Basic " + base64.b64encode(CREDS.encode()).decode()
        if self.headers.get("Authorization") != want:
            self.send_response(401)
            self.end_headers()
            return
        access = []
        for scope in q.get("scope", []):
            kind, name, actions = scope.split(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [CERT_DER]}
        claims = {"iss": "palisade-test", "sub": CREDS.split(":")[0],
                  "aud": q.get("service", [""])[0], "exp": now + 300, "nbf": now - 30,
                  "iat": now, "jti": str(now), "access": access}
        signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing.encode(),
                             capture_output=True, check=True).stdout
        body = json.dumps({"token": signing + "." + b64url(sig), "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


MANIFEST = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2,
               "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest()},
    "layers": []}).encode()


class Hostile(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, body, ctype="application/vnd.oci.image.manifest.v1+json", digest=None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if digest:
            self.send_header("Docker-Content-Digest", digest)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a bounded client does

    def do_GET(self):
        if self.path == "/v2/":
            return self.reply(b"{}", "application/json")
        name = self.path.split("/")[2]
        if name == "malformed":
            return self.reply(b'{"schemaVersion": 2, "layers": [')
        if name == "ambiguous":
            doc = json.loads(MANIFEST)
            doc["manifests"] = []
            return self.reply(json.dumps(doc).encode())
        if name == "huge":
            return self.reply(b" " * (5 << 20) + MANIFEST)
        if name == "slow":
            time.sleep(30)
            return self.reply(MANIFEST)
        if name == "mismatch":
            return self.reply(MANIFEST, digest="sha256:" + hashlib.sha256(b"other").hexdigest())
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    global KEY, CERT_DER, CREDS
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "token":
        KEY, cert, CREDS = sys.argv[3], sys.argv[4], sys.argv[5]
        der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                             capture_output=True, check=True).stdout
        CERT_DER = base64.b64encode(der).decode()
        handler = Token
    else:
        handler = Hostile
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Timer(600, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
