#!/bin/sh
# A Falco user's /etc/falco, used unchanged (issue 15): falco.yaml written
# here with Falco's documented defaults, Falco's three rule files
# (falco_rules.yaml, and the incubating and sandbox files in rules.d, the
# rules.d convention), and `palisade run -c falco.yaml` with Falco's own -o
# overrides for what a Falco user turns on (metrics, file, http and program
# outputs). The same rules load, the outputs get Falco's text lines, the
# health and metrics endpoint answers with Falco's names, and a rule
# selection in config.d applies on reload. Ports 21551-21552.
. tests/integration/lib.sh

need_falco_rules falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml
RECV_PID=
trap 'kill $RECV_PID 2>/dev/null; cleanup' EXIT INT TERM
PORT=21551
HTTP=21552
C=falco-dropin
ETC=$WORK/etc/falco
mkdir -p "$ETC/rules.d" "$ETC/config.d"
ln -s "$F/falco_rules.yaml" "$ETC/falco_rules.yaml"
ln -s "$F/falco-incubating_rules.yaml" "$F/falco-sandbox_rules.yaml" "$ETC/rules.d/"

# Falco's documented defaults (falco.yaml as Falco ships it), /etc/falco
# being $ETC here.
cat >"$ETC/falco.yaml" <<Y
config_files:
  - $ETC/config.d
watch_config_files: true
rules_files:
  - $ETC/falco_rules.yaml
  - $ETC/falco_rules.local.yaml
  - $ETC/rules.d
engine:
  kind: modern_ebpf
  kmod:
    buf_size_preset: 4
    drop_failed_exit: false
  modern_ebpf:
    cpus_for_each_buffer: 2
    buf_size_preset: 4
    drop_failed_exit: false
capture:
  enabled: false
  path_prefix: /tmp/falco
  mode: rules
  default_duration: 5000
load_plugins: []
plugins:
  - name: container
    library_path: libcontainer.so
    init_config:
      label_max_len: 100
      with_size: false
plugins_hostinfo: true
time_format_iso_8601: false
buffer_format_base64: false
priority: debug
json_output: false
json_include_output_property: true
json_include_message_property: false
json_include_output_fields_property: true
json_include_tags_property: true
buffered_outputs: false
rule_matching: first
outputs_queue:
  capacity: 0
append_output:
  - suggested_output: true
stdout_output:
  enabled: true
syslog_output:
  enabled: true
file_output:
  enabled: false
  keep_alive: false
  filename: ./events.txt
http_output:
  enabled: false
  url: ""
  user_agent: "falcosecurity/falco"
  insecure: false
  ca_cert: ""
  ca_bundle: ""
  ca_path: "/etc/ssl/certs"
  mtls: false
  client_cert: "/etc/ssl/certs/client.crt"
  client_key: "/etc/ssl/certs/client.key"
  echo: false
  compress_uploads: false
  keep_alive: false
  max_consecutive_timeouts: 5
program_output:
  enabled: false
  keep_alive: false
  program: "jq '{text: .output}' | curl -d @- -X POST https://hooks.slack.com/services/XXX"
webserver:
  enabled: true
  threadiness: 0
  listen_port: 8765
  listen_address: 0.0.0.0
  k8s_healthz_endpoint: /healthz
  prometheus_metrics_enabled: false
  ssl_enabled: false
  ssl_certificate: /etc/falco/falco.pem
log_stderr: true
log_syslog: true
log_level: info
libs_logger:
  enabled: true
  severity: info
output_timeout: 2000
syscall_event_timeouts:
  max_consecutives: 1000
syscall_event_drops:
  threshold: .1
  actions:
    - log
    - alert
  rate: .03333
  max_burst: 1
  simulate_drops: false
metrics:
  enabled: false
  interval: 1h
  output_rule: true
  output_file: ""
  rules_counters_enabled: true
  resource_utilization_enabled: true
  state_counters_enabled: true
  kernel_event_counters_enabled: true
  kernel_event_counters_per_cpu_enabled: false
  libbpf_stats_enabled: true
  plugins_metrics_enabled: true
  kernel_iter_event_counters_enabled: true
  jemalloc_stats_enabled: false
  convert_memory_to_mb: true
  include_empty_values: false
base_syscalls:
  custom_set: []
  repair: false
  all: false
falco_libs:
  thread_table_size: 262144
  thread_table_auto_purging_interval_s: 300
  thread_table_auto_purging_thread_timeout_s: 300
  snaplen: 80
Y
sum=$(md5sum <"$ETC/falco.yaml")

mkdir -p "$WORK/recv"
python3 tests/tools/webhook_receiver.py $HTTP "$WORK/recv" &
RECV_PID=$!
run_container $C "$IMAGE" sleep 300
docker exec $C sh -c 'echo "root:*:1::::::" > /etc/shadow'

