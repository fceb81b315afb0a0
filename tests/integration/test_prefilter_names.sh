#!/bin/sh
# The pre-filter's name gate (docs/prefilter.md) with all three Falco files,
# whose incubating rules match read-only opens of any path by processes
# named tar or sshd: a container process named tar reading a file raises
# Falco's alert; a tar that renamed itself (prctl, leader or one thread) still
# has its reads kept; a process with another name reading a plain path is
# dropped in the kernel (its open never reaches user space, the pre-filtered
# counter rises); and every open the kernel let through passes the user-space
# twin of its test (replay --check-prefilter on the recording).
. tests/integration/lib.sh

need_falco_rules falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml
# --fd-table off: Falco's stable file has a rule on dup, which turns the fd
# table on, and the fd table needs every open (the pre-filter stays off).
RULES="--rules rules/palisade_rules.yaml --rules $F/falco_rules.yaml --rules $F/falco-incubating_rules.yaml --rules $F/falco-sandbox_rules.yaml"
RULE="Exfiltrating Artifacts via Kubernetes Control Plane"
C=namegate-names-$$
T=ng$$
D=/srv/$T

cc -static -O2 -pthread -o "$WORK/tar" tests/integration/prefilter_rename.c || exit 1
run_container "$C" --network none "$IMAGE" sleep 300 || exit 1
docker exec "$C" sh -c "mkdir -p $D && for f in tarread leader thread plain held; do echo data >$D/\$f; done"
docker cp "$WORK/tar" "$C:$D/tar"

# alert_for FILE: Falco's tar rule on that file, as "proc.name".
alert_for() {
	wait_alert ".rule == \"$RULE\" and .output_fields[\"fd.name\"] == \"$1\"" 10 "$1" |
		jq -r '.output_fields["proc.name"]'
}

# shellcheck disable=SC2086
start_agent --fd-table off $RULES --record "$WORK/names.rec" || exit 1
check "read-only opens are gated by name (sshd, tar), not kept whole" \
	grep -q '^openat: filtered;.* read-only opens: [0-9]* paths/prefixes + any path of processes named sshd, tar' \
	"$WORK/agent.err"

docker exec "$C" tar -cf /dev/null "$D/tarread" 2>/dev/null
check "tar reading a file in a container: Falco's alert" test "$(alert_for "$D/tarread")" = tar

# The leader renames itself: neither the thread's nor the leader's comm is
# tar at the open; only the rename mark keeps it.
docker exec "$C" "$D/tar" worker "$D/leader" leader
check "a tar that renamed itself (prctl) still has its read kept: the alert" \
	test "$(alert_for "$D/leader")" = tar

# A second thread renames itself: the leader's comm still says tar.
docker exec "$C" "$D/tar" worker "$D/thread" thread
check "a tar whose reading thread renamed itself: the alert" \
	test "$(alert_for "$D/thread")" = tar

# The rename mark itself, in the agent's pf_renamed map (found through its
# fds): there while the renamed tar lives, gone once its last thread exits.
marks_map_id() {
	for f in /proc/"$AGENT_PID"/fdinfo/*; do
		id=$(sed -n 's/^map_id:[[:space:]]*//p' "$f" 2>/dev/null)
		[ -n "$id" ] || continue
		if bpftool map show id "$id" 2>/dev/null | grep -q ' name pf_renamed '; then
			echo "$id"
			return 0
		fi
	done
	return 1
}
# has_mark MAP PID: the map holds PID (a u32 key, little-endian here).
has_mark() {
	# shellcheck disable=SC2046
	bpftool map lookup id "$1" key hex $(printf '%02x %02x %02x %02x' $(($2 & 255)) \
		$(($2 >> 8 & 255)) $(($2 >> 16 & 255)) $(($2 >> 24 & 255))) >/dev/null 2>&1
}
mark_gone() {
	i=0
	while has_mark "$1" "$2"; do
		[ $i -lt 20 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}
docker exec -d "$C" "$D/tar" worker "$D/held" leader 3
pid=$(wait_event ".type == \"openat\" and .path == \"$D/held\"" 10 "$D/held" | jq -r '.proc.pid')
map=$(marks_map_id)
check "the renamed tar (pid ${pid:-?}) is marked in pf_renamed (map ${map:-?})" has_mark "$map" "$pid"
wait_event ".type == \"procexit\" and .proc.pid == ${pid:-0}" 10 '"procexit"' >/dev/null
check "its mark is removed when it exits" mark_gone "$map" "$pid"

# Another name, a plain path: dropped in the kernel. tar's read of the same
# path afterwards is kept, so once it is in, cat's would have been too.
before=$(prefiltered_now)
docker exec "$C" cat "$D/plain" >/dev/null
docker exec "$C" tar -cf /dev/null "$D/plain" 2>/dev/null
wait_event ".type == \"openat\" and .path == \"$D/plain\" and .proc.name == \"tar\"" 10 "$D/plain" >/dev/null
check "tar's read of a plain path reaches user space" test $? -eq 0
check "cat's read of the same path was dropped in the kernel" sh -c \
	"! grep -a -F '$D/plain' '$WORK/events.json' | jq -c 'select(.type == \"openat\" and .proc.name == \"cat\")' | grep -q ."
after=$(prefiltered_now)
check "the pre-filtered counter rises ($before -> $after)" test "${after:-0}" -gt "${before:-0}"

stop_agent
check "the exit summary counts pre-filtered opens" grep -Eq 'pre-filtered [1-9]' "$WORK/agent.err"
# shellcheck disable=SC2086
./palisade replay --check-prefilter --output none $RULES "$WORK/names.rec" 2>"$WORK/check.err"
rc=$?
check "kernel and twin agree on the gate ($(grep -o 'check: .*' "$WORK/check.err"))" \
	sh -c "[ $rc -eq 0 ] && grep -q 'pre-filter check: [1-9][0-9]* records, 0 the' '$WORK/check.err'"
