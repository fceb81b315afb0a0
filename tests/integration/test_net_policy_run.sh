#!/bin/sh
# The label policy in `palisade run` (network_policy.files, --network-policy;
# docs/policy.md): the seed's allow-payment-api on a docker network this test
# creates. order-processor reaches payment-service on TCP 80; another
# container and another port are refused; each refusal is an alert in the
# agent's JSON output naming the policy; palisade_policy_verdicts_total counts
# it; a SIGHUP with a changed policy is in force at once; a broken policy on
# reload is refused with file:line:col and the running one stays; audit mode
# refuses nothing and reports. Clients give up after 2 s (bench/netprobe).
. tests/integration/lib.sh

NET=netrun-net
PAY=172.31.187.10
ORD=172.31.187.20
dual_stack_network "$NET" 172.31.187.0/24 fd00:5187::/64
netprobe_build
# shellcheck disable=SC2086
run_container netrun-pay --network "$NET" --ip "$PAY" --label app=netrun-payment $PROBE \
	"$IMAGE" /netprobe serve 80 81
# shellcheck disable=SC2086
run_container netrun-ord --network "$NET" --ip "$ORD" --label app=netrun-order $PROBE \
	"$IMAGE" sleep 300
# shellcheck disable=SC2086
run_container netrun-oth --network "$NET" --label app=netrun-other $PROBE "$IMAGE" sleep 300

# policy PORTS...: the seed's policy, order-processor allowed on these TCP ports
policy() {
	cat <<EOF
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: netrun-allow-payment
spec:
  endpointSelector:
    matchLabels:
      app: netrun-payment
  ingress:
  - fromEndpoints:
    - matchLabels:
        app: netrun-order
    toPorts:
    - ports:
EOF
	for p in "$@"; do printf '      - port: "%s"\n        protocol: TCP\n' "$p"; done
}
policy 80 >"$WORK/policy.yaml"

# said N PATTERN: the agent's log holds more than N lines matching PATTERN
said() { [ "$(grep -c -e "$2" "$WORK/agent.err")" -gt "$1" ]; }
# verdicts POLICY DIRECTION VERDICT: the counter on /metrics (0 when absent)
verdicts() {
	curl -s "http://127.0.0.1:$PORT/metrics" |
		sed -n "s/^palisade_policy_verdicts_total{policy=\"$1\",direction=\"$2\",verdict=\"$3\"} //p" |
		grep . || echo 0
}
counted() { [ "$(verdicts "$@")" -ge 1 ]; }

# The settings' check reads the policy files: a broken one is refused with its place.
printf 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: x\nspec:\n  endpointSelector: {}\n  ingress:\n  - toFQDNs: []\n' >"$WORK/broken.yaml"
printf 'network_policy:\n  files: [%s]\n' "$WORK/broken.yaml" >"$WORK/bad.conf"
check "config check refuses a broken policy with file:line:col" sh -c \
	"! ./palisade config check '$WORK/bad.conf' >'$WORK/check.out' 2>&1 && grep -q 'broken.yaml:8:5' '$WORK/check.out'"

PORT=$(free_port)
start_agent_with --no-rules --syscalls none --status-socket none --metrics "127.0.0.1:$PORT" \
	--output "$WORK/alerts.json" --network-policy "$WORK/policy.yaml" ||
	{ not_ok "the agent started with --network-policy"; exit 1; }
until_ok said 0 'policy: compiled: [1-9] enforced' ||
	{ not_ok "the agent compiled the policy"; cat "$WORK/agent.err"; exit 1; }
check "order-processor reaches payment-service on TCP 80" until_ok allowed tcp netrun-ord "$PAY" 80
check "another container is refused on TCP 80" refused tcp netrun-oth "$PAY" 80
check "another container is refused on UDP 80" refused udp netrun-oth "$PAY" 80
check "order-processor is refused on TCP 81" refused tcp netrun-ord "$PAY" 81
A=$(wait_alert '.rule == "Network policy denied" and .source == "flow" and
	.output_fields["container.name"] == "netrun-pay" and .output_fields["flow.peer"] == "netrun-oth" and
	.output_fields["policy.verdict"] == "denied"' 15 netrun-oth)
check "the refusal is an alert in the agent's JSON output naming the policy" \
	expect "$A" '.output_fields["policy.name"] == "netrun-allow-payment" and
		.palisade_action.outcome == "served in kernel" and (.output | test("denied ingress"))'
check "palisade_policy_verdicts_total counts the refusals" \
	until_ok counted netrun-allow-payment ingress denied
check "palisade_policy_records_lost_total is on /metrics, 0 (no refusal's record lost)" sh -c \
	"curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'palisade_policy_records_lost_total 0'"

# SIGHUP with a changed policy: TCP 81 allowed too.
policy 80 81 >"$WORK/policy.yaml"
n=$(grep -c 'reload: network policy:' "$WORK/agent.err")
kill -HUP "$AGENT_PID"
check "SIGHUP reloads the policy" until_ok said "$n" 'reload: network policy: 1 policies'
check "the reloaded policy is in force (TCP 81 allowed)" until_ok allowed tcp netrun-ord "$PAY" 81
check "... and still refuses the other container" refused tcp netrun-oth "$PAY" 81

# A broken policy on reload: refused, said why, the running one stays.
cp "$WORK/broken.yaml" "$WORK/policy.yaml"
n=$(grep -c 'reload failed' "$WORK/agent.err")
kill -HUP "$AGENT_PID"
check "a broken policy on reload is refused with file:line:col" sh -c \
	"until_ok() { d=\$((\$(date +%s) + 15)); until \"\$@\"; do [ \$(date +%s) -lt \$d ] || return 1; sleep 0.3; done; };
	 until_ok grep -q 'policy.yaml:8:5' '$WORK/agent.err' && [ \$(grep -c 'reload failed' '$WORK/agent.err') -gt $n ]"
check "... the running policy stays: order-processor on 81" until_ok allowed tcp netrun-ord "$PAY" 81
check "... the running policy stays: the other container refused" refused tcp netrun-oth "$PAY" 80
stop_agent

# Audit mode: nothing refused, the would-be refusal reported and counted.
policy 80 >"$WORK/policy.yaml"
: >"$WORK/alerts.json"
start_agent_with --no-rules --syscalls none --status-socket none --metrics "127.0.0.1:$PORT" \
	--output "$WORK/alerts.json" --network-policy "$WORK/policy.yaml" --network-policy-mode audit ||
	{ not_ok "the agent started in audit mode"; exit 1; }
until_ok said 0 'policy: compiled: [1-9] enforced' ||
	{ not_ok "the agent compiled the policy (audit)"; cat "$WORK/agent.err"; exit 1; }
check "audit: the other container reaches payment-service" until_ok allowed tcp netrun-oth "$PAY" 80
A=$(wait_alert '.rule == "Network policy denied" and .output_fields["flow.peer"] == "netrun-oth" and
	.output_fields["policy.verdict"] == "audit"' 15 netrun-oth)
check "audit: the would-be refusal is reported, naming the policy" \
	expect "$A" '.output_fields["policy.name"] == "netrun-allow-payment" and .palisade_action.mode == "audit"'
check "audit: it is counted as audit" until_ok counted netrun-allow-payment ingress audit
stop_agent
check "without the agent, nothing is refused" until_ok allowed tcp netrun-oth "$PAY" 81
