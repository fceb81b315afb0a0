#!/bin/sh
# /metrics scraped by a real Prometheus server, queried with PromQL after real
# events in a real container; `palisade status` against the live agent and
# with none; the status socket's life (mode, stale socket, removal).
. tests/integration/lib.sh

AGENT_PORT=$(free_port)
PROM_PORT=$(free_port)
PROM_PID=
C=metrics-mt
SOCK=$WORK/status.sock

stop_prometheus() {
	[ -n "$PROM_PID" ] || return 0
	kill "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	PROM_PID=
}
trap 'stop_prometheus; cleanup' EXIT INT TERM

# promql EXPR: the query's result vector, as JSON.
promql() {
	curl -s -G --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1" | jq -c '.data.result'
}

# wait_promql EXPR [SECONDS]: waits until the query returns a non-empty vector.
wait_promql() {
	deadline=$(( $(date +%s) + ${2:-30} ))
	while :; do
		r=$(promql "$1")
		if [ -n "$r" ] && [ "$r" != "[]" ] && [ "$r" != "null" ]; then
			printf '%s\n' "$r"
			return 0
		fi
		[ "$(date +%s)" -lt "$deadline" ] || break
		sleep 0.5
	done
	echo "PromQL returned nothing: $1" >&2
	return 1
}

# check_promql NAME EXPR [SECONDS]: ok when the query returns something in time.
check_promql() {
	r=$(wait_promql "$2" "${3:-30}")
	check "$1" [ -n "$r" ]
}

# kernel_links PID: "name count" for each BPF program the process holds a
# link to, as the kernel sees it (/proc/PID/fdinfo of its link fds, the
# program's name from bpftool, cut to 15 characters as the kernel keeps it).
kernel_links() {
	for f in /proc/$1/fdinfo/*; do
		grep -q '^link_id:' "$f" 2>/dev/null && sed -n 's/^prog_id:[[:space:]]*//p' "$f"
	done | sort | uniq -c | while read -r n id; do
		echo "$(bpftool prog show id "$id" -j | jq -r .name) $n"
	done | sort
}

# metrics_links: the same from the agent's palisade_sensor_program_links,
# programs with a link only.
metrics_links() {
	curl -s --max-time 5 "http://127.0.0.1:$AGENT_PORT/metrics" |
		sed -n 's/^palisade_sensor_program_links{program="[^"]*",name="\([^"]*\)"} \([0-9]*\)$/\1 \2/p' |
		awk '$2 > 0 { print substr($1, 1, 15), $2 }' | sort
}

# The kernel's links of the sensor's programs, restricted to those names.
sensor_kernel_links() {
	kernel_links "$AGENT_PID" | grep -F -f "$WORK/sensor_names"
}

check "palisade --help lists status" sh -c "./palisade --help | grep -q '^  status '"
check "run --help documents --metrics and --status-socket" sh -c \
	"./palisade run --help | grep -q -- '--metrics ADDR' && ./palisade run --help | grep -q -- '--status-socket PATH'"

# No agent: a clear error and exit status 1.
./palisade status --socket "$WORK/nobody.sock" >"$WORK/none.out" 2>"$WORK/none.err"
rc=$?
check "status with no agent exits 1" [ "$rc" -eq 1 ]
check "status with no agent says so" grep -q "no agent answers on $WORK/nobody.sock" "$WORK/none.err"

run_container $C "$IMAGE" sleep 300
ID=$(container_id $C)
start_agent --metrics 127.0.0.1:$AGENT_PORT --status-socket "$SOCK" || exit 1

# The endpoint itself.
curl -s --max-time 5 "http://127.0.0.1:$AGENT_PORT/metrics" >"$WORK/scrape.txt"
# palisade's own families pass promtool's lint; Falco's names (kept as Falco
# exports them, for its dashboards) break only its naming conventions.
check "/metrics passes promtool check metrics (palisade's families)" sh -c \
	"grep -v falcosecurity_ '$WORK/scrape.txt' | promtool check metrics"
