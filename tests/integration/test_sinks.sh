#!/bin/sh
# Outputs: a real HTTP receiver gets the exact Falco JSON of a real alert from
# a real container; a receiver that goes down and comes back loses nothing
# and sees the order kept (spool) or has its drops counted (no spool).
# HTTPS is verified against the configured CA. The counters printed at exit
# are final; mutual TLS with a client certificate. Ports 15160-15165 (loopback).
. tests/integration/lib.sh

RECV_PIDS=
trap 'for p in $RECV_PIDS; do kill "$p" 2>/dev/null; done; cleanup' EXIT INT TERM
C=sinks-out
P1=15160
P2=15161
P3=15162
P4=15163
P5=15164
P6=15165

# start_receiver PORT DIR [CERT KEY]: a python3 http.server receiver (tests/tools).
start_receiver() {
	rm -f "$2/ready"
	python3 tests/tools/webhook_receiver.py "$@" &
	RECV_PIDS="$RECV_PIDS $!"
	eval "RECV_$1=$!"
	i=0
	until [ -e "$2/ready" ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "receiver on $1 did not start" >&2; return 1; }
		sleep 0.1
	done
}
stop_receiver() {
	eval "kill \$RECV_$1; wait \$RECV_$1" 2>/dev/null
}

# wait_lines FILE N [SECONDS]: until FILE has at least N lines.
wait_lines() {
	deadline=$(( $(date +%s) + ${3:-10} ))
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || { echo "$1: fewer than $2 lines" >&2; return 1; }
		sleep 0.2
	done
}

cat >"$WORK/rules.yaml" <<'R'
- rule: Sinks test A
  desc: the sinks test ran its marker program
  condition: evt.type in (execve, execveat) and proc.name = sinks_a and container.id != host
  output: sinks marker ran (command=%proc.cmdline container=%container.name)
  priority: WARNING
  tags: [palisade_test]
R
cat >"$WORK/palisade.yaml" <<Y
rules:
  files: [$WORK/rules.yaml]
outputs:
  - type: file
    path: $WORK/alerts.json
  - type: webhook
    name: spooled
    url: http://127.0.0.1:$P1/
    spool_dir: $WORK/spool
    backoff_ms: 100
    timeout_ms: 2000
  - type: webhook
    name: nospool
    url: http://127.0.0.1:$P2/
    retries: 1
    backoff_ms: 50
    timeout_ms: 1000
  - type: webhook
    name: tls
    url: https://127.0.0.1:$P3/falco
    tls_ca: $WORK/cert.pem
    headers: {X-Palisade-Test: sinks}
  - type: webhook
    name: tlsbad
    url: https://127.0.0.1:$P4/
    retries: 0
Y
# A self-signed certificate for 127.0.0.1: trusted by "tls" only.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

run_container $C "$IMAGE" sleep 300
docker exec $C ln -s /bin/busybox /tmp/sinks_a
start_receiver $P1 "$WORK/r1" || exit 1
start_receiver $P2 "$WORK/r2" || exit 1
start_receiver $P3 "$WORK/r3" "$WORK/cert.pem" "$WORK/key.pem" || exit 1
start_receiver $P4 "$WORK/r4" "$WORK/cert.pem" "$WORK/key.pem" || exit 1
start_agent_with --config "$WORK/palisade.yaml" || exit 1

docker exec $C /tmp/sinks_a true n0 >/dev/null 2>&1
wait_lines "$WORK/r1/bodies.jsonl" 1
body=$(head -1 "$WORK/r1/bodies.jsonl")
line=$(head -1 "$WORK/alerts.json")
check "webhook body is exactly the alert's Falco JSON line" sh -c "[ -n '$line' ] && [ '$(printf %s "$body" | md5sum)' = '$(printf %s "$line" | md5sum)' ]"
check "webhook body is a real alert from the container" expect "$body" \
	'.rule=="Sinks test A" and .priority=="Warning" and .source=="syscall" and .output_fields["container.name"]=="sinks-out" and (.output|contains("n0")) and (.tags==["palisade_test"]) and (.time|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))'
# Falco's eight keys, and beyond them only palisade's documented extras
# (host_id, agent_version: docs/fleet.md), which Falco's tools ignore.
check "webhook body has Falco's keys, none missing, and only palisade's extras" expect "$body" \
	'(["hostname","output","output_fields","priority","rule","source","tags","time"] - keys) == [] and (keys - ["hostname","output","output_fields","priority","rule","source","tags","time","host_id","agent_version"]) == [] and (.host_id|length)==32'
check "webhook POSTs to / with Content-Type application/json" \
	grep -q '^POST / application/json ' "$WORK/r1/requests.log"
wait_lines "$WORK/r3/bodies.jsonl" 1
check "HTTPS verified with tls_ca: the same body, headers added" sh -c \
	"cmp -s '$WORK/r1/bodies.jsonl' '$WORK/r3/bodies.jsonl' && grep -q '^POST /falco application/json [0-9]* sinks -\$' '$WORK/r3/requests.log'"
check "HTTPS with an untrusted certificate is refused, not sent" sh -c \
	"grep -q 'output tlsbad: POST https://127.0.0.1:$P4/ failed: .*certificate' '$WORK/agent.err' && [ ! -s '$WORK/r4/bodies.jsonl' ]"
check "alerts do not go to stdout when outputs are configured" sh -c "[ ! -s '$WORK/agent.out' ]"

