#!/bin/sh
# Flow accounting (docs/flows.md): real containers on a docker network this
# test creates (IPv4 and IPv6), bench/netprobe as the TCP/UDP echo server and
# client, busybox ping for ICMP. Asserts what `palisade flows` reports: both
# ends of each conversation by container name, direction, protocol, ports,
# bytes, TCP state and end, the topology's edge; the bound of the kernel's
# table counted, never silent; the table view; no agent, a clear message.
. tests/integration/lib.sh

NET=netfl-net
SRV4=172.31.180.10
SRV6=fd00:5180::10
dual_stack_network "$NET" 172.31.180.0/24 fd00:5180::/64
netprobe_build

# shellcheck disable=SC2086
run_container netfl-srv --network "$NET" --ip "$SRV4" --ip6 "$SRV6" $PROBE "$IMAGE" \
	/netprobe serve 18080 18081
# shellcheck disable=SC2086
run_container netfl-cli --network "$NET" $PROBE "$IMAGE" sleep 300

# --- no agent: a message that says what to do ---
./palisade flows --socket "$WORK/none.sock" >"$WORK/none.out" 2>&1
rc=$?
check "palisade flows without an agent fails and says how to start one" \
	sh -c "[ $rc -eq 1 ] && grep -q -- '--flows' '$WORK/none.out' && grep -q -- '--local' '$WORK/none.out'"

# measure ARGS...: `palisade flows --local` in the background, JSON lines in
# $WORK/flows.json; returns once its first document is out (attached).
measure() {
	: >"$WORK/flows.json"
	./palisade flows --local --json --container 'netfl-*' "$@" >"$WORK/flows.json" \
		2>"$WORK/flows.err" &
	MEASURE=$!
	i=0
	until [ -s "$WORK/flows.json" ] || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
}

measure --count 5
docker exec netfl-cli sh -c "/netprobe tcp $SRV4 18080 hello4; /netprobe tcp $SRV6 18080 hello6;
	/netprobe udp $SRV4 18081 dgram4; /netprobe udp $SRV6 18081 dgram6;
	ping -c 2 -W 1 $SRV4" >"$WORK/traffic.out" 2>&1
check "the workload ran (TCP and UDP over IPv4 and IPv6, ICMP)" \
	sh -c "[ \$(grep -c '^ok ' '$WORK/traffic.out') -eq 4 ] && grep -q '2 packets received' '$WORK/traffic.out'"
wait "$MEASURE"
DOC=$(tail -1 "$WORK/flows.json")
[ -n "$DOC" ] || { not_ok "palisade flows --local printed nothing"; cat "$WORK/flows.err"; exit 1; }

# flow JQ_CONDITION: the last document has a flow satisfying it.
flow() { printf '%s\n' "$DOC" | jq -e "[.flows[] | select($1)] | length > 0" >/dev/null ||
	{ echo "no flow with $1 in: $DOC" >&2; return 1; }; }

check "TCP/IPv4 at the client: egress to netfl-srv:18080, closed, bytes both ways" flow \
	".container == \"netfl-cli\" and .direction == \"egress\" and .proto == \"tcp\" and
	 .family == 4 and .peer == \"netfl-srv\" and .peer_kind == \"container\" and
	 .remote == \"$SRV4\" and .rport == 18080 and .state == \"CLOSED\" and .ended == \"closed\" and
	 .bytes_out > 0 and .bytes_in > 0 and .packets_out > 2"
check "TCP/IPv4 at the server: ingress from netfl-cli on its port 18080" flow \
	".container == \"netfl-srv\" and .direction == \"ingress\" and .proto == \"tcp\" and
	 .peer == \"netfl-cli\" and .local == \"$SRV4\" and .lport == 18080"
check "TCP/IPv6 at the client" flow \
	".container == \"netfl-cli\" and .proto == \"tcp\" and .family == 6 and
	 .remote == \"$SRV6\" and .rport == 18080 and .peer == \"netfl-srv\""