promtool check metrics <"$WORK/scrape.txt" >"$WORK/promtool.out" 2>&1
check "promtool: only Falco's own names are linted (_total gauges, nanoseconds)" sh -c \
	"grep -q . '$WORK/promtool.out' && ! grep -v -E '^falcosecurity_[a-z_]+ (non-counter metrics should not have \"_total\" suffix|use base unit \"seconds\" instead of \"nanoseconds\")\$' '$WORK/promtool.out' >&2"
check "/metrics has the 0.0.4 content type" sh -c \
	"curl -s -o /dev/null -D - http://127.0.0.1:$AGENT_PORT/metrics | grep -qi '^content-type: text/plain; version=0.0.4'"
check "/healthz answers 200" [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$AGENT_PORT/healthz)" = 200 ]
check "an unknown path answers 404" [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$AGENT_PORT/nope)" = 404 ]
check "each family appears once" sh -c \
	"[ \$(grep -c '^# TYPE' '$WORK/scrape.txt') -eq \$(grep '^# TYPE' '$WORK/scrape.txt' | sort -u | wc -l) ]"

# A second agent on the same port: a clear start-up failure.
./palisade run --output none --metrics 127.0.0.1:$AGENT_PORT --status-socket none \
	>/dev/null 2>"$WORK/second.err"
rc=$?
check "port in use: the agent refuses to start" [ "$rc" -ne 0 ]
check "port in use: the message names the address and the cause" \
	grep -q "metrics 127.0.0.1:$AGENT_PORT: cannot listen: Address already in use" "$WORK/second.err"

# An alerting rule written for Falco's metrics, as a Falco user has it.
cat >"$WORK/falco-alerts.yml" <<EOF
groups:
  - name: falco
    rules:
      - alert: FalcoWarningOrWorse
        expr: sum by (rule_name) (increase(falcosecurity_falco_rules_matches_total{priority=~"[0-4]"}[1m])) > 0
EOF
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['$WORK/falco-alerts.yml']
scrape_configs:
  - job_name: palisade
    static_configs:
      - targets: ['127.0.0.1:$AGENT_PORT']
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address=127.0.0.1:$PROM_PORT >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

# Real events: su run in the container raises one alert (Warning) of the
# default rules.
docker exec $C su -c true nobody </dev/null >/dev/null 2>&1
ALERT='select(.rule=="su or sudo run in container" and .output_fields["container.id"]=="'$(echo "$ID" | cut -c1-12)'")'
i=0
until jq -e "$ALERT" "$WORK/alerts.json" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 150 ] || break
	sleep 0.2
done
check "the default rules raised the alert in the container" sh -c \
	"jq -e '$ALERT' '$WORK/alerts.json' >/dev/null"

check_promql "Prometheus scrapes the agent" 'up{job="palisade"} == 1' 60
r=$(wait_promql 'palisade_alerts_total{rule="su or sudo run in container",priority="Warning"} > 0')
check "PromQL: alerts for the rule > 0" expect "$r" '.[0].value[1] | tonumber >= 1'
r=$(wait_promql "palisade_container_alerts_total{container_id=\"$ID\"} > 0")
check "PromQL: the alert is counted for its container" expect "$r" ".[0].metric.container_name == \"$C\""
r=$(wait_promql "palisade_container_events_total{container_name=\"$C\"} > 0")
check "PromQL: events counted for the container" expect "$r" '.[0].value[1] | tonumber > 0'
r=$(wait_promql 'palisade_build_info')
check "PromQL: build info with version, commit and kernel" expect "$r" \
	".[0].metric.version == \"0.1.0\" and (.[0].metric.commit | length) >= 7 and .[0].metric.kernel == \"$(uname -r)\""
r=$(wait_promql 'palisade_kernel_losses_total{cause="ring_buffer_full"}')
check "PromQL: kernel drop series, one per CPU" expect "$r" \
	"length == $(nproc --all) and all(.[]; .metric.cpu != null)"
