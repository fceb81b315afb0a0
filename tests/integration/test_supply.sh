#!/bin/sh
# palisade image keygen|sign|verify against real registries on loopback
# (Debian's docker-registry: plain, token authentication, TLS) and a hostile
# one (tests/integration/registry_stub.py); the other side of each exchange is
# skopeo (containers/image reads and writes the sigstore attachments) and the
# Go libraries cosign's key code runs (tests/interop/cosign_keys.go).
# docs/supply-chain.md.
. tests/integration/lib.sh

for tool in docker-registry skopeo openssl python3 curl; do
	command -v $tool >/dev/null || { skip "$(basename "$0"): $tool is not installed (scripts/install-deps.sh)"; exit 0; }
done

PIDS=
supply_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	cleanup
}
trap supply_cleanup EXIT INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_registry NAME PORT [YAML...]: docker-registry with storage in $WORK/NAME.
start_registry() {
	name=$1 port=$2
	shift 2
	{
		printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$WORK/$name"
		printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$WORK/$name.yml"
	docker-registry serve "$WORK/$name.yml" >"$WORK/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	until curl -sk -o /dev/null "http://127.0.0.1:$port/v2/" || curl -sk -o /dev/null "https://127.0.0.1:$port/v2/"; do
		i=$((i + 1))
		[ $i -lt 50 ] || { cat "$WORK/$name.log"; return 1; }
		sleep 0.1
	done
}

P1=$(free_port)
R1=127.0.0.1:$P1
start_registry r1 "$P1" || { not_ok "docker-registry starts"; exit 1; }
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$WORK/any.json"
mkdir -p "$WORK/regd"
SK="skopeo --policy $WORK/any.json --registries.d $WORK/regd"
push() { $SK copy -q --dest-tls-verify=false "$@" >"$WORK/push.log" 2>&1 || cat "$WORK/push.log"; }
push "docker-daemon:$IMAGE" "docker://$R1/supply-it/app:v1"
push "docker-daemon:$IMAGE" "docker://$R1/supply-it/unsigned:v1"

# ---- keys ----
printf 'correct horse\n' >"$WORK/pass"
chmod 600 "$WORK/pass"
PAL="./palisade image"
check "keygen writes cosign's encrypted key (0600) and a PEM public key" \
	sh -c "$PAL keygen --output-key-prefix $WORK/k1 --passphrase-file $WORK/pass >/dev/null &&
	       head -1 $WORK/k1.key | grep -qx -- '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----' &&
	       [ \$(stat -c %a $WORK/k1.key) = 600 ] && head -1 $WORK/k1.pub | grep -q 'BEGIN PUBLIC KEY'"
check "keygen refuses to replace an existing key without --force" \
	sh -c "$PAL keygen --output-key-prefix $WORK/k1 --passphrase-file $WORK/pass 2>&1 | grep -q 'refusing to replace'"

# ---- sign, verify ----
V="$PAL verify --timeout 20"
out=$($PAL sign --key "$WORK/k1.key" --passphrase-file "$WORK/pass" "$R1/supply-it/app:v1" 2>&1)
check "sign: palisade signs the digest the tag resolves to" sh -c "echo '$out' | grep -q '^signed $R1/supply-it/app@sha256:'"
DIGEST=$(echo "$out" | sed -n 's/^signed [^@]*@\(sha256:[0-9a-f]*\).*/\1/p')
check "verify: accepted with the signer's key" sh -c "$V --key $WORK/k1.pub $R1/supply-it/app:v1 | grep -q 'verified: .*$DIGEST'"
$V --key "$WORK/k1.pub" --json "$R1/supply-it/app:v1" >"$WORK/v.json"
check "verify --json names the digest, the key and the signed identity" \
	jq -e --arg d "$DIGEST" --arg i "$R1/supply-it/app" '.verified and .digest == $d and .identity == $i' "$WORK/v.json"
$PAL keygen --output-key-prefix "$WORK/k3" --passphrase-file "$WORK/pass" >/dev/null
$V --key "$WORK/k3.pub" "$R1/supply-it/app:v1" >/dev/null 2>"$WORK/err"
rc=$?
check "verify: another key is refused (exit 1, 'does not verify')" sh -c "[ $rc = 1 ] && grep -q 'does not verify' $WORK/err"
check "verify: any one of several keys is enough" $V --key "$WORK/k3.pub" --key "$WORK/k1.pub" "$R1/supply-it/app:v1"
$V --key "$WORK/k1.pub" "$R1/supply-it/unsigned:v1" >/dev/null 2>"$WORK/err"
check "verify: a missing signature is refused, naming the tag looked for" \
	grep -q "no signature: $R1/supply-it/unsigned:sha256-[0-9a-f]*.sig does not exist" "$WORK/err"
check "sign: a wrong passphrase is refused" sh -c "! echo wrong > $WORK/bad; chmod 600 $WORK/bad;
	$PAL sign --key $WORK/k1.key --passphrase-file $WORK/bad $R1/supply-it/app:v1 2>&1 | grep -q 'wrong passphrase'"

# ---- containers/image (skopeo) reads and writes the attachments ----
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$R1" >"$WORK/regd/r1.yaml"
$SK copy -q --src-tls-verify=false "docker://$R1/supply-it/app:v1" "dir:$WORK/d1" >"$WORK/sk.log" 2>&1
# dir: signature files: "\0sigstore-json\n" and {mimeType, payload (base64), annotations}.
sigfield() {
	tail -c +16 "$1" | python3 -c 'import base64, json, sys
d = json.load(sys.stdin)
if sys.argv[1] == "payload":
    sys.stdout.buffer.write(base64.b64decode(d["payload"]))
else:
    print(d["annotations"]["dev.cosignproject.cosign/signature"])' "$2"
}
check "skopeo (containers/image) reads palisade's signature attachment" \
	sh -c "[ -f $WORK/d1/signature-1 ] && head -c 15 $WORK/d1/signature-1 | tail -c 14 | grep -q sigstore-json"
sigfield "$WORK/d1/signature-1" payload >"$WORK/payload1"
check "the payload is cosign's: identity, digest and type" \
	jq -e --arg d "$DIGEST" '.critical.image["docker-manifest-digest"] == $d and
		.critical.type == "cosign container image signature" and .optional == null' "$WORK/payload1"

GO_OK=
if command -v go >/dev/null && [ -d /usr/share/gocode/src/golang.org/x/crypto/nacl/secretbox ]; then
	GOCACHE=$WORK/gocache GO111MODULE=off GOPATH=/usr/share/gocode \
		go build -o "$WORK/cosign_keys" tests/interop/cosign_keys.go 2>"$WORK/go.log" && GO_OK=1
fi
if [ -n "$GO_OK" ]; then
	check "Go (crypto/ecdsa, x509) verifies palisade's signature as stored in the registry" \
		"$WORK/cosign_keys" verify "$WORK/k1.pub" "$WORK/payload1" "$(sigfield "$WORK/d1/signature-1" sig)"
	# A key written by the Go libraries cosign runs (scrypt, secretbox, PKCS#8).
	"$WORK/cosign_keys" keygen "$WORK/k2" "go pass"
	printf 'go pass' >"$WORK/gopass"
	chmod 600 "$WORK/gopass"
	check "palisade signs with a key the Go libraries wrote in cosign's format" \
		sh -c "$PAL sign --key $WORK/k2.key --passphrase-file $WORK/gopass $R1/supply-it/app:v1 >/dev/null &&
		       $V --key $WORK/k2.pub $R1/supply-it/app:v1 >/dev/null"
	# The reverse: Go opens palisade's key and signs; containers/image attaches it.
	$SK copy -q --remove-signatures --src-tls-verify=false "docker://$R1/supply-it/app:v1" "dir:$WORK/d2" >>"$WORK/sk.log" 2>&1
	d2=$(sha256sum "$WORK/d2/manifest.json" | cut -d' ' -f1)
	printf '{"critical":{"identity":{"docker-reference":"%s/supply-it/gosigned"},"image":{"docker-manifest-digest":"sha256:%s"},"type":"cosign container image signature"},"optional":null}' \
		"$R1" "$d2" >"$WORK/gopayload"
	gosig=$("$WORK/cosign_keys" sign "$WORK/k1.key" "correct horse" "$WORK/gopayload")
	python3 - "$WORK/gopayload" "$gosig" "$WORK/d2/signature-1" <<'EOF'
import base64, json, sys
doc = {"mimeType": "application/vnd.dev.cosign.simplesigning.v1+json",
       "payload": base64.b64encode(open(sys.argv[1], "rb").read()).decode(),
       "annotations": {"dev.cosignproject.cosign/signature": sys.argv[2]}}
open(sys.argv[3], "wb").write(b"\0sigstore-json\n" + json.dumps(doc).encode())
EOF
	$SK copy -q --dest-tls-verify=false "dir:$WORK/d2" "docker://$R1/supply-it/gosigned:v1" >>"$WORK/sk.log" 2>&1
	check "palisade verifies a signature Go made with palisade's key, attached by containers/image" \
		$V --key "$WORK/k1.pub" "$R1/supply-it/gosigned:v1"
else
	skip "Go interop: go or golang-golang-x-crypto-dev is missing (scripts/install-deps.sh)"
fi

# skopeo's own sigstoreSigned policy, where its build has it (Debian 12's
# containers/image 5.23 is built with sigstore disabled).
printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","keyPath":"%s","signedIdentity":{"type":"matchRepository"}}]},"dir":{"":[{"type":"insecureAcceptAnything"}]}}}\n' \
	"$R1" "$WORK/k1.pub" >"$WORK/policy.json"
SKP="skopeo --policy $WORK/policy.json --registries.d $WORK/regd"
if $SKP copy -q --src-tls-verify=false "docker://$R1/supply-it/app:v1" "dir:$WORK/d3" >"$WORK/skp.log" 2>&1; then
	ok "skopeo's sigstoreSigned policy accepts the image palisade signed"
	check "skopeo's policy refuses an unsigned image" sh -c "! $SKP copy -q --src-tls-verify=false docker://$R1/supply-it/unsigned:v1 dir:$WORK/d4 2>/dev/null"
elif grep -q "sigstore disabled" "$WORK/skp.log"; then
	skip "skopeo policy check: this skopeo's containers/image is built without sigstore ($(grep -o 'Debian-local change: sigstore disabled' "$WORK/skp.log" | head -1))"
else
	not_ok "skopeo's sigstoreSigned policy accepts the image palisade signed: $(tail -1 "$WORK/skp.log")"
fi

# ---- refusals ----
# A payload changed after signing (containers/image carries it into the registry).
mkdir -p "$WORK/d5" && cp "$WORK/d1/"* "$WORK/d5/"
python3 - "$WORK/d5/signature-1" <<'EOF'
import base64, json, sys
raw = open(sys.argv[1], "rb").read()
doc = json.loads(raw[15:])
p = base64.b64decode(doc["payload"]).replace(b'"optional":null', b'"optional":{}')
doc["payload"] = base64.b64encode(p).decode()
open(sys.argv[1], "wb").write(raw[:15] + json.dumps(doc).encode())
EOF
$SK copy -q --dest-tls-verify=false "dir:$WORK/d5" "docker://$R1/supply-it/modified:v1" >>"$WORK/sk.log" 2>&1
$V --key "$WORK/k1.pub" "$R1/supply-it/modified:v1" >/dev/null 2>"$WORK/err"
check "a modified payload is refused ('does not verify')" grep -q "does not verify" "$WORK/err"
# The tag moved to another image: its digest has no signature; the old digest still has.
push --format oci "docker-daemon:$IMAGE" "docker://$R1/supply-it/app:v1"
$V --key "$WORK/k1.pub" "$R1/supply-it/app:v1" >/dev/null 2>"$WORK/err"
check "a tag moved to another image is refused (its digest is not signed)" grep -q "no signature" "$WORK/err"
check "the signed digest is still accepted by digest" $V --key "$WORK/k1.pub" "$R1/supply-it/app@$DIGEST"
# The registry's storage changed under it: the bytes no longer hash to the digest.
ud=$($V --key "$WORK/k1.pub" --json "$R1/supply-it/unsigned:v1" 2>/dev/null | jq -r .digest)
blob="$WORK/r1/docker/registry/v2/blobs/sha256/$(echo "${ud#sha256:}" | cut -c1-2)/${ud#sha256:}/data"
printf ' ' >>"$blob"
$V --key "$WORK/k1.pub" "$R1/supply-it/unsigned:v1" >/dev/null 2>"$WORK/err"
check "a manifest whose bytes do not hash to its digest is refused (digest mismatch)" grep -q "digest mismatch" "$WORK/err"

P3=$(free_port)
python3 tests/integration/registry_stub.py hostile "$P3" &
PIDS="$PIDS $!"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$P3/v2/" || [ $i -ge 100 ]; do i=$((i + 1)); sleep 0.1; done
hv() { $V --key "$WORK/k1.pub" --timeout 3 "127.0.0.1:$P3/$1/x:v1" >/dev/null 2>"$WORK/err"; }
hv malformed
check "a malformed manifest is refused clearly" grep -q "malformed manifest" "$WORK/err"
hv ambiguous
check "a manifest with both layers and manifests is refused (ambiguous)" grep -q "ambiguous" "$WORK/err"
hv huge
check "a manifest over 4 MiB is refused unread" grep -q "larger than 4194304 bytes" "$WORK/err"
hv mismatch
check "a Docker-Content-Digest that is not the bytes' digest is refused" grep -q "digest mismatch: the registry announced" "$WORK/err"
t0=$(date +%s)
hv slow
t1=$(date +%s)
check "a registry that does not answer is refused after --timeout ($((t1 - t0)) s for 3)" \
	sh -c "grep -q 'timed out' $WORK/err && [ $((t1 - t0)) -lt 10 ]"

# ---- token authentication ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tok.key" -out "$WORK/tok.crt" -days 1 \
	-subj /CN=palisade-token >/dev/null 2>&1
PT=$(free_port)
python3 tests/integration/registry_stub.py token "$PT" "$WORK/tok.key" "$WORK/tok.crt" "sup:s3cret" &
PIDS="$PIDS $!"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PT/" || [ $i -ge 100 ]; do i=$((i + 1)); sleep 0.1; done
P2=$(free_port)
R2=127.0.0.1:$P2
start_registry r2 "$P2" "auth:" "  token:" "    realm: http://127.0.0.1:$PT/token" \
	"    service: palisade-registry" "    issuer: palisade-test" "    rootcertbundle: $WORK/tok.crt"
push --dest-creds sup:s3cret "docker-daemon:$IMAGE" "docker://$R2/supply-it/app:v1"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R2" "$(printf sup:s3cret | base64)" >"$WORK/auth.json"
check "token auth: sign and verify with credentials from --authfile" \
	sh -c "$PAL sign --authfile $WORK/auth.json --key $WORK/k1.key --passphrase-file $WORK/pass $R2/supply-it/app:v1 >/dev/null &&
	       $V --authfile $WORK/auth.json --key $WORK/k1.pub $R2/supply-it/app:v1 >/dev/null"
printf '{"auths":{}}\n' >"$WORK/noauth.json"
$V --authfile "$WORK/noauth.json" --key "$WORK/k1.pub" "$R2/supply-it/app:v1" >/dev/null 2>"$WORK/err"
check "token auth: without credentials the token service's refusal is reported" grep -q "token service: HTTP 401" "$WORK/err"

# ---- TLS ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/tls.key" \
	-out "$WORK/tls.crt" -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
P4=$(free_port)
R4=127.0.0.1:$P4
start_registry r4 "$P4" "  tls:" "    certificate: $WORK/tls.crt" "    key: $WORK/tls.key"
push "docker-daemon:$IMAGE" "docker://$R4/supply-it/app:v1"
$PAL sign --ca-file "$WORK/tls.crt" --key "$WORK/k1.key" --passphrase-file "$WORK/pass" "$R4/supply-it/app:v1" >/dev/null 2>&1
check "TLS: verified with the registry's CA (--ca-file)" $V --ca-file "$WORK/tls.crt" --key "$WORK/k1.pub" "$R4/supply-it/app:v1"
$V --key "$WORK/k1.pub" "$R4/supply-it/app:v1" >/dev/null 2>"$WORK/err"
check "TLS: an unknown certificate is refused, not skipped (even on loopback)" grep -qi "certificate" "$WORK/err"
