#!/bin/sh
# Network enforcement through the cgroup hooks (docs/enforcement-network.md):
# real containers on a docker network this test creates (IPv4 and IPv6), a
# listener container and client containers using busybox nc, a static UDP
# helper for sendmsg. Asserts the outcome the client sees (EPERM or success)
# and what the agent reported, with --enforce and in audit mode.
. tests/integration/lib.sh

NET=netpolicy-net
SRV4=172.31.170.10
SRV6=fd00:5170::10
dual_stack_network "$NET" 172.31.170.0/24 fd00:5170::/64

cc -static -O2 -o "$WORK/udp_send" tests/integration/netpolicy_udp_send.c || {
	not_ok "building the UDP helper"
	exit 1
}

cat >"$WORK/rules.yaml" <<RULES
- rule: netpolicy tcp deny
  desc: clients may not reach the server's port 15171
  condition: evt.type = connect and fd.sip = $SRV4 and fd.sport = 15171
  output: "netpolicy tcp %fd.name"
  priority: WARNING
  action:
    type: deny
    scope: {name: "netpolicy-c*"}
- rule: netpolicy tcp6 deny
  desc: nor 15172 over IPv6
  condition: evt.type = connect and fd.snet in ($SRV6/128) and fd.sport >= 15172 and fd.sport <= 15172
  output: "netpolicy tcp6 %fd.name"
  priority: WARNING
  action:
    type: deny
    scope: {name: "netpolicy-c*"}
- rule: netpolicy udp deny
  desc: no datagrams to the server network's port 15173
  condition: evt.type in (sendto, sendmsg) and fd.l4proto = udp and fd.snet = 172.31.170.0/24 and fd.sport = 15173
  output: "netpolicy udp %fd.name"
  priority: WARNING
  action:
    type: deny
    scope: {name: "netpolicy-c*"}
- rule: netpolicy not decidable
  desc: proc.name is not something the hook sees
  condition: evt.type = connect and proc.name = nc and fd.sport = 15179
  output: "netpolicy nd %fd.name"
  priority: WARNING
  action: {type: deny, downgrade: true}
RULES

run_container netpolicy-srv --network "$NET" --ip "$SRV4" --ip6 "$SRV6" "$IMAGE" sh -c \
	'for p in 15170 15171 15172; do nc -ll -p $p -e /bin/cat & done; wait'
run_container netpolicy-c1 --network "$NET" "$IMAGE" sleep 300
run_container netpolicy-other --network "$NET" "$IMAGE" sleep 300
for c in netpolicy-c1 netpolicy-other; do docker cp "$WORK/udp_send" "$c:/udp_send"; done
C1=$(container_id netpolicy-c1 | cut -c1-12)

# tcp HOST PORT in container C: what the client reports.
tcp() { docker exec "$1" sh -c "echo hi | nc -w 2 $2 $3 2>&1; echo rc=\$?"; }
denied() { case "$1" in *"not permitted"*) return 0 ;; esac; echo "not denied: $1" >&2; return 1; }
allowed() { case "$1" in *hi*rc=0*) return 0 ;; esac; echo "not allowed: $1" >&2; return 1; }

# --- a deny to enforce that the hook cannot serve refuses the start ---
sed 's/action: {type: deny, downgrade: true}/action: deny/' "$WORK/rules.yaml" >"$WORK/strict.yaml"
./palisade run --rules "$WORK/strict.yaml" --enforce --output /dev/null 2>"$WORK/strict.err" &
spid=$!
i=0
while kill -0 $spid 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
if kill -0 $spid 2>/dev/null; then
	kill -INT $spid
	wait $spid
	not_ok "an undecidable deny without downgrade refuses the start (it started)"
else
	wait $spid
	check "an undecidable deny without downgrade refuses the start" grep -q \
		"rule 'netpolicy not decidable' (action deny) cannot be served by the cgroup hook: proc.name.*set action.downgrade: true" \
		"$WORK/strict.err"
fi

# --- enforce ---
start_agent --rules "$WORK/rules.yaml" --enforce || exit 1
check "rules served by the hook are reported at start" \
	grep -q "rule 'netpolicy udp deny' served by the cgroup hook: sendmsg proto udp to 172.31.170.0/24 ports 15173" "$WORK/agent.err"
check "a rule the hook cannot decide says why" \
	grep -q "rule 'netpolicy not decidable' (action deny) cannot be served by the cgroup hook: proc.name" "$WORK/agent.err"