# Both receivers go down; three alerts happen; they come back.
stop_receiver $P1
stop_receiver $P2
for n in n1 n2 n3; do
	docker exec $C /tmp/sinks_a true $n >/dev/null 2>&1
done
wait_lines "$WORK/alerts.json" 4
sleep 2 # the no-spool sink gives up after its retry
check "receiver down: the spool holds the alerts" sh -c "[ -s '$WORK/spool/spooled.spool' ]"
start_receiver $P1 "$WORK/r1" || exit 1
start_receiver $P2 "$WORK/r2" || exit 1
docker exec $C /tmp/sinks_a true n4 >/dev/null 2>&1
wait_lines "$WORK/alerts.json" 5
wait_lines "$WORK/r1/bodies.jsonl" 5 15
check "spool on: nothing lost, in order, byte for byte" cmp "$WORK/alerts.json" "$WORK/r1/bodies.jsonl"
check "spool on: the order is n0..n4" sh -c "[ \"\$(jq -r '.output' '$WORK/r1/bodies.jsonl' | grep -o 'n[0-9]' | tr -d '\n')\" = n0n1n2n3n4 ]"
wait_lines "$WORK/r2/bodies.jsonl" 2
check "spool off: only what came while the receiver was up" sh -c "[ \"\$(jq -r '.output' '$WORK/r2/bodies.jsonl' | grep -o 'n[0-9]' | tr -d '\n')\" = n0n4 ]"
check "spool emptied once delivered" sh -c "[ ! -s '$WORK/spool/spooled.spool' ]"
kill -USR1 "$AGENT_PID"
sleep 0.5
check "spool off: the three drops are counted and reported" \
	grep -q 'output nospool (webhook): delivered 2, failed attempts 6, dropped 3,' "$WORK/agent.err"
check "spool on: spooled and delivered are counted" \
	grep -q 'output spooled (webhook): delivered 5, failed attempts [1-9][0-9]*, dropped 0, spooled [34],' "$WORK/agent.err"
stop_agent
check "receiver failure was reported once, naming the sink and URL" \
	grep -q "output nospool: POST http://127.0.0.1:$P2/ failed" "$WORK/agent.err"

# The counters printed at exit are final: alerts still queued for a slow
# receiver when the agent stops are delivered first, then counted (the exit
# line said "delivered 6" while the receiver had 7 POSTs).
cat >"$WORK/slow.yaml" <<Y
rules:
  files: [$WORK/rules.yaml]
outputs:
  - type: file
    path: $WORK/alerts-slow.json
  - type: webhook
    name: slow
    url: http://127.0.0.1:$P5/
Y
WEBHOOK_DELAY_MS=400 start_receiver $P5 "$WORK/r5" || exit 1
start_agent_with --config "$WORK/slow.yaml" || exit 1
for n in s1 s2 s3 s4 s5 s6; do
	docker exec $C /tmp/sinks_a true $n >/dev/null 2>&1
done
wait_lines "$WORK/alerts-slow.json" 6 30
stop_agent
check "exit: the receiver got every alert (6 POSTs)" sh -c "[ \$(wc -l <'$WORK/r5/bodies.jsonl') -eq 6 ]"
check "exit: the exit line counts what the receiver got (delivered 6)" \
	grep -q '^palisade: exit: output slow (webhook): delivered 6, failed attempts 0, dropped 0, spooled 0, queued 0/' "$WORK/agent.err"

# Mutual TLS (Falco's http_output mtls): a receiver that requires a client
# certificate signed by its CA gets the alert from the output that presents
# one, and refuses the output that has none.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=sinks-client-ca \
	-keyout "$WORK/cca.key" -out "$WORK/cca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=palisade-agent -keyout "$WORK/client.key" \
	-out "$WORK/client.csr" 2>/dev/null
openssl x509 -req -in "$WORK/client.csr" -CA "$WORK/cca.pem" -CAkey "$WORK/cca.key" \
	-CAcreateserial -days 1 -out "$WORK/client.pem" 2>/dev/null
cat >"$WORK/mtls.yaml" <<Y
rules:
  files: [$WORK/rules.yaml]
outputs:
  - type: webhook
    name: mtls
    url: https://127.0.0.1:$P6/
    tls_ca: $WORK/cert.pem
    tls_cert: $WORK/client.pem
    tls_key: $WORK/client.key
  - type: webhook
    name: nocert
    url: https://127.0.0.1:$P6/
    tls_ca: $WORK/cert.pem
    retries: 0
Y
start_receiver $P6 "$WORK/r6" "$WORK/cert.pem" "$WORK/key.pem" "$WORK/cca.pem" || exit 1
start_agent_with --config "$WORK/mtls.yaml" || exit 1
docker exec $C /tmp/sinks_a true m1 >/dev/null 2>&1
wait_lines "$WORK/r6/bodies.jsonl" 1 30
stop_agent
check "mutual TLS: the receiver got the alert, from the client certificate palisade-agent" sh -c \
	"[ \$(wc -l <'$WORK/r6/bodies.jsonl') -eq 1 ] && grep -q '^POST / application/json [0-9]* - palisade-agent\$' '$WORK/r6/requests.log'"
check "mutual TLS: the output without a certificate was refused, its failure counted" \
	grep -q '^palisade: exit: output nocert (webhook): delivered 0, failed attempts [1-9]' "$WORK/agent.err"
