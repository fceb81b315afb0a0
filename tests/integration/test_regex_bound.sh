#!/bin/sh
# A backtracking regex against a long argument (issues 12 and 15): PCRE2 gives
# up at its match limit, the rule fires flagged "undecided" (fail closed:
# padding an argument does not evade it), the error is counted in /metrics
# and logged, and the events after it are still judged.
. tests/integration/lib.sh

PORT=21212
TAG=hr$$
cat >"$WORK/rules.yaml" <<EOF
- rule: harden regex padded
  desc: a catastrophic pattern, to be evaded by padding
  condition: evt.type=execve and proc.name=echo and proc.cmdline regex '.*$TAG (a|aa)+'
  output: "padded %proc.cmdline"
  priority: WARNING
- rule: harden regex after
  desc: a plain rule, judged after the failed match
  condition: evt.type=execve and proc.name=true and proc.args contains $TAG
  output: "after %proc.cmdline"
  priority: WARNING
EOF
start_agent --no-docker --rules "$WORK/rules.yaml" --metrics "127.0.0.1:$PORT" || exit 1
pad=$(head -c 3000 /dev/zero | tr '\0' a)
/bin/echo "$TAG" "$pad!" >/dev/null
/bin/true "$TAG"
a=$(wait_json "$WORK/alerts.json" alert ".rule==\"harden regex padded\"" 10 "$TAG")
check "the padded command line fires the rule (not evaded)" [ -n "$a" ]
check "the alert says it is undecided, and why" \
	[ "$(printf '%s' "$a" | jq -r .undecided)" = "regex match limit exceeded" ]
check "its output line says it too" sh -c "printf '%s' '$a' | jq -r .output | grep -q 'undecided: regex match limit exceeded, fired fail-closed'"
wait_json "$WORK/alerts.json" alert ".rule==\"harden regex after\"" 10 "$TAG" >/dev/null
check "the next event is still judged" [ $? -eq 0 ]
# metric NAME: its value in the agent's last published snapshot, once it is
# at least 1 (snapshots are published periodically), or 0 after 15 s.
metric() {
	deadline=$(( $(date +%s) + 15 ))
	while :; do
		v=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | awk -v n="$1" '$1 == n { print $2 }')
		if [ -n "$v" ] && awk -v v="$v" 'BEGIN { exit !(v >= 1) }'; then
			echo "$v"
			return
		fi
		[ "$(date +%s)" -lt "$deadline" ] || break
		sleep 0.5
	done
	echo 0
}
check "palisade_rules_regex_errors_total counts the failed match" \
	[ "$(metric palisade_rules_regex_errors_total)" != 0 ]
check "palisade_rules_undecided_total counts the undecided rule" \
	[ "$(metric palisade_rules_undecided_total)" != 0 ]
check "the log says so" grep -q "rule 'harden regex padded' fired undecided: regex match limit exceeded" "$WORK/agent.err"
stop_agent