check "UDP/IPv4 both ways (request and echo)" flow \
	".container == \"netfl-cli\" and .proto == \"udp\" and .family == 4 and .rport == 18081 and
	 .direction == \"egress\" and .bytes_out > 0 and .bytes_in > 0"
check "UDP/IPv6" flow \
	".container == \"netfl-srv\" and .proto == \"udp\" and .family == 6 and .lport == 18081 and
	 .direction == \"ingress\""
check "ICMP echo from the client, with its replies" flow \
	".container == \"netfl-cli\" and .proto == \"icmp\" and .peer == \"netfl-srv\" and
	 .packets_out >= 2 and .packets_in >= 2"
check "the topology's edge netfl-cli -> netfl-srv tcp/18080, counted once" sh -c \
	"printf '%s\n' '$DOC' | jq -e '[.edges[] | select(.src == \"netfl-cli\" and .dst == \"netfl-srv\" and
	 .port == 18080 and .proto == \"tcp\")] | length == 1' >/dev/null"

# --- the bound: a full kernel table counts what it could not take ---
# Documents every second for up to a minute, until one shows the counts (a
# fixed --count 3 once ended before a slow docker exec had sent anything).
untracked() {
	jq -e '.counters.untracked_flows > 0 and .counters.untracked_packets > 0 and
	 .counters.untracked_bytes > 0' "$WORK/flows.json" 2>/dev/null | grep -q true
}
wait_untracked() {
	deadline=$(( $(date +%s) + 30 ))
	until untracked; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.5
	done
}
measure --count 60 --max-flows 2
docker exec netfl-cli sh -c "for p in 1 2 3 4 5 6; do /netprobe udp $SRV4 18081 x\$p; done" >/dev/null 2>&1
check "a full flow table counts the flows, packets and bytes it could not track" wait_untracked
kill "$MEASURE" 2>/dev/null
wait "$MEASURE" 2>/dev/null

# --- the table ---
./palisade flows --local --once --container 'netfl-*' >"$WORK/table.out" 2>&1 &
TPID=$!
sleep 0.5
docker exec netfl-cli /netprobe tcp "$SRV4" 18080 table >/dev/null 2>&1
wait "$TPID"
check "the table view: a header and the client's row" sh -c \
	"grep -q '^CONTAINER *DIR *PROTO' '$WORK/table.out' && grep -q '^netfl-cli *out *tcp .*netfl-srv' '$WORK/table.out'"

# --- the agent: palisade run --flows, rules of the flow source, palisade flows ---
cat >"$WORK/flow_rules.yaml" <<'RULES'
- rule: netfl connection to the echo server
  desc: a flow of the flow source, judged by the agent's rules
  condition: evt.type = flow_start and fd.sport = 18080 and container.name = netfl-cli
  output: "flow from %container.name to %flow.peer port %fd.sport (%flow.direction)"
  priority: NOTICE
  source: flow
RULES
SOCK="$WORK/status.sock"
AGENT_PORT=$(free_port)
PROM_PORT=$(free_port)
start_agent --flows --syscalls none --status-socket "$SOCK" -r "$WORK/flow_rules.yaml" \
	--metrics "127.0.0.1:$AGENT_PORT"
