#!/bin/sh
# No window: under --enforce a container runs no instruction before its
# enforcement is in place. Attacks as a container's very first command (a
# write to /etc/passwd, a denied binary, a user-space kill, a pause) are
# refused, killed or paused before they run; a container that ran before the
# agent is armed at start; a hold the agent is late with is answered by the
# --hold-timeout-verdict (kill, release); a killed agent leaves nothing
# stopped (docs/enforcement.md, "No window"). Outcomes are asserted on the
# files and the containers, then on the records.
. tests/integration/lib.sh

T=fx$$
B=enforce-fx$$ # container names: this branch's prefix, never another's
OUT=$WORK/out
mkdir -p "$OUT"

cat >"$WORK/rules.yaml" <<EOR
- rule: $T account file write
  desc: no writes to /etc/passwd in containers (fanotify)
  condition: >
    evt.type in (open, openat, openat2, creat) and evt.is_open_write=true
    and fd.name = /etc/passwd and container.id != host
  output: passwd write (proc=%proc.name container=%container.name)
  priority: CRITICAL
  action: {type: deny, scope: containers}
- rule: $T denied binary
  desc: >
    busybox run by its own name, in this test's containers (a pattern scope needs the
    container's name, so the first exec waits for its description)
  condition: evt.type in (execve, execveat) and evt.dir=< and proc.exe = busybox
  output: denied %proc.cmdline
  priority: CRITICAL
  action: {type: kill, scope: {name: "$B-*"}}
- rule: $T user kill
  desc: not decidable in the kernel (cmdline), so killed from user space while held
  condition: evt.type in (execve, execveat) and evt.dir=< and proc.cmdline contains "$T-kill" and container.id != host
  output: user kill %proc.cmdline
  priority: WARNING
  action: {type: kill, scope: containers}
- rule: $T pause
  desc: pause the container
  condition: evt.type in (execve, execveat) and evt.dir=< and proc.cmdline contains "$T-pause" and container.id != host
  output: pause %container.name
  priority: WARNING
  action: {type: pause, scope: containers}
EOR

marker() { test -e "$OUT/$1"; }
no_marker() { ! test -e "$OUT/$1"; }
record() { # record RULE CONTAINER: the action record of RULE for that container
	wait_alert ".rule==\"$T $1\" and .palisade_action and (.palisade_action.verdict|not) and .output_fields[\"container.name\"]==\"$2\"" 10 "$T"
}

run_container "$B-pre" "$IMAGE" sleep 300
start_agent --enforce --rules "$WORK/rules.yaml" || exit 1
check "plan: new containers are held until armed" \
	grep -q "palisade: hold: the first exec of every container not armed yet waits" "$WORK/agent.err"

# 1. The container's first command writes /etc/passwd.
CONTAINERS="$CONTAINERS $B-w"
out=$(docker run --rm --name "$B-w" "$IMAGE" sh -c 'echo "evil:x:0:0::/:/bin/sh" >> /etc/passwd; cat /etc/passwd' 2>&1)
check "first command: the write to /etc/passwd is refused" \
	sh -c "printf '%s' \"\$1\" | grep -q 'Operation not permitted'" sh "$out"
check "first command: /etc/passwd unchanged" sh -c "! printf '%s' \"\$1\" | grep -q evil" sh "$out"
a=$(record "account file write" "$B-w")
check "first command: the record says refused by fanotify" expect "$a" \
	'.palisade_action.outcome=="done" and (.palisade_action.detail|test("refused by fanotify"))'

# killed_first LABEL NAME RULE DETAIL CMD...: the container's first command
# is killed (137) before it touches its marker /out/NAME; the record says so.
killed_first() {
	kf_label=$1 kf_name=$2 kf_rule=$3 kf_detail=$4
	shift 4
	CONTAINERS="$CONTAINERS $B-$kf_name"
	docker run --rm --name "$B-$kf_name" -v "$OUT:/out" "$IMAGE" "$@"
	rc=$?
	check "first command, $kf_label: killed (137)" test "$rc" -eq 137
	check "first command, $kf_label: it never ran (no marker)" no_marker "$kf_name"
	a=$(record "$kf_rule" "$B-$kf_name")
	check "first command, $kf_label: the record says so" expect "$a" \
		"(.palisade_action.outcome==\"served in kernel\" or .palisade_action.outcome==\"done\") and (.palisade_action.detail|test(\"$kf_detail\"))"
}

