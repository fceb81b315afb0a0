#!/bin/sh
# The posture audit inside the agent (audit.watch, issue 16): `palisade run
# --audit-watch` audits the live host on the shared dockerd; a container
# started with a risky flag while the agent runs raises one alert through the
# agent's ordinary output (source audit), a hardened one raises none; the
# findings are gauges on the agent's own /metrics. Off by default; refused
# without Docker. Every wait has a deadline (a loaded machine is slow).
. tests/integration/lib.sh

P=audit-agent-$$
PORT=$(free_port)

# wait_metric REGEX SECONDS: until a line of the agent's /metrics matches.
wait_metric() {
	deadline=$(( $(date +%s) + $2 ))
	until curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | grep -Eq -- "$1"; do
		[ "$(date +%s)" -lt "$deadline" ] || { echo "no /metrics line matched: $1" >&2; return 1; }
		sleep 0.3
	done
}

check "audit.watch is off by default" sh -c \
	"./palisade config keys | grep -q '^| \`audit.watch\` | boolean | \`false\` |'"
./palisade run --audit-watch --no-docker --no-rules --dry-run --status-socket none \
	--output none 2>"$WORK/nodocker.err"
check "--audit-watch without Docker is refused before anything starts" sh -c \
	"[ $? -ne 0 ] && grep -q 'audit.watch needs the Docker Engine API' '$WORK/nodocker.err'"

: >"$WORK/alerts.json"
if ! start_agent_with --no-rules --audit-watch --audit-alert-on high \
	--metrics "127.0.0.1:$PORT" --status-socket none --output "$WORK/alerts.json"; then
	not_ok "the agent did not start with --audit-watch"
	exit 1
fi
check "the agent says it audits" grep -q '^palisade: audit: watching' "$WORK/agent.err"
# A start is alerted only once the watcher follows Docker's /events (before
# that it would be seen by the next full audit, without an alert).
wait_metric '^palisade_audit_events_connected 1$' 60
check "/metrics: the watcher follows Docker's events" [ $? -eq 0 ]

run_container "$P-bad" --cap-add SYS_ADMIN "$IMAGE" sleep 600
run_container "$P-ok" --user 10001:10001 --cap-drop ALL --read-only --memory 64m \
	--pids-limit 50 --security-opt no-new-privileges "$IMAGE" sleep 600

a=$(wait_alert ".output_fields[\"container.name\"]==\"$P-bad\"" 60 "$P-bad")
check "a container started with --cap-add SYS_ADMIN: an alert on the agent's output (source audit, check 5.4, Error)" \
	expect "$a" '.rule=="Container started in violation of the audit baseline" and
		.source=="audit" and .priority=="Error" and (.tags|index(["audit"])) != null and
		any(.output_fields["audit.checks"]|split(",")[]; .=="5.4") and
		(.output|contains("SYS_ADMIN")) and (.output_fields["container.id"]|length)==12'

B="kind=\"container\",object=\"$P-bad\",id=\"[0-9a-f]{12}\",severity=\"high\""
wait_metric "^palisade_audit_object_findings\{$B\} [1-9]" 60
check "/metrics: the violating container's high finding is a gauge" [ $? -eq 0 ]
wait_metric '^palisade_audit_findings\{check="5.4",cis="5.4",severity="high",kind="container"\} [1-9]' 30
check "/metrics: check 5.4 counts it" [ $? -eq 0 ]
wait_metric '^palisade_audit_violations_total [1-9]' 30
check "/metrics: the violation is counted" [ $? -eq 0 ]
# The hardened container was audited too (it has lower findings), so its
# silence below means something.
wait_metric "^palisade_audit_object_findings\{kind=\"container\",object=\"$P-ok\"," 60
check "/metrics: the hardened container was audited" [ $? -eq 0 ]

# Stopping hands what the audit queued to the outputs before they drain.
kill -INT "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
check "the agent stops on SIGINT (exit 0)" [ "$rc" -eq 0 ]
check "the hardened container raises no alert" sh -c "! grep -q '\"$P-ok\"' '$WORK/alerts.json'"
check "the violating container raises exactly one alert" \
	[ "$(grep -c "\"container.name\":\"$P-bad\"" "$WORK/alerts.json")" -eq 1 ]
