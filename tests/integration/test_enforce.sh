#!/bin/sh
# Enforcement, end to end: a forbidden binary killed in kernel before it runs
# (in a container and on the host), user-space kill, container pause and
# stop, audit mode, per-rule enforce: false, the safety rules, and deny rules
# that no back-end serves. Asserts the outcome (marker never written, exit
# 137, docker inspect), not only the alert.
. tests/integration/lib.sh

T=e$$
B=enforce-$T # container name prefix: this branch's, never another's

# no_alert JQ_FILTER FIXED_STRING: no alert line matches (after the agent stopped).
no_alert() {
	! grep -F -- "$2" "$WORK/alerts.json" | jq -e "select($1)" >/dev/null 2>&1
}

inspect() { docker inspect -f "$2" "$1" 2>/dev/null; }

# wait_state NAME TEMPLATE VALUE SECONDS
wait_state() {
	deadline=$(( $(date +%s) + $4 ))
	until [ "$(inspect "$1" "$2")" = "$3" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# The forbidden binary is busybox under a forbidden path, named as one of its
# applets so that it would really run if it were not killed.
mkdir -p "$WORK/bin" "$WORK/$T/deny"
cp /bin/busybox "$WORK/$T/sh"
cp /bin/busybox "$WORK/$T/deny/sh"
cp "$(readlink -f /bin/sh)" "$WORK/bin/$T-audit"

cat >"$WORK/rules.yaml" <<EOR
- macro: spawned_process
  condition: evt.type in (execve, execveat) and evt.dir=<
- rule: $T forbidden binary
  desc: a binary nobody may run
  condition: spawned_process and proc.exepath in (/tmp/$T/sh, $WORK/$T/sh)
  output: forbidden binary %proc.exepath
  priority: CRITICAL
  action: kill
- rule: $T denied binary
  desc: deny on an exec is served by the kernel too
  condition: spawned_process and proc.exepath = $WORK/$T/deny/sh
  output: denied binary %proc.exepath
  priority: CRITICAL
  action: deny
- rule: $T scoped binary
  desc: killed in kernel in one container only
  condition: spawned_process and proc.exepath = /tmp/$T/scoped/sh
  output: scoped binary %proc.exepath
  priority: CRITICAL
  action: {type: kill, scope: {name: "$B-main"}}
- rule: $T directory
  desc: every binary under /usr/sbin in one container (the runtime excepted)
  condition: spawned_process and proc.exepath pmatch (/usr/sbin)
  output: from /usr/sbin %proc.exepath
  priority: CRITICAL
  action: {type: kill, scope: {name: "$B-main"}}
- rule: $T audited binary
  desc: kill asked, but this rule only reports
  condition: spawned_process and proc.name = $T-audit
  output: audited binary %proc.exepath
  priority: WARNING
  action: {type: kill, enforce: false}
- rule: $T user kill
  desc: not decidable in kernel (cmdline), so a user-space kill
  condition: spawned_process and proc.cmdline contains "$T-userkill"
  output: user kill %proc.cmdline
  priority: WARNING
  action: kill
- rule: $T pause
  desc: pause the container
  condition: spawned_process and proc.cmdline contains "$T-pause"
  output: pause %container.name
  priority: WARNING
  action: {type: pause, scope: {name: "$B-pause*"}}
- rule: $T stop
  desc: stop the container
  condition: spawned_process and proc.cmdline contains "$T-stop"
  output: stop %container.name
  priority: WARNING
  action: {type: stop, scope: containers}
EOR

run_container "$B-main" "$IMAGE" sleep 300
run_container "$B-pause" "$IMAGE" sleep 300
run_container "$B-stop" "$IMAGE" sleep 300
MAIN=$(container_id "$B-main")
# /usr/sbin/runc in the container has the host runtime's path: the kernel's
# safety list must keep a directory rule from killing it.
docker exec "$B-main" sh -c "mkdir -p /usr/sbin && cp /bin/busybox /usr/sbin/runc && cp /bin/busybox /usr/sbin/sh"
for c in "$B-main" "$B-pause"; do
	docker exec "$c" sh -c "mkdir -p /tmp/$T/scoped && cp /bin/busybox /tmp/$T/sh && cp /bin/busybox /tmp/$T/scoped/sh"
done

start_agent --enforce --rules "$WORK/rules.yaml" || exit 1
check "plan: exact exec rule served in kernel" \
	grep -qF "palisade: enforce: $T forbidden binary: kill in kernel at exec" "$WORK/agent.err"
check "plan: cmdline rule falls back to user-space kill" \
	grep -qF "palisade: enforce: $T user kill: user-space kill" "$WORK/agent.err"
check "plan: pause and stop through the Engine API" \
	grep -qF "palisade: enforce: $T pause: container pause (Docker Engine API)" "$WORK/agent.err"
check "plan: enforce: false reported as audit" \
	grep -qF "palisade: enforce: $T audited binary: kill in kernel at exec (audit: would have" "$WORK/agent.err"

# A container-scoped exec rule: killed in kernel in the container in scope,
# left alone in another one. This is the first exec in the container since the
# agent started: its cgroup is known from the /proc snapshot.
check "plan: container-scoped exec rule served in kernel" \
	grep -qF "palisade: enforce: $T scoped binary: kill in kernel at exec, in the containers of its scope" "$WORK/agent.err"
docker exec "$B-main" "/tmp/$T/scoped/sh" -c "touch /tmp/$T-scoped-marker"
rc=$?
check "scoped: killed in the container in scope (137, no marker)" test "$rc" -eq 137 -a \
	"$(docker exec "$B-main" sh -c "test -e /tmp/$T-scoped-marker && echo yes || echo no")" = no
a=$(wait_alert ".rule==\"$T scoped binary\" and .palisade_action" 10 "$T")
check "scoped: record says served in kernel" expect "$a" '.palisade_action.outcome=="served in kernel"'
docker exec "$B-pause" "/tmp/$T/scoped/sh" -c "touch /tmp/$T-scoped-marker"
rc=$?
check "scoped: runs in a container outside the scope" test "$rc" -eq 0 -a \
	"$(docker exec "$B-pause" sh -c "test -e /tmp/$T-scoped-marker && echo yes || echo no")" = yes

# Safety in the kernel: a directory rule covering the runtime's path.
docker exec "$B-main" /usr/sbin/sh -c "touch /tmp/$T-sbin-marker"
rc=$?
check "directory rule: a binary below the directory is killed (137)" test "$rc" -eq 137
docker exec "$B-main" /usr/sbin/runc 2>/dev/null
rc=$?
# busybox named runc runs and says "applet not found" (127): it was not killed.
check "kernel safety: the runtime's path is never killed by a directory rule" test "$rc" -eq 127
a=$(wait_alert ".rule==\"$T directory\" and .palisade_action and .output_fields[\"proc.exepath\"]==\"/usr/sbin/runc\"" 10 "$T")
check "kernel safety: the record does not say killed" expect "$a" '.palisade_action.outcome!="served in kernel" and .palisade_action.outcome!="done"'

# 1. In a container: the binary never runs, the caller sees SIGKILL (137).
docker exec "$B-main" "/tmp/$T/sh" -c "touch /tmp/$T-marker"
rc=$?
check "container: forbidden binary exits 137 (SIGKILL)" test "$rc" -eq 137
check "container: its marker file was never created" \
	test "$(docker exec "$B-main" sh -c "test -e /tmp/$T-marker && echo yes || echo no")" = no
a=$(wait_alert ".rule==\"$T forbidden binary\" and .palisade_action and .output_fields[\"container.id\"]==\"$(echo "$MAIN" | cut -c1-12)\"" 10 "$T")
check "container: action record says killed in kernel" expect "$a" \
	'.palisade_action.outcome=="served in kernel" and .palisade_action.type=="kill" and .output_fields["proc.exepath"]=="/tmp/'"$T"'/sh"'

ev=$(wait_event ".type==\"execve\" and .proc.exe==\"/tmp/$T/sh\"" 10 "$T/sh")
check "container: the exec event says killed_at_exec" expect "$ev" '.killed_at_exec==true and .container.id=="'"$MAIN"'"'

# 2. On the host: the same.
"$WORK/$T/sh" -c "touch $WORK/$T-host-marker"
rc=$?
check "host: forbidden binary exits 137" test "$rc" -eq 137
check "host: its marker file was never created" test ! -e "$WORK/$T-host-marker"
a=$(wait_alert ".rule==\"$T forbidden binary\" and .palisade_action and .output_fields[\"container.id\"]==\"host\"" 10 "$T")
check "host: action record says killed in kernel" expect "$a" '.palisade_action.outcome=="served in kernel"'

# A deny on an exec: the same kill, reported as a deny.
check "plan: deny on an exec is served in kernel" \
	grep -qF "palisade: enforce: $T denied binary: deny in kernel at exec" "$WORK/agent.err"
"$WORK/$T/deny/sh" -c "touch $WORK/$T-deny-marker"
rc=$?
check "deny exec: never ran (137, no marker)" test "$rc" -eq 137 -a ! -e "$WORK/$T-deny-marker"
a=$(wait_alert ".rule==\"$T denied binary\" and .palisade_action" 10 "$T")
check "deny exec: record says deny served in kernel" expect "$a" \
	'.palisade_action.type=="deny" and .palisade_action.outcome=="served in kernel"'

# 3. enforce: false under --enforce: runs, reported as would-have.
"$WORK/bin/$T-audit" -c "touch $WORK/$T-audit-marker"
rc=$?
check "enforce: false: the binary ran" test "$rc" -eq 0 -a -e "$WORK/$T-audit-marker"
a=$(wait_alert ".rule==\"$T audited binary\" and .palisade_action" 10 "$T")
check "enforce: false: reported as would-have" expect "$a" '.palisade_action.outcome=="would-have"'
ev=$(wait_event ".type==\"execve\" and .proc.exe==\"$WORK/bin/$T-audit\"" 10 "$T-audit")
check "an exec that was not killed has no killed_at_exec" expect "$ev" '(has("killed_at_exec")|not)'

# 4. User-space kill of a process the kernel cannot judge.
sh -c "sleep 5; touch $WORK/$T-userkill-marker; : $T-userkill"
rc=$?
check "user-space kill: the process was killed (137)" test "$rc" -eq 137
check "user-space kill: it did not get to finish" test ! -e "$WORK/$T-userkill-marker"
a=$(wait_alert ".rule==\"$T user kill\" and .palisade_action" 10 "$T")
check "user-space kill: record says done" expect "$a" \
	'.palisade_action.outcome=="done" and .palisade_action.backend=="user-kill"'

# 5. Pause: scoped by name; another container triggering it is left alone.
docker exec "$B-main" sh -c ": $T-pause"
docker exec "$B-pause" sh -c ": $T-pause"
check "pause: docker inspect says Paused" wait_state "$B-pause" '{{.State.Paused}}' true 15
a=$(wait_alert ".rule==\"$T pause\" and .palisade_action and .output_fields[\"container.name\"]==\"$B-pause\"" 10 "$T")
check "pause: record says done through the Engine API" expect "$a" \
	'.palisade_action.outcome=="done" and (.palisade_action.detail|test("Engine API"))'
check "pause: a container outside the scope is not paused" \
	test "$(inspect "$B-main" '{{.State.Paused}}')" = false
docker unpause "$B-pause" >/dev/null 2>&1

# 6. Stop.
docker exec "$B-stop" sh -c ": $T-stop"
check "stop: the container stopped" wait_state "$B-stop" '{{.State.Running}}' false 20
a=$(wait_alert ".rule==\"$T stop\" and .palisade_action" 10 "$T")
check "stop: record says done" expect "$a" '.palisade_action.outcome=="done"'
stop_agent
check "scoped: no record for the container outside the scope" \
	no_alert ".rule==\"$T scoped binary\" and .palisade_action and .output_fields[\"container.name\"]==\"$B-pause\"" "$T"
check "pause: no record for the container outside the scope" \
	no_alert ".rule==\"$T pause\" and .palisade_action and .output_fields[\"container.name\"]==\"$B-main\"" "$T"

# 7. Audit mode (no --enforce): nothing is done, everything is reported.
start_agent --rules "$WORK/rules.yaml" || exit 1
check "audit: plan says would have" \
	grep -qF "palisade: enforce: $T forbidden binary: kill in kernel at exec (audit: would have" "$WORK/agent.err"
"$WORK/$T/sh" -c "touch $WORK/$T-audit-host-marker"
rc=$?
check "audit: the forbidden binary ran" test "$rc" -eq 0 -a -e "$WORK/$T-audit-host-marker"
a=$(wait_alert ".rule==\"$T forbidden binary\" and .palisade_action" 10 "$T")
check "audit: record says would-have" expect "$a" \
	'.palisade_action.outcome=="would-have" and (.palisade_action.detail|test("would have killed"))'
docker exec "$B-pause" sh -c ": $T-pause"
a=$(wait_alert ".rule==\"$T pause\" and .palisade_action" 10 "$T")
check "audit: pause reported as would-have" expect "$a" '.palisade_action.outcome=="would-have"'
check "audit: the container was not paused" test "$(inspect "$B-pause" '{{.State.Paused}}')" = false
stop_agent

# 8. Safety: a rule that matches the runtime (containerd-shim and runc carry
# the container id on their command lines) kills nothing; the container starts.
CONTAINERS="$CONTAINERS $B-safe"
docker rm -f "$B-safe" >/dev/null 2>&1
SAFE=$(docker create --name "$B-safe" "$IMAGE" sleep 300)
cat >"$WORK/safety.yaml" <<EOR
- rule: $T runtime
  desc: matches runc and the shim of one container, without naming them
  condition: evt.type in (execve, execveat) and proc.cmdline contains "$SAFE"
  output: runtime %proc.exepath
  priority: WARNING
  action: kill
EOR
start_agent --enforce --rules "$WORK/safety.yaml" || exit 1
docker start "$B-safe" >/dev/null
check "safety: the container started and runs" wait_state "$B-safe" '{{.State.Running}}' true 15
# (short-lived runtime processes may be gone before the check: "failed:
# process already exited"; the long-lived shim is always there to refuse)
a=$(wait_alert ".rule==\"$T runtime\" and .palisade_action and .palisade_action.outcome==\"refused-by-safety\"" 10 "$T")
check "safety: matching runtime processes refused by safety" expect "$a" \
	'.palisade_action.detail|test("container runtime")'
stop_agent
check "safety: no runtime process was killed" \
	no_alert ".rule==\"$T runtime\" and .palisade_action and .palisade_action.outcome==\"done\"" "$T"

# 8b. Injection: a ptrace attach from a container kills the tracer at syscall
# entry (the attach may complete; the tracer never returns to write its
# marker); the same tracer on the host, outside the rule's scope, survives.
cc -static -O2 -o "$WORK/tracer" tests/integration/enforce_ptrace.c || exit 1
run_container "$B-ptrace" --cap-add SYS_PTRACE --security-opt seccomp=unconfined "$IMAGE" sleep 300
docker cp "$WORK/tracer" "$B-ptrace:/tracer"
cat >"$WORK/ptrace.yaml" <<EOR
- rule: $T ptrace in a container
  desc: no debugging of other processes inside containers
  condition: evt.type = ptrace and container.id != host
  output: ptrace by %proc.name (request=%evt.arg.request)
  priority: CRITICAL
  action: {type: kill, scope: containers}
EOR
start_agent --enforce --rules "$WORK/ptrace.yaml" || exit 1
check "ptrace: plan says kill at syscall entry in containers" \
	grep -q "$T ptrace in a container: kill in kernel at syscall entry, in containers" "$WORK/agent.err"
docker exec "$B-ptrace" sh -c 'sleep 30 & /tracer $! /tmp/survived; echo "rc=$?" > /tmp/rc'
check "ptrace: the tracer in the container was killed (137)" \
	test "$(docker exec "$B-ptrace" cat /tmp/rc)" = "rc=137"
check "ptrace: the tracer never wrote its marker" \
	sh -c "! docker exec '$B-ptrace' test -e /tmp/survived"
a=$(wait_alert ".rule==\"$T ptrace in a container\" and .palisade_action" 10 "$T")
check "ptrace: the record says killed in kernel at syscall entry" expect "$a" \
	'.palisade_action.outcome=="served in kernel" and .palisade_action.backend=="entry-kernel"'
sleep 30 &
TARGET=$!
"$WORK/tracer" $TARGET "$WORK/host-survived"
check "ptrace: on the host (out of scope) the tracer survives" grep -q survived "$WORK/host-survived"
# A --pid=host container is in the rule (container.id != host) but the
# kernel's test (a pid namespace below the host's) counts it as the host: the
# record must not claim the kernel killed it; user space kills it instead.
run_container "$B-pidhost" --pid=host --cap-add SYS_PTRACE --security-opt seccomp=unconfined \
	"$IMAGE" sleep 300
docker cp "$WORK/tracer" "$B-pidhost:/tracer"
docker exec "$B-pidhost" /tracer $TARGET /tmp/survived
a=$(wait_alert ".rule==\"$T ptrace in a container\" and .palisade_action and .output_fields[\"container.name\"]==\"$B-pidhost\"" 10 "$T")
check "ptrace: --pid=host: the record says user space killed it, not the kernel" expect "$a" \
	'.palisade_action.outcome=="done" and (.palisade_action.detail|test("not killed at syscall entry"))'
kill $TARGET 2>/dev/null
stop_agent

# 9. A deny rule nothing can serve refuses to load; with downgrade it alerts.
cat >"$WORK/deny.yaml" <<EOR
- rule: $T deny mkdir
  desc: no back-end here denies a mkdir
  condition: evt.type in (mkdir, mkdirat) and fs.path.name = /tmp/$T-nope
  output: open %fd.name
  priority: WARNING
  action: deny
EOR
./palisade run --no-docker --output none --enforce --rules "$WORK/deny.yaml" >/dev/null 2>"$WORK/deny.err" &
DENY_PID=$!
i=0
while kill -0 "$DENY_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT "$DENY_PID" 2>/dev/null
wait "$DENY_PID"
rc=$?
check "unservable deny: the agent refuses to start (exit 1)" test "$rc" -eq 1
check "unservable deny: says why and what to do" \
	grep -qF "palisade: enforce: $T deny mkdir: cannot be served" "$WORK/deny.err"
sed -i 's/  action: deny/  action: {type: deny, downgrade: true}/' "$WORK/deny.yaml"
start_agent --enforce --rules "$WORK/deny.yaml" || exit 1
check "downgrade: true: loads, reported as downgraded to alert" \
	grep -qF "palisade: enforce: $T deny mkdir: cannot be served" "$WORK/agent.err"
check "downgrade: true: the line says downgraded to alert" grep -qF "downgraded to alert" "$WORK/agent.err"
stop_agent
