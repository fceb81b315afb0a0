#!/bin/sh
# palisade run --record FILE --learn, then palisade profile learn --record,
# profile check and audit --suggest --profile (docs/profiles.md). Two
# containers of one image are recorded: A does its job, B does the same and
# more (reads /etc/shadow, makes a directory). The profile learned from A's
# recorded run passes A's run and lists what it would deny of B's; the diff
# of A's and B's profiles says the same; audit --suggest uses A's profile.
. tests/integration/lib.sh

T=profrec-$$
R=$WORK/run.rec
jqe() { jq -e "$1" "$2" >/dev/null; }
JOB='cat /etc/passwd >/tmp/x; echo a >>/tmp/log'
MORE='echo s >/etc/shadow; cat /etc/shadow >/dev/null; mkdir /tmp/d'

start_agent_with --record "$R" --learn --output none || exit 1
check "run --learn: the pre-filter is off (every open recorded)" \
	grep -q 'pre-filter off: --learn records every open' "$WORK/agent.err"
run_container "$T-a" "$IMAGE" sh -c "$JOB; echo done >/tmp/done; exec sleep 120"
run_container "$T-b" "$IMAGE" sh -c "$JOB; $MORE; echo done >/tmp/done; exec sleep 120"

# job_done C: the container's job has run (bounded wait).
job_done() {
	deadline=$(( $(date +%s) + 30 ))
	until docker exec "$1" cat /tmp/done 2>/dev/null | grep -q done; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.3
	done
}
if job_done "$T-a" && job_done "$T-b"; then ok "both jobs ran"; else not_ok "both jobs ran"; fi
stop_agent
check "run --learn writes the learned sets of both containers at stop ($(grep 'learn:' "$WORK/agent.err"))" \
	grep -qE "learn: ([2-9]|[1-9][0-9]+) containers' learned sets written" "$WORK/agent.err"

PA=$WORK/pa PB=$WORK/pb
./palisade profile learn --record "$R" --container "$T-a" --output "$PA" >"$WORK/learn.out" 2>&1
rc=$?
cat "$WORK/learn.out"
check "profile learn --record: exit 0 and a profile ($rc)" [ $rc -eq 0 -a -s "$PA/seccomp.json" ]
J=$PA/profile.json
check "from the recording: learned from the container's start" jqe '.from_start == true' "$J"
check "from the recording: syscalls of the workload and the runtime" \
	jqe '(.syscalls | index("execve")) and (.runtime_syscalls_seen | length) > 5' "$J"
check "from the recording: /etc/passwd r and /tmp/x w seen" \
	jqe '[.files[] | select((.path == "/etc/passwd" and .modes == "r") or (.path == "/tmp/x" and .modes == "w"))] | length == 2' "$J"
check "from the recording: B's files are not A's" jqe '[.files[] | select(.path == "/etc/shadow")] | length == 0' "$J"
check "apparmor: /etc/passwd r, audited /tmp/x w, /etc/shadow denied" \
	sh -c "grep -qx '  /etc/passwd r,' $PA/apparmor.profile && grep -qx '  audit /tmp/x w,' $PA/apparmor.profile && grep -qx '  deny /etc/shadow r,' $PA/apparmor.profile"
if command -v apparmor_parser >/dev/null; then
	check "apparmor: compiles" grep -q 'compiled by apparmor_parser -Q -K' "$WORK/learn.out"
fi
check "no resource peaks in a recording: said" grep -q 'the recording has no resource peaks' "$WORK/learn.out"

./palisade profile check --profile "$PA" --record "$R" >"$WORK/check-a.out" 2>&1
rc=$?
cat "$WORK/check-a.out"
check "check: A's profile denies nothing of A's recorded run (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'nothing would have been denied' $WORK/check-a.out"
./palisade profile check --profile "$PA" --record "$R" --container "$T-b" >"$WORK/check-b.out" 2>&1
rc=$?
cat "$WORK/check-b.out"
check "check: exit 1 for B's run ($rc)" [ $rc -eq 1 ]
check "check: seccomp would deny B's mkdir" grep -qE '^  seccomp would deny \(EPERM\): .*mkdir' "$WORK/check-b.out"
check "check: AppArmor would deny B's /etc/shadow read and /tmp/d" \
	sh -c "grep -E '^  AppArmor would deny: ' $WORK/check-b.out | grep -q '/etc/shadow r' &&
	       grep -E '^  AppArmor would deny: ' $WORK/check-b.out | grep -q '/tmp/d/ w'"

./palisade profile learn --record "$R" --container "$T-b" --output "$PB" >/dev/null 2>&1
./palisade profile check --profile "$PA" --against "$PB" >"$WORK/diff.out" 2>&1
rc=$?
cat "$WORK/diff.out"
check "diff: A's profile against B's: mkdir and /etc/shadow, exit 1 ($rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q mkdir $WORK/diff.out && grep -q '/etc/shadow r' $WORK/diff.out"
# The reverse: B's profile allows A's job (the runtime's own calls around a
# docker exec vary from one container to the next, so only the job's are
# asserted).
sed -n "\\|^what the profile in $PB would deny of the profile in $PA:\$|,\$p" "$WORK/diff.out" >"$WORK/diff-ba.out"
check "diff: B's profile allows A's job (/etc/passwd, /tmp/x, /tmp/log, no mkdir)" \
	sh -c "[ -s $WORK/diff-ba.out ] && ! grep -qE '/etc/passwd|/tmp/x|/tmp/log|mkdir' $WORK/diff-ba.out"

./palisade audit --suggest "$T-a" --profile "$PA" >"$WORK/suggest.out" 2>&1
rc=$?
cat "$WORK/suggest.out"
check "audit --suggest --profile: a docker run line with A's seccomp, AppArmor and capabilities ($rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q '^docker run' $WORK/suggest.out &&
	       grep -qF -- '--security-opt seccomp=$(realpath "$PA")/seccomp.json' $WORK/suggest.out &&
	       grep -qF -- '--security-opt apparmor=palisade-$T-a' $WORK/suggest.out &&
	       grep -qF -- '--cap-drop ALL' $WORK/suggest.out"