# 2. The first command is a denied binary (a pattern scope: the container's
#    name must be known before the exec is judged).
killed_first "denied binary" x "denied binary" "before its first instruction" busybox touch /out/x
CONTAINERS="$CONTAINERS $T-other"
docker run --rm --name "$T-other" -v "$OUT:/out" "$IMAGE" busybox touch /out/other
check "a container outside the pattern scope runs the same command" marker other

# 3. A kill only user space can decide, as the first command.
killed_first "user-space kill" k "user kill" "while held at exec, before its first instruction" \
	sh -c "touch /out/k; : $T-kill"

# 4. A pause as the first command: frozen before it runs.
run_container "$B-p" -v "$OUT:/out" "$IMAGE" sh -c "touch /out/p; sleep 300; : $T-pause"
deadline=$(( $(date +%s) + 15 ))
until [ "$(docker inspect -f '{{.State.Paused}}' "$B-p")" = true ] || [ "$(date +%s)" -ge "$deadline" ]; do
	sleep 0.2
done
check "first command: the container is paused" test "$(docker inspect -f '{{.State.Paused}}' "$B-p")" = true
check "first command: it was paused before it ran (no marker)" no_marker p
docker unpause "$B-p" >/dev/null 2>&1

# 5. A container that ran before the agent: armed from /proc at start.
docker exec "$B-pre" sh -c 'echo "evil:x:0:0::/:/bin/sh" >> /etc/passwd' 2>/dev/null
check "container started before the agent: the write is refused" \
	sh -c "! docker exec '$B-pre' grep -q evil /etc/passwd"
stop_agent
check "exit: holds counted" grep -q "palisade: hold: first execs held [1-9][0-9]* (could not hold 0); released armed [1-9]" "$WORK/agent.err"

# The agent late: its event (main) thread is stopped, so nothing arms. The
# hold is answered by the keeper after --hold-timeout-ms. A process in a new
# pid namespace under a root of its own is held like a container's.
ROOTFS=$WORK/rootfs
mkdir -p "$ROOTFS/bin"
cp /bin/busybox "$ROOTFS/bin/busybox"
late() { # late VERDICT NAME: a first exec while the agent is late
	start_agent --enforce --rules "$WORK/rules.yaml" --hold-timeout-ms 200 \
		--hold-timeout-verdict "$1" || return 1
	stop_thread "$AGENT_PID"
	unshare --pid --fork --root="$ROOTFS" /bin/busybox touch "/$2"
	LATE_RC=$?
	resume_thread
	stop_agent
}
late kill late-kill
# (unshare reports its child's SIGKILL as a failure of its own)
check "late, verdict kill: the held process did not run to its end" test "$LATE_RC" -ne 0
check "late, verdict kill: it never ran" test ! -e "$ROOTFS/late-kill"
check "late, verdict kill: logged" grep -q "palisade: hold: pid [0-9]* (cgroup [0-9]*) killed after" "$WORK/agent.err"
check "late, verdict kill: counted" grep -q "timeout (the agent was late): released unarmed 0, killed [1-9]" "$WORK/agent.err"
late release late-release
check "late, verdict release: it runs, unarmed" test -e "$ROOTFS/late-release"
check "late, verdict release: logged and counted" sh -c \
	"grep -q 'released unarmed after' '$WORK/agent.err' && grep -q 'released unarmed [1-9]' '$WORK/agent.err'"

# The agent killed (SIGKILL) while it holds a process: the guardian releases it.
start_agent --enforce --rules "$WORK/rules.yaml" --hold-timeout-ms 60000 || exit 1
stop_thread "$AGENT_PID"
unshare --pid --fork --root="$ROOTFS" /bin/busybox touch /guarded &
HELD=$!
sleep 0.5
check "agent stopped: the process waits, held" test ! -e "$ROOTFS/guarded"
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
resume_thread
wait "$HELD"
check "agent killed: the guardian released the held process, it ran" test -e "$ROOTFS/guarded"
