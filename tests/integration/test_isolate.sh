#!/bin/sh
# Isolation and playbooks (docs/response.md) with real containers on a docker
# network this test creates: a rule's `isolate` cuts a container off the
# network while it keeps running (its connect and UDP send get EPERM, its
# loopback works), `palisade isolate --undo` restores it, both recorded; an
# operator's `palisade isolate NAME`; commands refused to a non-root peer; a
# playbook [pause, isolate, notify] runs in order and routes to a named
# output below its min_priority; audit mode reports "would-have" for every
# step and changes nothing.
. tests/integration/lib.sh

NET=respond-isonet
SRV=172.31.222.10
docker network rm "$NET" >/dev/null 2>&1
if ! docker network create --subnet 172.31.222.0/24 "$NET" >/dev/null; then
	not_ok "docker network $NET could not be created"
	exit 1
fi
trap 'cleanup; docker network rm "$NET" >/dev/null 2>&1' EXIT INT TERM

cc -static -O2 -o "$WORK/udp_send" tests/integration/netpolicy_udp_send.c || {
	not_ok "building the UDP helper"
	exit 1
}

SOCK="$WORK/status.sock"
cat >"$WORK/rules.yaml" <<'RULES'
- rule: respond isolate marker
  desc: a container runs the marker, cut it off
  condition: evt.type in (execve, execveat) and proc.exe = respond-isolate-me
  output: "isolate marker (%proc.cmdline)"
  priority: WARNING
  action: {type: isolate, scope: {name: "respond-iso-*"}}
- rule: respond playbook marker
  desc: the marker of the playbook
  condition: evt.type in (execve, execveat) and proc.exe = respond-playbook-me
  output: "playbook marker (%proc.cmdline)"
  priority: WARNING
  action: {playbook: contain, scope: containers}
RULES
cat >"$WORK/config.yaml" <<CFG
outputs:
  - type: file
    path: $WORK/alerts.json
  - type: file
    name: soc
    path: $WORK/soc.json
    min_priority: EMERGENCY
status:
  socket: $SOCK
rules:
  files: [$WORK/rules.yaml]
playbooks:
  contain:
    - pause
    - isolate
    - notify: {sink: soc, priority: CRITICAL}
CFG

run_container respond-iso-srv --network "$NET" --ip "$SRV" "$IMAGE" sh -c \
	'nc -ll -p 22201 -e /bin/cat'
C1IP=172.31.222.11
run_container respond-iso-c1 --network "$NET" --ip "$C1IP" "$IMAGE" sh -c \
	'nc -ll -p 22203 -e /bin/cat & sleep 600'
run_container respond-iso-c2 --network "$NET" "$IMAGE" sleep 600
for c in respond-iso-c1 respond-iso-c2; do docker cp "$WORK/udp_send" "$c:/udp_send"; done
C1=$(container_id respond-iso-c1 | cut -c1-12)

tcp() { docker exec "$1" sh -c "echo hi | nc -w 2 $SRV 22201 2>&1; echo rc=\$?"; }
# c2 connects in to c1's listener: the echo comes back only when it got through.
inbound() { docker exec respond-iso-c2 sh -c "echo in | nc -w 2 $C1IP 22203 2>&1; echo rc=\$?"; }
cut_in() { case "$1" in *in*rc=0*) echo "got through: $1" >&2; return 1 ;; esac; return 0; }
loopback() {
	docker exec "$1" sh -c 'nc -l -p 22209 -e /bin/cat & sleep 0.3; echo lo | nc -w 2 127.0.0.1 22209 2>&1; echo rc=$?'
}
denied() { case "$1" in *"not permitted"*) return 0 ;; esac; echo "not denied: $1" >&2; return 1; }
allowed() { case "$1" in *rc=0*) return 0 ;; esac; echo "not allowed: $1" >&2; return 1; }
running() { [ "$(docker inspect -f '{{.State.Running}} {{.State.Paused}}' "$1")" = "true false" ]; }
isolate() { ./palisade isolate --socket "$SOCK" "$@"; }
# the marker: busybox runs `exec -a NAME sh` as an exec with argv[0] NAME
marker() { docker exec "$1" sh -c "exec -a $2 sh -c true" >/dev/null 2>&1; }
wait_rule() { wait_alert "$1" 10 '"rule"'; }

start_agent_with -c "$WORK/config.yaml" --enforce || exit 1
check "the plan serves isolate" grep -q \
	"respond isolate marker: cut the container off the network" "$WORK/agent.err"

out=$(tcp respond-iso-c1)
check "before: the connect succeeds" allowed "$out"
out=$(inbound)
check "before: another container connects in" allowed "$out"
# An established connection: c1 keeps one open to the server across the isolation.
docker exec -d respond-iso-c1 sh -c 'while sleep 0.2; do echo tick; done | nc $0 22201 > /tmp/established' "$SRV"
est_grows() {
	a=$(docker exec respond-iso-c1 sh -c 'wc -c < /tmp/established' 2>/dev/null || echo 0)
	sleep 1.5
	b=$(docker exec respond-iso-c1 sh -c 'wc -c < /tmp/established' 2>/dev/null || echo 0)
	[ "${b:-0}" -gt "${a:-0}" ]
}
check "before: the established connection flows" est_grows
marker respond-iso-c1 respond-isolate-me
rec=$(wait_rule '.rule=="respond isolate marker"')
check "the rule's isolate is done" expect "$rec" \
	'.palisade_action.type=="isolate" and .palisade_action.outcome=="done" and .palisade_action.mode=="enforce"'
