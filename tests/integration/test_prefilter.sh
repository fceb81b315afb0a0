#!/bin/sh
# The rules' in-kernel pre-filter (docs/prefilter.md): the same real
# workload (tests/integration/prefilter_workload.sh, in a container and on
# the host), run once with the pre-filter and once with --no-prefilter, gives
# the same alerts for the container; the filtered run shows drops counted
# under their own cause, the unfiltered one none; every open the kernel let
# through passes the user-space twin of its test (replay --check-prefilter),
# and the unfiltered recording does not (the check can fail).
. tests/integration/lib.sh

need_falco_rules falco_rules.yaml falco-sandbox_rules.yaml
# --fd-table off: Falco's stable file has a rule on dup, which turns the fd
# table on, and the fd table needs every open (the pre-filter stays off).
RULES="--rules rules/palisade_rules.yaml --rules $F/falco_rules.yaml --rules $F/falco-sandbox_rules.yaml"
C=prefilter-it-$$
run_container "$C" "$IMAGE" sleep 300
ID=$(container_id "$C")
docker exec "$C" sh -c "mkdir -p /root/.ssh; echo 'root:*:19000:0:99999:7:::' > /etc/shadow"

# run_once LABEL [AGENT ARGS]: the workload under the agent; keeps the
# container's alerts as "rule|fd.name" (tag removed) and the exit summary.
run_once() {
	label=$1
	shift
	# shellcheck disable=SC2086
	start_agent --fd-table off $RULES "$@" || return 1
	sh tests/integration/prefilter_workload.sh "$C" "$label$$" >/dev/null 2>&1
	sleep 1
	stop_agent
	grep 'palisade: exit:' "$WORK/agent.err" >"$WORK/$label.summary"
	grep -F "\"${ID%"${ID#????????????}"}\"" "$WORK/alerts.json" |
		jq -r '.rule + "|" + (.output_fields["fd.name"] // "" | tostring)' |
		sed "s/$label$$/TAG/g" | sort >"$WORK/$label.alerts"
	cp "$WORK/agent.err" "$WORK/$label.err"
}

run_once on --record "$WORK/on.rec" || exit 1
run_once off --no-prefilter --record "$WORK/off.rec" || exit 1

check "the pre-filter is on and filters open/openat" grep -q '^openat: filtered' "$WORK/on.err"
check "--no-prefilter turns it off" sh -c "! grep -q 'pre-filter (docs' '$WORK/off.err'"
check "the workload raised alerts in the container" test "$(wc -l <"$WORK/off.alerts")" -ge 5
check "same alerts with and without the pre-filter" cmp "$WORK/on.alerts" "$WORK/off.alerts"
[ -s "$WORK/on.alerts" ] && cmp -s "$WORK/on.alerts" "$WORK/off.alerts" ||
	diff "$WORK/off.alerts" "$WORK/on.alerts" >&2
prefiltered() { sed -n 's/.*pre-filtered \([0-9]*\) (per CPU: \([0-9 ]*\)).*/\1 \2/p' "$1"; }
set -- $(prefiltered "$WORK/on.summary")
check "filtered run: kernel drops counted (pre-filtered ${1:-?})" test "${1:-0}" -gt 0
total=0
shift
for n in "$@"; do total=$((total + n)); done
check "filtered run: per-CPU drops add up to the total" test "$total" -eq "$(prefiltered "$WORK/on.summary" | cut -d' ' -f1)"
set -- $(prefiltered "$WORK/off.summary")
check "unfiltered run: no pre-filter drops" test "${1:-x}" = 0
check "the agent's own activity is counted, not reported" grep -Eq 'own activity [1-9]' "$WORK/on.summary"
# shellcheck disable=SC2086
./palisade replay --check-prefilter --output none $RULES "$WORK/on.rec" 2>"$WORK/check-on.err"
rc=$?
check "kernel and twin agree: no recorded open the pre-filter drops ($(grep -o 'check: .*' "$WORK/check-on.err"))" \
	sh -c "[ $rc -eq 0 ] && grep -q 'pre-filter check: [1-9][0-9]* records, 0 the' '$WORK/check-on.err'"
# shellcheck disable=SC2086
./palisade replay --check-prefilter --output none $RULES "$WORK/off.rec" 2>"$WORK/check-off.err"
rc=$?
check "the check fails on the unfiltered recording ($(grep -o 'check: .*' "$WORK/check-off.err"))" \
	sh -c "[ $rc -eq 1 ] && grep -q 'records, [1-9][0-9]* the pre-filter would have dropped' '$WORK/check-off.err'"