check_promql "PromQL: kernel records counted" 'sum(palisade_kernel_records_total) > 0'
check_promql "PromQL: exec events counted by type" 'palisade_events_total{kind="process",type="execve"} > 0'
check_promql "PromQL: rules loaded, last load ok" 'palisade_rules_loaded > 0 and palisade_rules_last_load_success == 1'
check_promql "PromQL: sensor programs attached" 'palisade_sensor_program_attached{program="tp_btf/sched_process_exec"} == 1'
check_promql "PromQL: a program no rule needs is loaded, not attached" \
	'palisade_sensor_program_attached{program="tp_btf/sys_enter"} == 0 and palisade_sensor_program_links{program="tp_btf/sys_enter"} == 0'
# What the agent reports attached is what the kernel holds, link for link.
curl -s --max-time 5 "http://127.0.0.1:$AGENT_PORT/metrics" |
	sed -n 's/^palisade_sensor_program_links{[^}]*name="\([^"]*\)"}.*/\1/p' | cut -c1-15 >"$WORK/sensor_names"
metrics_links >"$WORK/links.metrics"
sensor_kernel_links >"$WORK/links.kernel"
check "sensor links: the metrics match the kernel's links ($(wc -l <"$WORK/links.kernel") programs)" \
	sh -c "[ -s '$WORK/links.kernel' ] && diff '$WORK/links.metrics' '$WORK/links.kernel' >&2"
check "sensor links: the kernel holds no link to on_sys_enter" \
	sh -c "! grep -q '^on_sys_enter ' '$WORK/links.kernel'"
check_promql "PromQL: process table size" 'palisade_proc_table_entries > 0 and palisade_proc_table_capacity > 0'
check_promql "PromQL: container store size" "palisade_containers_known >= 1"
check_promql "PromQL: process metrics" 'process_resident_memory_bytes > 0 and process_start_time_seconds > 0'

# Falco's names, queried with the PromQL of the Grafana dashboard Falco's
# Helm chart ships (the chart's variables set to match everything).
falco_promql() {
	printf '%s\n' "$1" | sed -e 's/\$pod/.*/g; s/\$namespace/.*/g; s/\$source/.*/g' \
		-e 's/\$priority/.*/g; s/\$__rate_interval/1m/g; s/\$__interval/15s/g'
}
cat >"$WORK/falco-exprs" <<'Q'
count by(version) (falcosecurity_falco_version_info{pod=~"$pod"})
count by(engine_name) (falcosecurity_scap_engine_name_info{pod=~"$pod"})
avg by(pod) (falcosecurity_falco_cpu_usage_ratio{pod=~"$pod"})
avg by(pod, raw_name) (falcosecurity_falco_memory_rss_bytes{pod=~"$pod"})
avg by(pod, raw_name) (falcosecurity_falco_memory_vsz_bytes{pod=~"$pod"})
sum by(pod) (increase(falcosecurity_falco_outputs_queue_num_drops_total{pod=~"$pod"}[$__rate_interval]))
sum by(pod) (increase(falcosecurity_scap_n_evts_total{pod=~"$pod"}[$__rate_interval]))
sum by(pod) (increase(falcosecurity_scap_n_drops_total{pod=~"$pod"}[$__rate_interval]))
sum by(pod) (increase(falcosecurity_scap_n_drops_cpu_total{pod=~"$pod"}[$__rate_interval]))
sum by(rule_name) (increase(falcosecurity_falco_rules_matches_total{source=~"$source", priority=~"$priority", pod=~"$pod"}[$__rate_interval]))
sum by(priority) (increase(falcosecurity_falco_rules_matches_total{source=~"$source", priority=~"$priority", pod=~"$pod"}[$__rate_interval]))
sum by(source) (increase(falcosecurity_falco_rules_matches_total{source=~"$source", priority=~"$priority", pod=~"$pod"}[$__rate_interval]))
Q
empty=
while IFS= read -r e; do
	q=$(falco_promql "$e")
	wait_promql "$q" 30 >/dev/null || empty="$empty|$e"
done <"$WORK/falco-exprs"
check "Falco's dashboard queries return data ($(wc -l <"$WORK/falco-exprs") queries)" [ -z "$empty" ]
r=$(wait_promql 'falcosecurity_falco_rules_matches_total{rule_name="su or sudo run in container"}')
check "falcosecurity_falco_rules_matches_total: rule_name, priority (number), source, tags" expect "$r" \
	'.[0].metric.priority == "4" and .[0].metric.source == "syscall" and (.[0].metric.tags | test("^([a-zA-Z0-9_.]+, )*[a-zA-Z0-9_.]+$")) and (.[0].metric.tags | contains("container"))'