check "the container is still running" running respond-iso-c1
out=$(tcp respond-iso-c1)
check "isolated: its connect gets EPERM" denied "$out"
out=$(docker exec respond-iso-c1 /udp_send $SRV 22202)
check "isolated: its UDP send gets EPERM" denied "$out"
out=$(loopback respond-iso-c1)
check "isolated: loopback inside it works" allowed "$out"
out=$(inbound)
check "isolated: nothing connects in (its packets are dropped)" cut_in "$out"
est_cut() { ! est_grows; }
check "isolated: the connection made before is cut" est_cut
out=$(tcp respond-iso-c2)
check "another container is not isolated" allowed "$out"
out=$(isolate --list --json)
check "--list shows it" expect "$out" \
	".[0].container==\"$C1\" and .[0].loopback_cut==false and .[0].by==\"respond isolate marker\" and .[0].refused>0 and .[0].dropped>0"
rec=$(wait_rule '.palisade_action.type=="isolate" and .output_fields["evt.type"]=="connect"')
check "a refused connect is recorded" expect "$rec" \
	".output_fields[\"container.id\"]==\"$C1\" and .palisade_action.outcome==\"served in kernel\" and .rule==\"respond isolate marker\""

# The command channel is root's: another user reaching the socket is refused.
chmod 0711 "$WORK"
chmod 0666 "$SOCK"
# (a copy of the binary in $WORK: nobody cannot reach a clone under a 0700 directory)
cp palisade "$WORK/palisade-nr"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$WORK/palisade-nr" isolate --socket "$SOCK" --undo respond-iso-c1 2>&1)
check "a non-root peer is refused" expect "\"$out\"" 'test("for root only")'
chmod 0600 "$SOCK"
chmod 0700 "$WORK"
out=$(tcp respond-iso-c1)
check "... and the container stays isolated" denied "$out"

out=$(isolate --undo respond-iso-c1)
check "--undo answers" expect "\"$out\"" 'test("isolation lifted")'
out=$(tcp respond-iso-c1)
check "--undo restores the network" allowed "$out"
out=$(inbound)
check "--undo lets connections in again" allowed "$out"
rec=$(wait_rule '.rule=="Container isolation lifted"')
check "the lift is recorded with who did it" expect "$rec" \
	".palisade_action.type==\"unisolate\" and .palisade_action.outcome==\"done\" and .output_fields[\"container.id\"]==\"$C1\" and (.palisade_action.detail|test(\"uid 0, pid [0-9]+\"))"
out=$(isolate --undo respond-iso-c1 2>&1)
check "undoing twice says it is not isolated" expect "\"$out\"" 'test("no isolated container")'

# An operator's isolation, by name, loopback too.
out=$(isolate --all respond-iso-c2)
check "palisade isolate NAME isolates" expect "\"$out\"" 'test("isolated")'
out=$(tcp respond-iso-c2)
check "... its connect gets EPERM" denied "$out"
out=$(loopback respond-iso-c2)
check "... and with --all its loopback too" denied "$out"
rec=$(wait_rule '.rule=="Container isolated by an operator"')
check "the operator's isolation is recorded" expect "$rec" '.palisade_action.type=="isolate"'
isolate --undo "$(container_id respond-iso-c2 | cut -c1-8)" >/dev/null
out=$(tcp respond-iso-c2)
check "undo by an id prefix" allowed "$out"

# A playbook: pause (answered later by the Engine API), then isolate, then notify.
marker respond-iso-c1 respond-playbook-me
rec=$(wait_rule '.rule=="respond playbook marker"')
check "the playbook's steps, in order, one record" expect "$rec" \
	'.palisade_playbook.name=="contain" and ([.palisade_playbook.steps[] | .type] == ["pause","isolate","notify"]) and ([.palisade_playbook.steps[] | .outcome] | all(. == "done")) and .palisade_action == null'
check "paused by its first step" sh -c "[ \"\$(docker inspect -f '{{.State.Paused}}' respond-iso-c1)\" = true ]"
docker unpause respond-iso-c1 >/dev/null
out=$(tcp respond-iso-c1)
check "isolated by its second" denied "$out"
rec=$(wait_json "$WORK/soc.json" alert '.rule=="respond playbook marker"' 10 '"rule"')
check "notify: the output below its min_priority got it, at CRITICAL" expect "$rec" '.priority=="Critical"'
check "other alerts do not reach that output" sh -c "! grep -q 'respond isolate marker' '$WORK/soc.json'"
isolate --undo respond-iso-c1 >/dev/null
stop_agent
check "isolations counted at exit" grep -Eq 'isolated containers [0-9]+, their calls refused [1-9]' "$WORK/agent.err"

# Audit mode: every step would-have; nothing changes.
mv "$WORK/alerts.json" "$WORK/alerts-enforce.json"
start_agent_with -c "$WORK/config.yaml" || exit 1
marker respond-iso-c1 respond-playbook-me
rec=$(wait_rule '.rule=="respond playbook marker"')
check "audit mode: every step would-have" expect "$rec" \
	'[.palisade_playbook.steps[] | .outcome] == ["would-have","would-have","would-have"] and ([.palisade_playbook.steps[] | .mode] | all(. == "audit"))'
check "audit mode: not paused" running respond-iso-c1
out=$(tcp respond-iso-c1)
check "audit mode: the connect succeeds" allowed "$out"
stop_agent
