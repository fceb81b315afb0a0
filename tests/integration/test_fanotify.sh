#!/bin/sh
# fanotify back-end of `action: deny`: protected files, read-protected
# secrets and forbidden executables, in real containers and on the host; the
# outcome is asserted (EPERM, file unchanged, binary never ran), audit mode
# changes nothing, and a killed agent leaves every open working (fail-open).
# Only this test's containers (fanotify-*) and temp files are protected.
. tests/integration/lib.sh

T=fanotify-$$
HOSTFILE=$WORK/protected.txt
SECRET=$WORK/secret.txt
FORBIDDEN=$WORK/forbidden
echo original >"$HOSTFILE"
echo s3cr3t >"$SECRET"
cp /bin/true "$FORBIDDEN"
cp /bin/cat "$WORK/allowed-reader"
cat >"$WORK/rules.yaml" <<RULES
- rule: Write to passwd in a container
  desc: only the package manager (a busybox copy) may change /etc/passwd
  condition: >
    evt.type in (open, openat, openat2, creat)
    and (evt.is_open_write=true or evt.arg.flags contains O_TRUNC)
    and fd.name = /etc/passwd and not proc.exepath in (/usr/local/sbin/busybox-pkg)
  output: passwd write denied (file=%fd.name proc=%proc.name flags=%evt.arg.flags)
  priority: CRITICAL
  action:
    type: deny
    scope: {name: "fanotify-*"}
- rule: Write to a protected host file
  desc: the test's host file
  condition: evt.type in (open, openat, openat2, creat) and evt.is_open_write=true and fd.name startswith $HOSTFILE
  output: host write denied (file=%fd.name proc=%proc.name)
  priority: CRITICAL
  action: {type: deny, scope: host}
- rule: Read of a secret
  desc: only allowed-reader reads it
  condition: evt.type in (open, openat) and fd.name = $SECRET and not proc.name = allowed-reader
  output: secret read denied (file=%fd.name proc=%proc.name)
  priority: CRITICAL
  action: {type: deny, scope: host}
- rule: Forbidden executable
  desc: never runs (the user.name test keeps the in-kernel exec kill, which
    decides exec paths and names only, from taking the rule)
  condition: >
    evt.type in (execve, execveat) and proc.exepath in ($FORBIDDEN, /tmp/forbidden)
    and not user.name = nobody-$$
  output: exec denied (exe=%proc.exepath)
  priority: CRITICAL
  action:
    type: deny
    scope: all
- rule: Forbidden applet
  desc: by process name (a busybox applet is a symlink to busybox)
  condition: evt.type in (execve, execveat) and proc.name = nc and not user.name = nobody-$$
  output: applet denied (name=%proc.name exe=%proc.exepath)
  priority: CRITICAL
  action:
    type: deny
    scope: {name: "fanotify-*"}
- rule: Not servable
  desc: no path to mark
  condition: evt.type = openat and proc.name = nothing-$$
  output: x
  priority: WARNING
  action: {type: deny, downgrade: true}
RULES

# The container exists before the agent (its forbidden copy too); a second
# one starts after it, to show later containers are guarded as well.
run_container "$T-a" "$IMAGE" sh -c 'cp /bin/busybox /tmp/forbidden; mkdir -p /usr/local/sbin;
	cp /bin/busybox /usr/local/sbin/busybox-pkg; sleep 300'
PID_A=$(docker inspect -f '{{.State.Pid}}' "$T-a")
METRICS=127.0.0.1:21411 # this branch's range
start_agent --rules "$WORK/rules.yaml" --enforce --metrics "$METRICS" || exit 1
check "a rule without derivable paths is reported" \
	grep -q "rule 'Not servable': cannot be served by fanotify" "$WORK/agent.err"

wait_root() { # wait_root PID: the agent watches that process's root
	i=0
	until grep -q "watching the root of pid $1\$" "$WORK/agent.err"; do
		i=$((i + 1))
		[ $i -le 50 ] || { echo "root of pid $1 not watched" >&2; return 1; }
		sleep 0.1
	done
}
wait_root "$PID_A"
before=$(docker exec "$T-a" cat /etc/passwd)
out=$(docker exec "$T-a" sh -c 'echo "evil:x:0:0::/:/bin/sh" >> /etc/passwd' 2>&1)
check "container: write to /etc/passwd refused with EPERM" \
	expect "\"$out\"" 'test("Operation not permitted")'