r=$(wait_promql 'falcosecurity_scap_n_threads_total > 0 and falcosecurity_falco_memory_rss_bytes > 0')
check "Falco's state and resource families have values" [ -n "$r" ]

# increase(...[1m]) needs a match inside its last minute: on a loaded machine
# the first alert may be older than that by now, so raise a fresh one.
docker exec $C su -c true nobody </dev/null >/dev/null 2>&1
deadline=$(( $(date +%s) + 60 ))
until curl -s --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/alerts" |
	jq -e '.data.alerts[] | select(.labels.alertname == "FalcoWarningOrWorse" and .labels.rule_name == "su or sudo run in container" and .state == "firing")' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || break
	sleep 0.5
done
check "a Falco alerting rule fires on palisade's alert" sh -c \
	"curl -s --max-time 5 http://127.0.0.1:$PROM_PORT/api/v1/alerts | jq -e '.data.alerts[] | select(.labels.alertname == \"FalcoWarningOrWorse\" and .state == \"firing\")' >/dev/null"

# The dashboard picks its data source from a variable, so that file
# provisioning (no import step to fill a ${DS_...} input) works as import does.
dashboard_uses_variable() {
	jq -e '(.templating.list[] | select(.name == "datasource" and .type == "datasource" and .query == "prometheus")) and ([.. | objects | select(has("uid") and .type == "prometheus") | .uid] | all(. == "${datasource}")) and (has("__inputs") | not)' \
		docs/grafana-dashboard.json >/dev/null
}
check "dashboard: a datasource variable, and every panel and query uses it" dashboard_uses_variable