./palisade rules check "$ETC/falco_rules.yaml" "$ETC/rules.d" >"$WORK/check.out" 2>/dev/null
enabled=$(sed -n 's/^ok: [0-9]* rules (\([0-9]*\) enabled).*/\1/p' "$WORK/check.out")
start_agent_with -c "$ETC/falco.yaml" --status-socket none \
	-o webserver.listen_port=$PORT -o webserver.listen_address=127.0.0.1 \
	-o webserver.prometheus_metrics_enabled=true -o metrics.enabled=true \
	-o file_output.enabled=true -o file_output.filename="$WORK/events.txt" \
	-o http_output.enabled=true -o http_output.url=http://127.0.0.1:$HTTP/ \
	-o program_output.enabled=true -o program_output.program="cat >> $WORK/program.txt" \
	-o "rules[].disable.rule=Terminal shell in container" || exit 1
check "Falco's own defaults raise no unknown-key warning" sh -c "! grep -q 'unknown falco.yaml key' '$WORK/agent.err'"
check "falco_rules.local.yaml (absent) is skipped, as Falco skips it" \
	grep -q 'falco_rules.local.yaml does not exist: skipped' "$WORK/agent.err"
check "the three rule files load: $enabled enabled, one less with the -o disable" \
	grep -q "rules: [0-9]* loaded ($((enabled - 1)) enabled) from files" "$WORK/agent.err"

line='Warning Sensitive file opened for reading by non-trusted program | file=/etc/shadow'
docker exec $C cat /etc/shadow >/dev/null
wait_for() { # FILE: until it holds the alert line
	deadline=$(( $(date +%s) + 20 ))
	until grep -qF "$line" "$1" 2>/dev/null; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
check "stdout_output: the alert as Falco's text line" wait_for "$WORK/agent.out"
check "stdout_output: the line starts with the time as Falco writes it" sh -c \
	"grep -F '$line' '$WORK/agent.out' | head -1 | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}: Warning '"
check "file_output: the same line in the file" wait_for "$WORK/events.txt"
check "program_output: the same line to the program" wait_for "$WORK/program.txt"
check "http_output: the same line POSTed as text/plain" sh -c \
	"$(printf '%s' 'deadline=$(( $(date +%s) + 20 )); until grep -qF "file=/etc/shadow" '"'$WORK/recv/bodies.jsonl'"' 2>/dev/null; do [ $(date +%s) -lt $deadline ] || exit 1; sleep 0.2; done') && grep -q '^POST / text/plain ' '$WORK/recv/requests.log'"
check "webserver: /healthz answers 200" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/healthz)" = 200 ]
counted() { # the endpoint's Falco counter of the rule is at least 1 (published every second)
	deadline=$(( $(date +%s) + 10 ))
	until curl -s --max-time 5 http://127.0.0.1:$PORT/metrics >"$WORK/metrics.txt" &&
		grep -q '^falcosecurity_falco_rules_matches_total{rule_name="Read sensitive file untrusted",priority="4",source="syscall",tags="[^"]*container[^"]*"} [1-9]' "$WORK/metrics.txt"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.5
	done
}
check "metrics: Falco's rule counter for the rule" counted
check "metrics: falcosecurity_falco_version_info and scap counters" sh -c \
	"grep -q '^falcosecurity_falco_version_info' '$WORK/metrics.txt' && grep -q '^falcosecurity_scap_n_evts_total [1-9]' '$WORK/metrics.txt'"

# A rule selection dropped into config.d applies on reload (SIGHUP). First,
# the control: the same read fires again before it.
n1=$(grep -c -F "$line" "$WORK/events.txt")
docker exec $C cat /etc/shadow >/dev/null
more() { # until FILE has more than N lines with the alert
	deadline=$(( $(date +%s) + 20 ))
	until [ "$(grep -c -F "$line" "$1")" -gt "$2" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
check "control: a second read raises a second alert" more "$WORK/events.txt" "$n1"
before=$(grep -c -F "$line" "$WORK/events.txt")
cat >"$ETC/config.d/50-quiet.yaml" <<Y
rules:
  - disable:
      tag: filesystem
Y
kill -HUP "$AGENT_PID"
reloaded() { # three rule files recompile: give a loaded machine time
	deadline=$(( $(date +%s) + 90 ))
	until grep -q -e '^palisade: reloaded' -e '^palisade: reload failed' "$WORK/agent.err"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
	grep -q '^palisade: reloaded' "$WORK/agent.err"
}
check "config.d's rules selection: reloaded" reloaded
sleep 2
docker exec $C cat /etc/shadow >/dev/null
sleep 3
check "after the reload the disabled rule no longer fires" \
	[ "$(grep -c -F "$line" "$WORK/events.txt")" -eq "$before" ]
stop_agent
check "falco.yaml is unchanged" [ "$(md5sum <"$ETC/falco.yaml")" = "$sum" ]