after=$(docker exec "$T-a" cat /etc/passwd)
check "container: /etc/passwd unchanged (and still readable)" test "$before" = "$after"
docker exec "$T-a" sh -c ': > /etc/passwd' 2>/dev/null
check "container: truncation refused" test "$(docker exec "$T-a" cat /etc/passwd)" = "$before"
docker exec "$T-a" sh -c 'echo "okuser:x:1000:1000::/:/bin/sh" |
	/usr/local/sbin/busybox-pkg tee -a /etc/passwd >/dev/null'
check "container: the allowed writer changes /etc/passwd" \
	sh -c "docker exec $T-a grep -q '^okuser:' /etc/passwd"
docker exec "$T-a" /tmp/forbidden true 2>/dev/null
check "container: exec of a forbidden binary fails" test $? -ne 0
docker exec "$T-a" /bin/busybox true
check "container: other binaries still run" test $? -eq 0
docker exec "$T-a" nc -h >/dev/null 2>&1
check "container: exec of a forbidden name (proc.name) fails" test $? -ne 0
docker exec "$T-a" ls / >/dev/null
check "container: another applet of the same binary runs" test $? -eq 0

run_container "$T-b" "$IMAGE" sleep 300
PID_B=$(docker inspect -f '{{.State.Pid}}' "$T-b")
wait_root "$PID_B"
docker exec "$T-b" sh -c 'echo evil >> /etc/passwd' 2>/dev/null
check "container started after the agent: write refused" \
	sh -c "! docker exec $T-b grep -q evil /etc/passwd"

# The host.
{ echo tampered >>"$HOSTFILE"; } 2>/dev/null
check "host: write to a protected file refused" test $? -ne 0
check "host: protected file unchanged" test "$(cat "$HOSTFILE")" = original
check "host: the protected file is still readable" grep -q original "$HOSTFILE"
cat "$SECRET" >/dev/null 2>&1
check "host: read of a secret refused" test $? -ne 0
check "host: the allowed reader reads the secret" \
	test "$("$WORK/allowed-reader" "$SECRET")" = s3cr3t
"$FORBIDDEN" 2>/dev/null
check "host: exec of a forbidden binary refused" test $? -eq 126

# Records never claim more than the guard did: a refused write says done; a
# protected file replaced by a rename is a new inode, unmarked until the next
# marking (docs/enforcement-files.md, Limits), and its write says missed.
a=$(wait_alert '.rule=="Write to a protected host file" and .palisade_action and (.palisade_action.verdict|not)' 10 "protected host file")
check "record: a refused write says done, refused by fanotify" expect "$a" \
	'.palisade_action.outcome=="done" and (.palisade_action.detail|test("refused by fanotify"))'
cp "$HOSTFILE" "$WORK/replacement" && mv "$WORK/replacement" "$HOSTFILE" &&
	echo replaced >>"$HOSTFILE"
check "a file replaced by a rename is written before the next marking" grep -q replaced "$HOSTFILE"
a=$(wait_alert '.rule=="Write to a protected host file" and .palisade_action and (.palisade_action.verdict|not) and (.palisade_action.outcome|startswith("missed"))' 10 "protected host file")
check "record: the write fanotify never saw says missed, not done" expect "$a" \
	'.palisade_action.detail|test("never saw")'