# Every query of the Grafana dashboard is valid PromQL over these series.
bad=
jq -r '.panels[].targets[]?.expr' docs/grafana-dashboard.json | sed 's/\$instance/.*/g' >"$WORK/exprs"
while IFS= read -r e; do
	st=$(curl -s -G --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$e" | jq -r '.status')
	[ "$st" = success ] || { bad="$bad|$e"; echo "dashboard query failed: $e" >&2; }
done <"$WORK/exprs"
check "every dashboard query runs in Prometheus ($(wc -l <"$WORK/exprs") queries)" [ -z "$bad" ]
r=$(wait_promql "$(jq -r '.panels[] | select(.title=="Events per second by type") | .targets[0].expr' \
	docs/grafana-dashboard.json | sed 's/\$instance/.*/g')")
check "dashboard: events per second by type has data" expect "$r" 'length > 0'

# Every family the agent exports is documented.
undocumented=$(sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$WORK/scrape.txt" | while read -r f; do
	grep -q "\`$f\`" docs/metrics.md || echo "$f"; done)
[ -z "$undocumented" ] || echo "undocumented: $undocumented" >&2
check "every exported family is in docs/metrics.md" [ -z "$undocumented" ]

# palisade status against the live agent.
./palisade status --socket "$SOCK" >"$WORK/status.txt" 2>"$WORK/status.err"
check "status exits 0 with an agent" [ $? -eq 0 ]
check "status: the agent's pid and version" grep -q "^palisade 0.1.0 .*pid $AGENT_PID\$" "$WORK/status.txt"
check "status: rules line" grep -Eq '^rules +[1-9][0-9]* loaded, [0-9]+ enabled, [0-9]+ cannot fire; last load ok' "$WORK/status.txt"
check "status: sensors attached" grep -Eq '^sensors +[0-9]+ attached: .*tp_btf/sched_process_exec' "$WORK/status.txt"
check "status: sys_enter is loaded, not attached" sh -c \
	"grep '^sensors ' '$WORK/status.txt' | grep -q 'loaded, not attached:.* tp_btf/sys_enter' && ! grep '^sensors ' '$WORK/status.txt' | sed 's/loaded, not attached.*//' | grep -q sys_enter"
check "status: kernel losses" grep -Eq '^kernel +[0-9]+ records; lost [0-9]+ \(ring buffer full\)' "$WORK/status.txt"
check "status: alerts counted" grep -Eq '^alerts +[1-9]' "$WORK/status.txt"
./palisade status --socket "$SOCK" --json >"$WORK/status.json"
check "status --json: sys_enter in not_attached, not in programs" expect "$(cat "$WORK/status.json")" \
	'(.sensors.not_attached | index("tp_btf/sys_enter")) != null and (.sensors.programs | index("tp_btf/sys_enter")) == null'
check "status --json: fields" expect "$(cat "$WORK/status.json")" \
	".pid == $AGENT_PID and .version == \"0.1.0\" and .rules.loaded > 0 and .rules.last_load_ok == true and .alerts.total >= 1 and .events.total > 0 and (.sensors.programs | index(\"tp_btf/sched_process_exec\")) != null and (.kernel_counters.losses | has(\"ring_buffer_full\")) and .uptime_seconds >= 0 and .tables.processes > 0 and (.sinks | type) == \"array\""
check "status socket is mode 0600" [ "$(stat -c %a "$SOCK")" = 600 ]
# Another user meets the 0600 socket: told it is root's, not that no agent runs
# (a copy of the binary in $WORK: nobody cannot reach a clone under a 0700 directory).
chmod 0711 "$WORK"
cp palisade "$WORK/palisade-nr"
setpriv --reuid=65534 --regid=65534 --clear-groups "$WORK/palisade-nr" status --socket "$SOCK" \
	>/dev/null 2>"$WORK/nonroot.err"
rc=$?
chmod 0700 "$WORK"
check "status as another user exits 1" [ "$rc" -eq 1 ]
check "status as another user: permission denied, run as root" sh -c \
	"grep -q 'permission denied .*run as root' '$WORK/nonroot.err' && ! grep -q 'no agent answers' '$WORK/nonroot.err'"

# A second agent may not take a live agent's status socket.
./palisade run --output none --status-socket "$SOCK" >/dev/null 2>"$WORK/second.err"
rc=$?
check "live status socket: the second agent refuses to start" [ "$rc" -ne 0 ]
check "live status socket: the message says another agent answers" \
	grep -q "another agent answers there" "$WORK/second.err"

stop_prometheus
stop_agent
check "status socket removed at exit" [ ! -e "$SOCK" ]

# A rule that kills at syscall entry attaches sys_enter: now reported
# attached, and the kernel agrees.
cat >"$WORK/ptrace.yaml" <<EOR
- rule: metrics-mt ptrace in a container
  desc: no debugging of other processes inside containers
  condition: evt.type = ptrace and container.id != host
  output: ptrace by %proc.name
  priority: CRITICAL
  action: {type: kill, scope: containers}
EOR
start_agent --enforce --rules "$WORK/ptrace.yaml" --metrics 127.0.0.1:$AGENT_PORT \
	--status-socket none || exit 1
deadline=$(( $(date +%s) + 10 ))
until metrics_links | grep -q '^on_exec '; do # the first snapshot is taken within 1 s
	[ "$(date +%s)" -lt "$deadline" ] || break
	sleep 0.2
done
metrics_links >"$WORK/links.metrics"
sensor_kernel_links >"$WORK/links.kernel"
check "entry kill: on_sys_enter reported attached" grep -q '^on_sys_enter 1$' "$WORK/links.metrics"
check "entry kill: the metrics match the kernel's links" \
	sh -c "grep -q '^on_sys_enter 1$' '$WORK/links.kernel' && diff '$WORK/links.metrics' '$WORK/links.kernel' >&2"
stop_agent

# A stale socket (its agent died without removing it) is replaced.
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$SOCK')"
check "stale socket prepared" [ -S "$SOCK" ]
start_agent --status-socket "$SOCK" || exit 1
check "stale socket: the agent says it replaced it" grep -q "removed the stale socket" "$WORK/agent.err"
check "stale socket: status answers from the new agent" sh -c \
	"./palisade status --socket '$SOCK' --json | jq -e '.pid == $AGENT_PID' >/dev/null"
stop_agent