check "palisade run --flows says it accounts flows" grep -q '^palisade: flows: accounting' "$WORK/agent.err"
i=0
until [ -S "$SOCK" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
docker exec netfl-cli /netprobe tcp "$SRV4" 18080 agent >/dev/null 2>&1
check "a flow_start rule fires in the agent" sh -c \
	"i=0; until grep -q 'netfl connection to the echo server' '$WORK/alerts.json'; do
		i=\$((i + 1)); [ \$i -lt 100 ] || exit 1; sleep 0.1; done;
	 grep 'netfl connection to the echo server' '$WORK/alerts.json' | head -1 |
	 jq -e '.source == \"flow\" and (.output | test(\"to netfl-srv port 18080 \\\\(egress\\\\)\"))' >/dev/null"
check "palisade flows reads the agent's flows" sh -c \
	"i=0; until ./palisade flows --socket '$SOCK' --json --once --container 'netfl-*' 2>/dev/null |
		jq -e '[.edges[] | select(.src == \"netfl-cli\" and .dst == \"netfl-srv\" and .port == 18080)] | length > 0' >/dev/null; do
		i=\$((i + 1)); [ \$i -lt 30 ] || exit 1; sleep 0.2; done"

# --- Prometheus scrapes the agent; the network dashboard's queries over it ---
if command -v prometheus >/dev/null; then
	cat >"$WORK/prometheus.yml" <<PROM
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: palisade
    static_configs:
      - targets: ['127.0.0.1:$AGENT_PORT']
PROM
	prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
	PROM_PID=$!
	trap 'kill $PROM_PID 2>/dev/null; cleanup; for n in $TEST_NETWORKS; do docker network rm "$n" >/dev/null 2>&1; done' EXIT INT TERM
	promql() {
		curl -s -G --max-time 10 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"
	}
	# wait_promql EXPR JQ: within 60 s, the query's result satisfies JQ
	wait_promql() {
		deadline=$(( $(date +%s) + 60 ))
		until promql "$1" | jq -e ".data.result | $2" >/dev/null 2>&1; do
			[ "$(date +%s)" -lt "$deadline" ] || return 1
			docker exec netfl-cli /netprobe tcp "$SRV4" 18080 prom >/dev/null 2>&1
			sleep 1
		done
	}
	check "PromQL: bytes from netfl-cli to netfl-srv on 18080" wait_promql \
		'palisade_flow_bytes_total{src="netfl-cli",dst="netfl-srv",port="18080",proto="tcp"}' \
		'length == 1 and (.[0].value[1] | tonumber) > 0'
	bad=
	jq -r '.panels[].targets[]?.expr' docs/grafana-network.json | sed 's/\$instance/.*/g; s/\$__rate_interval/1m/g' >"$WORK/exprs"
	while IFS= read -r e; do
		# An empty answer or a 503 was seen now and then (a loaded
		# Prometheus): ask again a few times; a query Prometheus refuses
		# fails every time.
		for _ in 1 2 3 4 5; do
			r=$(promql "$e")
			[ "$(echo "$r" | jq -r .status 2>/dev/null)" = success ] && break
			sleep 1
		done
		[ "$(echo "$r" | jq -r .status)" = success ] || { bad="$bad|$e"; echo "query failed: $e: $r" >&2; }
	done <"$WORK/exprs"
	check "every query of docs/grafana-network.json runs in Prometheus ($(wc -l <"$WORK/exprs") queries)" [ -z "$bad" ]
	EDGES=$(jq -r '.panels[] | select(.type == "nodeGraph") | .targets[] | select(.refId == "edges") | .expr' \
		docs/grafana-network.json | sed 's/\$instance/.*/g')
	NODES=$(jq -r '.panels[] | select(.type == "nodeGraph") | .targets[] | select(.refId == "nodes") | .expr' \
		docs/grafana-network.json | sed 's/\$instance/.*/g')
	check "the topology's edges: netfl-cli -> netfl-srv" wait_promql "$EDGES" \
		'any(.[]; .metric.src == "netfl-cli" and .metric.dst == "netfl-srv")'
	check "the topology's nodes: both containers, as containers" wait_promql "$NODES" \
		'any(.[]; .metric.dst == "netfl-cli" and .metric.dst_kind == "container") and any(.[]; .metric.dst == "netfl-srv")'
	kill $PROM_PID 2>/dev/null
else
	skip "the network dashboard against Prometheus: prometheus is not installed (scripts/install-deps.sh)"
fi
stop_agent
