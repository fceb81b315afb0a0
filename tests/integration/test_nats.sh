#!/bin/sh
# The NATS JetStream output (docs/fleet.md) against a real `nats-server -js`:
# alerts go to palisade.HOST.PRIORITY on a stream the agent creates, each
# acknowledged; the server is stopped mid-stream (alerts wait in the spool),
# the agent is restarted while it is down (the spool outlives it), the server
# comes back: every alert is in the stream exactly once, in order, with the
# host's name, machine id and the agent's version. A message published again
# with the same Nats-Msg-Id is stored once. `palisade tail --nats` prints them.
. tests/integration/lib.sh

command -v nats-server >/dev/null || {
	skip "test_nats.sh: nats-server is not installed (scripts/install-deps.sh installs it for make check)"
	exit 0
}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=nats://127.0.0.1:$PORT
NATS_PID=
start_nats() {
	nats-server -js -a 127.0.0.1 -p "$PORT" -sd "$WORK/js" >>"$WORK/nats.log" 2>&1 &
	NATS_PID=$!
	i=0
	until grep -q 'Server is ready' "$WORK/nats.log" 2>/dev/null || [ $i -gt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
stop_nats() {
	[ -n "$NATS_PID" ] || return 0
	kill -TERM "$NATS_PID" 2>/dev/null
	wait "$NATS_PID" 2>/dev/null
	NATS_PID=
	: >"$WORK/nats.log"
}
trap 'stop_nats; cleanup' EXIT INT TERM

T=frnats$$
BIN=$WORK/$T
cp /bin/true "$BIN"
cat >"$WORK/rule.yaml" <<Y
- rule: fleet test exec
  desc: the test's own binary, run with its sequence number
  condition: evt.type in (execve, execveat) and proc.name = "$T"
  output: "fleet %proc.name seq=%proc.args"
  priority: NOTICE
Y
cat >"$WORK/cfg.yaml" <<Y
outputs:
  - type: nats
    url: $URL
    timeout_ms: 2000
    spool_dir: $WORK/spool
    backoff_ms: 100
Y
# burst FROM TO: runs the binary with each sequence number.
burst() {
	i=$1
	while [ "$i" -le "$2" ]; do "$BIN" "$i"; i=$((i + 1)); done
}
# stored: the stream's alerts of this test, as sequence numbers, in order.
stored() {
	./palisade tail --nats "$URL" --subject "palisade.>" --all --json --idle-exit-ms 1500 2>/dev/null |
		grep -F "$T" | jq -r '.output_fields["proc.args"]'
}
wait_stored() {
	deadline=$(( $(date +%s) + 30 ))
	while [ "$(stored | wc -l)" -lt "$1" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
}

start_nats
check "nats-server -js runs on port $PORT" grep -q 'Server is ready' "$WORK/nats.log"
start_agent_with --config "$WORK/cfg.yaml" --rules "$WORK/rule.yaml" --status-socket none || exit 1
burst 1 40
wait_stored 40
check "40 alerts acknowledged by the stream the agent created" sh -c \
	"grep -q 'created the JetStream stream PALISADE over palisade.>' '$WORK/agent.err' && [ \$(./palisade tail --nats '$URL' --all --json --idle-exit-ms 1500 | grep -c '$T') -eq 40 ]"
host=$(hostname | tr '. *>' '____')
./palisade tail --nats "$URL" --all --json --idle-exit-ms 1500 | grep -F "$T" | head -1 >"$WORK/one.json"
check "each alert carries hostname, the machine id and the agent version" sh -c \
	"[ -s '$WORK/one.json' ] && jq -e --arg h \"\$(hostname)\" --arg id \"\$(cat /etc/machine-id)\" --arg v \"\$(./palisade --version | cut -d' ' -f2)\" '.hostname==\$h and .host_id==\$id and .agent_version==\$v and .priority==\"Notice\"' '$WORK/one.json' >/dev/null"
check "the subject is palisade.HOST.PRIORITY" sh -c \
	"./palisade tail --nats '$URL' --subject 'palisade.$host.notice' --all --json --idle-exit-ms 1500 | grep -q '$T'"

# The server goes away mid-stream: alerts wait in the spool.
stop_nats
burst 41 80
sleep 2
check "while the server is down the alerts are spooled" sh -c \
	"[ -s '$WORK/spool/nats#1.spool' ] && grep -q 'output nats#1: connecting to $URL failed' '$WORK/agent.err'"
# The agent restarts while the server is down: the spool outlives it.
stop_agent
check "the agent's exit says what it kept in the spool" grep -q 'output nats#1 (nats):.*spool [1-9]' "$WORK/agent.err"
start_agent_with --config "$WORK/cfg.yaml" --rules "$WORK/rule.yaml" --status-socket none || exit 1
burst 81 100
start_nats
burst 101 120
wait_stored 120
stored >"$WORK/seqs"
check "after the server's restart every alert is stored: 120 of 120" [ "$(wc -l <"$WORK/seqs")" -eq 120 ]
check "none twice (Nats-Msg-Id de-duplication)" [ "$(sort -n "$WORK/seqs" | uniq -d | wc -l)" -eq 0 ]
check "none lost: exactly 1..120" sh -c "[ \"\$(sort -n '$WORK/seqs' | tr '\\n' ' ')\" = \"\$(seq 1 120 | tr '\\n' ' ')\" ]"
check "the agent says the server acknowledges again" grep -q 'output nats#1: .* acknowledges alerts again' "$WORK/agent.err"
stop_agent

# The same message id published twice is stored once (JetStream's duplicate
# window, set on the stream the agent created): a raw client sends it twice.
dup=$(python3 - "$PORT" <<'PY'
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
f = s.makefile("rb")
f.readline()  # INFO
s.sendall(b'CONNECT {"headers":true,"verbose":false,"pedantic":false}\r\nSUB _INBOX.fr 1\r\n')
acks = []
for _ in range(2):
    hdr = b"NATS/1.0\r\nNats-Msg-Id: fr-dup-test-1\r\n\r\n"
    body = b'{"rule":"dup test"}'
    s.sendall(b"HPUB palisade.duptest.notice _INBOX.fr %d %d\r\n%s%s\r\n" % (len(hdr), len(hdr) + len(body), hdr, body))
    while True:
        line = f.readline()
        if line.startswith(b"PING"):
            s.sendall(b"PONG\r\n")
        elif line.startswith(b"MSG"):
            acks.append(json.loads(f.readline()))
            break
print(json.dumps(acks))
PY
)
check "a second publish with the same Nats-Msg-Id is acknowledged as a duplicate, not stored" sh -c \
	"echo '$dup' | jq -e '.[0].duplicate != true and .[1].duplicate == true and .[0].seq == .[1].seq' >/dev/null"
check "palisade tail prints the fleet's alerts as lines" sh -c \
	"./palisade tail --nats '$URL' --all --idle-exit-ms 1500 | grep -q \"\$(hostname) (.*) Notice fleet test exec: .*fleet $T seq=7 \""