# (the metrics page is a snapshot the agent refreshes: wait for it)
missed_counted() {
	deadline=$(( $(date +%s) + 10 ))
	until curl -sf "http://$METRICS/metrics" |
		grep -q '^palisade_actions_total{action="deny",outcome="missed"} [1-9]'; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
check "metrics: the missed deny is counted" missed_counted

# Every deny is an alert line with its action.
wait_alerts() { # wait_alerts JQ N: at least N alerts satisfy JQ
	i=0
	while [ "$(jq -c "select($1)" "$WORK/alerts.json" 2>/dev/null | wc -l)" -lt "$2" ]; do
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			echo "fewer than $2 alerts match $1; deny records:" >&2
			jq -c 'select(.palisade_action.verdict) | [.rule, .palisade_action.verdict, .output_fields]' \
				"$WORK/alerts.json" >&2
			return 1
		fi
		sleep 0.1
	done
}
ID_A=$(container_id "$T-a" | cut -c1-12)
check "deny alert: container passwd write, Falco schema plus action" wait_alerts \
	".rule==\"Write to passwd in a container\" and .palisade_action.verdict==\"denied\" and .palisade_action.mode==\"enforce\" and .output_fields[\"container.id\"]==\"$ID_A\" and .output_fields[\"fd.name\"]==\"/etc/passwd\" and .priority==\"Critical\"" 2
check "deny alert: secret read" wait_alerts \
	".rule==\"Read of a secret\" and .palisade_action.verdict==\"denied\" and .output_fields[\"proc.name\"]==\"cat\"" 1
check "deny alert: exec, host and container" wait_alerts \
	".rule==\"Forbidden executable\" and .palisade_action.operation==\"exec\"" 2
check "deny alert: exec by name, the name the exec gives" wait_alerts \
	'.rule=="Forbidden applet" and .output_fields["proc.name"]=="nc" and .output_fields["proc.exepath"]=="/bin/busybox"' 1
check "no deny alert for the allowed writer" \
	sh -c "! jq -e 'select(.action and .output_fields[\"proc.name\"]==\"busybox-pkg\")' '$WORK/alerts.json' >/dev/null"
stop_agent
check "exit summary with decision latency" \
	grep -q "palisade: fanotify: events [0-9]*: .*denied [1-9].*p99 [0-9.]* us" "$WORK/agent.err"

# Audit mode: the same rules, nothing refused, "would deny" reported.
: >"$WORK/alerts.json"
start_agent --rules "$WORK/rules.yaml" || exit 1
echo audited >>"$HOSTFILE"
check "audit: the write goes ahead" grep -q audited "$HOSTFILE"
check "audit: reported as would deny" wait_alerts \
	'.rule=="Write to a protected host file" and .palisade_action.verdict=="would deny" and .palisade_action.mode=="audit"' 1
stop_agent

# Timeout policy: the decision thread alone is stopped (ptrace), so the
# kernel queue fills; the watchdog answers with --deny-timeout-verdict.
decider_stopped() { # decider_stopped VERDICT: a write under a stopped decider
	start_agent --rules "$WORK/rules.yaml" --enforce --deny-timeout-ms 300 \
		--deny-timeout-verdict "$1" || return 1
	tid=$(grep -l '^fguard-decide$' /proc/"$AGENT_PID"/task/*/comm | cut -d/ -f5)
	stop_thread "$tid"
	{ echo "timeout-$1" >>"$HOSTFILE"; } 2>/dev/null
	resume_thread
	stop_agent
}
decider_stopped deny
check "timeout verdict deny: the write is refused while the decider is stuck" \
	sh -c "! grep -q timeout-deny '$HOSTFILE'"
check "timeout: the watchdog says why" grep -q "decision thread is stuck; answering queued events with deny" "$WORK/agent.err"
check "timeout: counted" grep -q "timeouts [1-9]" "$WORK/agent.err"
decider_stopped allow
check "timeout verdict allow: the write goes ahead while the decider is stuck" \
	grep -q timeout-allow "$HOSTFILE"
a=$(wait_alert '.rule=="Write to a protected host file" and .palisade_action and (.palisade_action.verdict|not)' 10 "protected host file")
check "timeout verdict allow: the record says failed, allowed because late" expect "$a" \
	'.palisade_action.outcome=="failed" and (.palisade_action.detail|startswith("fanotify allowed this open (the decision was late"))'
check "timeout verdict allow: counted as failed" \
	grep -q "fanotify: rules [0-9]*, done [0-9]*, in kernel 0, would-have 0, refused 0, failed [1-9]" "$WORK/agent.err"

# Fail-open: the agent is stopped with an open pending, then killed.
start_agent --rules "$WORK/rules.yaml" --enforce --deny-timeout-ms 60000 || exit 1
kill -STOP "$AGENT_PID"
sh -c 'echo after-kill >>"$1"' sh "$HOSTFILE" 2>/dev/null &
writer=$!
sleep 0.5
check "fail-open: the open waits while the agent cannot answer" kill -0 "$writer"
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
wait "$writer"
check "fail-open: the pending open is allowed once the agent is gone" grep -q after-kill "$HOSTFILE"
echo later >>"$HOSTFILE"
check "fail-open: later opens work" grep -q later "$HOSTFILE"