out=$(tcp netpolicy-c1 $SRV4 15171)
check "denied tcp connect gets EPERM" denied "$out"
out=$(tcp netpolicy-c1 $SRV4 15170)
check "allowed tcp connect from the same container succeeds" allowed "$out"
out=$(tcp netpolicy-other $SRV4 15171)
check "another container is unaffected" allowed "$out"
out=$(tcp netpolicy-c1 $SRV6 15172)
check "denied IPv6 connect gets EPERM" denied "$out"
out=$(tcp netpolicy-c1 $SRV6 15170)
check "allowed IPv6 connect succeeds" allowed "$out"
out=$(docker exec netpolicy-c1 /udp_send $SRV4 15173)
check "UDP sendmsg to a denied address fails" denied "$out"
out=$(docker exec netpolicy-c1 /udp_send $SRV4 15174)
check "UDP sendmsg to another port is sent" expect "\"$out\"" '. == "sent"'
out=$(docker exec netpolicy-other /udp_send $SRV4 15173)
check "UDP sendmsg from another container is sent" expect "\"$out\"" '. == "sent"'
out=$(docker exec netpolicy-c1 /udp_send ::ffff:$SRV4 15173)
check "IPv4-mapped IPv6 destination judged as IPv4" denied "$out"

# A container started after the agent: covered once the agent has seen it
# start (docker's start event); the client waits a moment, as a real one
# starting up would.
run_container netpolicy-c2 --network "$NET" "$IMAGE" sh -c \
	"sleep 1; echo hi | nc -w 2 $SRV4 15171 2>&1; echo rc=\$?; echo hi | nc -w 2 $SRV4 15170 2>&1; echo rc=\$?"
docker wait netpolicy-c2 >/dev/null
out=$(docker logs netpolicy-c2 2>&1)
check "a container started after the agent is covered" denied "$out"
check "and its allowed connect succeeds" allowed "$out"

# What the agent reported: one deny record per denied call, with its container.
deadline=$(($(date +%s) + 10))
until [ "$(grep -c '"outcome":"served in kernel"' "$WORK/alerts.json" 2>/dev/null)" -ge 5 ] ||
	[ "$(date +%s)" -ge "$deadline" ]; do sleep 0.2; done
rec=$(jq -c "select(.palisade_action.backend==\"cgroup-net\" and .output_fields[\"container.id\"]==\"$C1\" and .output_fields[\"fd.sport\"]==15171 and .output_fields[\"evt.type\"]==\"connect\")" "$WORK/alerts.json" | head -1)
check "kernel deny reported with the container" expect "$rec" \
	".rule==\"netpolicy tcp deny\" and .output_fields[\"container.name\"]==\"netpolicy-c1\" and .output_fields[\"fd.sip\"]==\"$SRV4\" and .palisade_action.mode==\"enforce\""
rec=$(jq -c "select(.palisade_action.backend==\"cgroup-net\" and .output_fields[\"evt.type\"]==\"sendmsg\" and .output_fields[\"container.id\"]==\"$C1\")" "$WORK/alerts.json" | head -1)
check "UDP deny reported" expect "$rec" '.output_fields["fd.l4proto"]=="udp" and .output_fields["fd.sport"]==15173'
rec=$(jq -c "select(.output_fields[\"container.name\"]==\"netpolicy-c2\" and .palisade_action.outcome==\"served in kernel\")" "$WORK/alerts.json" | head -1)
check "late container's deny reported with its name" expect "$rec" '.rule=="netpolicy tcp deny"'
check "no deny attributed to the other container" sh -c \
	"! jq -e 'select(.output_fields[\"container.name\"]==\"netpolicy-other\" and .palisade_action.outcome==\"served in kernel\")' '$WORK/alerts.json' >/dev/null"
stop_agent
check "deny counters printed at exit" grep -Eq 'netpolicy: checked [1-9][0-9]*, denied [5-9]' "$WORK/agent.err"
check "denies counted per rule" grep -Eq "denied [0-9]+ \\(.*'netpolicy udp deny' [1-9]" "$WORK/agent.err"

# --- audit: nothing attached, nothing denied, would-have on the alert ---
mv "$WORK/alerts.json" "$WORK/alerts-enforce.json"
start_agent --rules "$WORK/rules.yaml" || exit 1
check "audit mode attaches nothing" grep -q "enforced (audit: nothing attached)" "$WORK/agent.err"
out=$(tcp netpolicy-c1 $SRV4 15171)
check "audit mode: the connect succeeds" allowed "$out"
out=$(docker exec netpolicy-c1 /udp_send $SRV4 15173)
check "audit mode: the datagram is sent" expect "\"$out\"" '. == "sent"'
deadline=$(($(date +%s) + 10))
until grep -q '"outcome":"would-have"' "$WORK/alerts.json" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; do
	sleep 0.2
done
rec=$(jq -c "select(.rule==\"netpolicy tcp deny\" and .output_fields[\"container.id\"]==\"$C1\")" "$WORK/alerts.json" | head -1)
check "audit mode: the connect alert says would-have" expect "$rec" \
	'.palisade_action.mode=="audit" and .palisade_action.outcome=="would-have"'
stop_agent
