#!/bin/sh
# palisade overhead benchmark.
#
# For each workload, runs bench/workload with no agent (A), with the agent
# running (B) and with the floor (F: empty programs on exactly the hooks the
# agent attached in that round, read back from the kernel by bench/floor),
# alternating A B F A B F ... for a number of rounds in one run, so that slow
# drift of the machine (other jobs, page cache, frequency) hits all sides
# alike. Each round gives ratios, monitored / unmonitored time of the same
# fixed count of operations, and the agent's margin over the floor (its ratio
# minus the floor's, same round); the report is the median with the spread
# (min..max) of the rounds, and the agent's drop counters from its exit
# summary. Peer tools found on the machine (bpftrace, libbpf-tools' execsnoop
# and opensnoop, auditd) are measured in the same rounds, against the same
# unmonitored run. At the end, a table of every workload, then the replay
# (bench/replay.sh), latency (bench/latency.sh) and network policy and flow
# (bench/policy.sh) benchmarks. It only
# reports: nothing here asserts on time.
#
# See `sh bench/run.sh -h` and docs/performance.md.

set -u

usage() {
	cat <<EOF
usage: sh bench/run.sh [options]
  -w LIST   workloads, comma-separated: open,exec,tcp,mixed (default: all four)
  -r N      rounds per workload, at least 1; 5 or more for a report (default 5)
  -n SPEC   iterations: N for every workload, or per workload as
            open=N,exec=N,tcp=N,mixed=N (defaults: $(default_iterations_text))
  -p LIST   peers to measure on the same workloads: auto (those installed
            among bpftrace, execsnoop, opensnoop, auditd), none, or a
            comma-separated list of bpftrace,execsnoop,opensnoop,auditd
            (default auto)
  -a ARGS   extra arguments for the agent (also \$PALISADE_BENCH_AGENT_ARGS)
  -R SET    rules the agent loads: default (the embedded set), falco (the
            default set and Falco's three files, from \$FALCO_RULES_DIR,
            ../shared/data/falco-rules or /etc/falco; skipped without them),
            falco-stable (default, falco_rules.yaml, falco-sandbox_rules.yaml),
            every-open (bench/rules/every_open.yaml: matches every open, the
            pre-filter's worst case); default: falco, or default when
            Falco's files are not found (said in the report)
  -c CPUS   run the workload under 'taskset -c CPUS'
  -C CPUS   run the agent and the peers under 'taskset -c CPUS'
  -o DIR    keep logs (agent stderr, exit summaries) in DIR (default: a new
            directory under \${TMPDIR:-/tmp}, printed at the end)
  -e LIST   after the workloads, comma-separated: replay (bench/replay.sh
            -r 3), latency (bench/latency.sh), policy (bench/policy.sh: the
            label policy's connect loop and flow accounting's bulk
            throughput, between two containers), rss (bench/rss.sh: the
            agent's resident set at idle and its peak under the open and
            mixed loads, the rules alone and with the subsystems on), all
            (default), both (replay,latency) or none
  -h        this help
environment:
  PALISADE_BENCH_AGENT       agent command, run from the repository root
                             (default: ./palisade run --output /dev/null)
  PALISADE_BENCH_AGENT_ARGS  extra agent arguments, appended to the command
  PALISADE_BENCH_READY       extended regular expression for the agent's
                             start-up line on stderr (default: ^palisade: loaded)
  PALISADE_BENCH_TIMEOUT     seconds to wait for that line (default 120)
  PALISADE_BENCH_STOP_TIMEOUT  seconds the agent gets to exit after SIGINT,
                             then again after SIGTERM (default 20)
auditd (installed: apt-get install auditd) enables kernel audit: that makes
every later task pay the audit syscall hooks until reboot, so afterwards this
script installs an 'auditctl -a task,never' rule to switch that off again.
The floor needs bench/floor (built here with the workload, needs libbpf).
EOF
}

die() {
	echo "bench: $*" >&2
	exit 1
}

note() {
	echo "bench: $*" >&2
}

default_iterations() {
	case $1 in
	open) echo 500000 ;;
	exec) echo 1500 ;;
	tcp) echo 25000 ;;
	mixed) echo 150000 ;;
	esac
}

default_iterations_text() {
	for w in open exec tcp mixed; do
		printf '%s=%s ' "$w" "$(default_iterations "$w")"
	done
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
workload_bin=$here/workload

workloads="open exec tcp mixed"
rounds=5
iterations_spec=""
peers_spec=auto
workload_cpus=""
agent_cpus=""
logdir=""
agent_cmd=${PALISADE_BENCH_AGENT:-./palisade run --output /dev/null}
agent_args=${PALISADE_BENCH_AGENT_ARGS:-}
ready_pattern=${PALISADE_BENCH_READY:-^palisade: loaded}
ready_timeout=${PALISADE_BENCH_TIMEOUT:-120}
# Seconds to let a peer finish attaching after its first line of output.
peer_settle=1
# Seconds a process gets to stop after SIGINT (then SIGTERM, then SIGKILL).
stop_timeout=${PALISADE_BENCH_STOP_TIMEOUT:-20}

rules_set=""
all_extras="replay latency policy rss" # -e all
extras=$all_extras

while getopts w:r:n:p:a:R:c:C:o:e:h opt; do
	case $opt in
	w) workloads=$(echo "$OPTARG" | tr ',' ' ') ;;
	r) rounds=$OPTARG ;;
	n) iterations_spec=$OPTARG ;;
	p) peers_spec=$OPTARG ;;
	a) agent_args="${agent_args:+$agent_args }$OPTARG" ;;
	R) rules_set=$OPTARG ;;
	c) workload_cpus=$OPTARG ;;
	C) agent_cpus=$OPTARG ;;
	o) logdir=$OPTARG ;;
	e) extras=$(echo "$OPTARG" | tr ',' ' ' | sed "s/\\ball\\b/$all_extras/; s/\\bboth\\b/replay latency/; s/\\bnone\\b//") ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
# Falco's rule files, looked up from the repository root (where the agent runs).
rules_note=""
if [ -z "$rules_set" ]; then
	rules_set=falco
	cd "$root" || die "cannot cd to $root"
	. tests/falco_rules.sh
	if why=$(falco_rules_missing falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml); then
		rules_set=default
		rules_note="Falco's files not found, so the embedded default rules: $why"
		note "$rules_note"
	fi
fi
case $rules_set in
falco) falco_needs="falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml" ;;
falco-stable) falco_needs="falco_rules.yaml falco-sandbox_rules.yaml" ;;
*) falco_needs="" ;;
esac
if [ -n "$falco_needs" ]; then
	cd "$root" || die "cannot cd to $root"
	. bench/lib.sh
	. tests/falco_rules.sh
	# shellcheck disable=SC2086 # a list of file names
	if why=$(falco_rules_missing $falco_needs); then
		echo "bench: skipped -R $rules_set: $why"
		exit 0
	fi
	falco_dir=$(falco_rules_dir)
fi
case $rules_set in
default) rules_args="" ;;
falco) bench_falco_three && rules_args=$FALCO_ARGS ;;
falco-stable) rules_args="--rules rules/palisade_rules.yaml --rules $falco_dir/falco_rules.yaml --rules $falco_dir/falco-sandbox_rules.yaml" ;;
every-open) rules_args="--rules bench/rules/every_open.yaml" ;;
*) die "-R wants default, falco, falco-stable or every-open, got '$rules_set'" ;;
esac
agent_args="${rules_args}${rules_args:+${agent_args:+ }}$agent_args"
agent_line="$agent_cmd${agent_args:+ $agent_args}"
[ $# -eq 0 ] || { usage >&2; exit 2; }

case $rounds in
'' | *[!0-9]*) die "-r wants a count of rounds, got '$rounds'" ;;
esac
[ "$rounds" -ge 1 ] || die "-r wants at least 1 round"
[ "$rounds" -ge 5 ] || note "only $rounds rounds: the spread says little below 5"
for w in $workloads; do
	case $w in
	open | exec | tcp | mixed) ;;
	*) die "unknown workload '$w' (open, exec, tcp, mixed)" ;;
	esac
done

# iterations_for WORKLOAD: the count from -n, or the default.
iterations_for() {
	n=""
	case $iterations_spec in
	*=*)
		for item in $(echo "$iterations_spec" | tr ',' ' '); do
			[ "${item%%=*}" = "$1" ] && n=${item#*=}
		done
		;;
	?*) n=$iterations_spec ;;
	esac
	[ -n "$n" ] || n=$(default_iterations "$1")
	case $n in
	'' | *[!0-9]*) die "bad iteration count '$n' for $1" ;;
	esac
	echo "$n"
}

# ---------------------------------------------------------------- processes

current_pid=""
audit_active=0

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ]
}

# start_bg CPUS COMMAND OUT ERR: start COMMAND (a shell command line) in the
# background with its output in OUT and ERR; sets current_pid to its pid.
start_bg() {
	if [ -n "$1" ]; then
		sh -c "exec taskset -c $1 $2" >"$3" 2>"$4" </dev/null &
	else
		sh -c "exec $2" >"$3" 2>"$4" </dev/null &
	fi
	current_pid=$!
}

# wait_ready PID FILE PATTERN TIMEOUT: wait until FILE has a line matching
# PATTERN. Fails if the process exits first or the time runs out.
wait_ready() {
	ticks=$(($4 * 10))
	while [ "$ticks" -gt 0 ]; do
		grep -Eq "$3" "$2" 2>/dev/null && return 0
		alive "$1" || return 1
		sleep 0.1
		ticks=$((ticks - 1))
	done
	return 1
}

# stop_bg PID [SIGNAL]: SIGNAL (default INT), then SIGTERM, then SIGKILL if it
# will not stop; reaps it and sets stop_how (the signal that ended it) and
# stop_status (its exit status). Not in a subshell: only this shell can reap
# its children.
stop_bg() {
	stop_how=SIG${2:-INT}
	kill -"${2:-INT}" "$1" 2>/dev/null
	for sig in TERM KILL; do
		[ "SIG$sig" = "$stop_how" ] && continue
		ticks=$((stop_timeout * 10))
		while [ "$ticks" -gt 0 ] && alive "$1"; do
			sleep 0.1
			ticks=$((ticks - 1))
		done
		alive "$1" || break
		stop_how=SIG$sig
		kill -"$sig" "$1" 2>/dev/null
	done
	wait "$1" 2>/dev/null
	stop_status=$?
	current_pid=""
}

cleanup() {
	[ -n "$current_pid" ] && alive "$current_pid" && stop_bg "$current_pid"
	[ "$audit_active" = 1 ] && audit_restore
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- workload

# run_workload NAME ITERATIONS: runs it once and prints "WALL CPU" seconds.
run_workload() {
	if [ -n "$workload_cpus" ]; then
		line=$(taskset -c "$workload_cpus" "$workload_bin" -n "$2" "$1") || return 1
	else
		line=$("$workload_bin" -n "$2" "$1") || return 1
	fi
	echo "$line" | sed -n 's/.*elapsed_s=\([0-9.]*\).*cpu_s=\([0-9.]*\).*/\1 \2/p'
}

# ratios BASE MEASURED: "WALL_RATIO CPU_RATIO" of two run_workload results.
ratios() {
	echo "$1 $2" | awk '{ printf "%.4f %.4f\n", $3 / $1, ($2 > 0 ? $4 / $2 : 0) }'
}

# ---------------------------------------------------------------- peers

# The bpftrace programs print one line per event, as a user of bpftrace
# watching these syscalls would.
bt_exec='tracepoint:sched:sched_process_exec { printf("%d %d %s\n", pid, uid, comm); }'
bt_open='tracepoint:syscalls:sys_enter_openat { printf("%d %s %s\n", pid, comm, str(args->filename)); }'
bt_tcp='tracepoint:syscalls:sys_enter_connect, tracepoint:syscalls:sys_exit_accept4, tracepoint:syscalls:sys_exit_accept { printf("%d %s %s\n", pid, comm, probe); }'

peer_applies() {
	case $1 in
	bpftrace | auditd) return 0 ;;
	execsnoop) [ "$2" = exec ] ;;
	opensnoop) [ "$2" = open ] ;;
	*) return 1 ;;
	esac
}

peer_installed() {
	case $1 in
	auditd) command -v auditd >/dev/null 2>&1 && command -v auditctl >/dev/null 2>&1 ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# The audit rules per workload, one syscall list each, 64-bit only (the
# workload is a 64-bit program).
audit_syscalls() {
	case $1 in
	exec) echo "-S execve" ;;
	open) echo "-S openat" ;;
	tcp) echo "-S connect -S accept -S accept4" ;;
	mixed) echo "-S execve -S openat -S connect -S accept -S accept4" ;;
	esac
}

audit_confdir=""
audit_backlog=""
audit_setup_conf() {
	audit_confdir=$logdir/auditd
	mkdir -p "$audit_confdir/plugins.d"
	# A private log, rotated so a long open loop cannot fill the disk.
	cat >"$audit_confdir/auditd.conf" <<EOF
log_file = $audit_confdir/audit.log
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 32
num_logs = 2
max_log_file_action = ROTATE
space_left = 75
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $audit_confdir/plugins.d
EOF
	chmod 0640 "$audit_confdir/auditd.conf"
}

# Undo what the auditd peer did to the kernel: its rules go, audit is switched
# off, and a task,never rule keeps new tasks out of the syscall audit hooks
# (once audit has been enabled, the kernel gives them to every new task).
audit_restore() {
	auditctl -D -k palisade-bench >/dev/null 2>&1
	[ -n "$audit_backlog" ] && auditctl -b "$audit_backlog" >/dev/null 2>&1
	auditctl -l 2>/dev/null | grep -Eq 'never,task|task,never' || auditctl -a task,never >/dev/null 2>&1
	auditctl -e 0 >/dev/null 2>&1
	audit_active=0
}

# peer_start PEER WORKLOAD OUT ERR: sets current_pid; returns non-zero if the
# peer could not start.
peer_start() {
	case $1 in
	bpftrace)
		case $2 in
		exec) prog=$bt_exec ;;
		open) prog=$bt_open ;;
		tcp) prog=$bt_tcp ;;
		mixed) prog="$bt_exec $bt_open $bt_tcp" ;;
		esac
		start_bg "$agent_cpus" "bpftrace -e '$prog'" "$3" "$4"
		wait_ready "$current_pid" "$3" . 60
		;;
	execsnoop | opensnoop)
		# Line-buffered, as on a terminal: one write per event, and the
		# header line (printed once attached) shows when it is ready.
		start_bg "$agent_cpus" "stdbuf -oL $1" "$3" "$4"
		wait_ready "$current_pid" "$3" . 60
		;;
	auditd)
		[ -n "$audit_confdir" ] || audit_setup_conf
		audit_active=1
		auditctl -l 2>/dev/null | grep -Eq 'never,task|task,never' && auditctl -d task,never >/dev/null 2>&1
		# The kernel's queue, as distributions set it (Debian's rules: -b 8192);
		# the default of 64 would block the workload on a full queue instead.
		[ -n "$audit_backlog" ] ||
			audit_backlog=$(auditctl -s 2>/dev/null | awk '$1 == "backlog_limit" { print $2 }')
		auditctl -b 8192 >/dev/null 2>&1
		start_bg "$agent_cpus" "auditd -n -c $audit_confdir" "$3" "$4"
		ticks=100
		while [ "$ticks" -gt 0 ] && ! auditctl -s 2>/dev/null | grep -Eq '^pid [1-9]'; do
			alive "$current_pid" || return 1
			sleep 0.1
			ticks=$((ticks - 1))
		done
		[ "$ticks" -gt 0 ] || return 1
		# shellcheck disable=SC2046 # the syscall list is meant to split
		auditctl -a always,exit -F arch=b64 $(audit_syscalls "$2") -k palisade-bench >>"$4" 2>&1 ||
			return 1
		;;
	esac
	[ "$1" = auditd ] || sleep "$peer_settle"
}

peer_stop() {
	if [ "$1" = auditd ]; then
		# auditd stops on SIGTERM; started from this script, SIGINT does not stop it.
		auditctl -D -k palisade-bench >/dev/null 2>&1
		stop_bg "$current_pid" TERM
		audit_restore
	else
		stop_bg "$current_pid"
	fi
}

# ---------------------------------------------------------------- summaries

# median_spread FILE [COLUMN]: "median min max" of a column of numbers
# (default the first) in FILE.
median_spread() {
	awk -v c="${2:-1}" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan nan"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f %.3f %.3f\n", m, v[1], v[NR]
		}'
}

# The exit summary is what the agent printed on stderr after its start-up line.
exit_summary() {
	awk -v pat="$ready_pattern" 'seen { print } $0 ~ pat { seen = 1 }' "$1"
}

# drop_counters FILE...: sums, over the exit summaries in FILEs, every counter
# whose name says it counts lost or dropped events, in any of the forms
# "key=N", "key: N", "lost N" or "N dropped", and the events the agent saw
# ("events N"). Prints "key=sum ..." or nothing.
drop_counters() {
	for f in "$@"; do exit_summary "$f"; done | awk '
		function add(key, num) {
			if (!(key in sum)) order[++n] = key
			sum[key] += num
		}
		{
			line = tolower($0)
			rest = line
			while (match(rest, /[a-z0-9_.\/-]*(drop|lost|overflow)[a-z0-9_.\/-]*[=:] *[0-9]+/)) {
				kv = substr(rest, RSTART, RLENGTH)
				rest = substr(rest, RSTART + RLENGTH)
				split(kv, part, /[=:] */)
				add(part[1], part[2])
			}
			rest = line
			while (match(rest, /(^|[ ;,(])(dropped|drops|lost|events) [0-9]+/)) {
				kv = substr(rest, RSTART, RLENGTH)
				rest = substr(rest, RSTART + RLENGTH)
				sub(/^[ ;,(]/, "", kv)
				split(kv, part, / /)
				add(part[1], part[2])
			}
			rest = line
			while (match(rest, /[0-9]+ [a-z_]+ (dropped|lost)/)) {
				kv = substr(rest, RSTART, RLENGTH)
				rest = substr(rest, RSTART + RLENGTH)
				num = kv; sub(/ .*/, "", num)
				key = kv; sub(/^[0-9]+ /, "", key); gsub(/ /, "_", key)
				add(key, num)
			}
		}
		END { for (i = 1; i <= n; i++) printf "%s%s=%d", (i > 1 ? " " : ""), order[i], sum[order[i]] }'
}

# ---------------------------------------------------------------- main

[ "$(id -u)" = 0 ] || note "not root: the agent and the peers need root"
[ -x "$workload_bin" ] || make -s -C "$here" >&2 || die "cannot build $workload_bin"
cd "$root" || die "cannot enter $root"

if [ -z "$logdir" ]; then
	logdir=$(mktemp -d "${TMPDIR:-/tmp}/palisade-bench.XXXXXX") || die "mktemp failed"
else
	mkdir -p "$logdir" || die "cannot make $logdir"
fi

peers=""
case $peers_spec in
none) ;;
auto)
	for p in bpftrace execsnoop opensnoop auditd; do
		peer_installed "$p" && peers="$peers $p"
	done
	;;
*)
	for p in $(echo "$peers_spec" | tr ',' ' '); do
		case $p in
		auto)
			for q in bpftrace execsnoop opensnoop auditd; do
				peer_installed "$q" && peers="$peers $q"
			done
			;;
		bpftrace | execsnoop | opensnoop | auditd)
			if peer_installed "$p"; then
				peers="$peers $p"
			else
				note "peer $p is not installed: skipped"
			fi
			;;
		*) die "unknown peer '$p' (bpftrace, execsnoop, opensnoop, auditd)" ;;
		esac
	done
	;;
esac

# bpftrace and the libbpf tools read tracepoint formats from tracefs.
if [ -n "$peers" ] && [ ! -d /sys/kernel/tracing/events ]; then
	if mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null; then
		note "mounted tracefs on /sys/kernel/tracing for the peers"
	else
		note "tracefs is not mounted and could not be: peers may fail"
	fi
fi

note "logs in $logdir"
note "agent: $agent_line"
note "peers:${peers:- none}"
[ -n "$workload_cpus" ] && note "workload pinned with taskset -c $workload_cpus"
[ -n "$agent_cpus" ] && note "agent and peers pinned with taskset -c $agent_cpus"

# Other tracers attach to the same hooks and slow both sides; other jobs make
# noise. Neither is stopped here: the report says what was seen.
others=$(pgrep -a -x 'palisade|bpftrace|execsnoop|opensnoop|auditd' 2>/dev/null |
	grep -v ' replay ' | cut -c1-80 | tr '\n' ';' | sed 's/;$//; s/;/; /g')
[ -n "$others" ] && note "other tracers running (they slow both sides): $others"

# The agent may be rebuilt by someone else while this runs: say so if it is.
agent_exe=${agent_cmd%% *}
agent_sum() {
	[ -f "$agent_exe" ] && cksum <"$agent_exe"
}
agent_sum_start=$(agent_sum)
agent_changed=""

report=$logdir/report.txt
summary=$logdir/summary.md
{
	echo "palisade overhead benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "host: $(uname -r), $(nproc) CPUs; rounds: $rounds, each: unmonitored, palisade, floor, peers"
	echo "agent: $agent_line"
	echo "rules: $rules_set${rules_note:+ ($rules_note)}"
	[ -n "$workload_cpus" ] && echo "workload: taskset -c $workload_cpus"
	[ -n "$agent_cpus" ] && echo "agent and peers: taskset -c $agent_cpus"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "other tracers running at start: ${others:-none}"
	echo "ratio = monitored / unmonitored time of the same operations: wall time, and"
	echo "the workload's CPU time (user + system, children included); each the median"
	echo "of the per-round ratios, [min..max] over the rounds. floor = empty programs"
	echo "on exactly the hooks palisade attached in that round (bench/floor); palisade's"
	echo "margin = its ratio minus the floor's in the same round (the part that is ours)"
	echo
} >"$report"

# The floor: bench/floor attaches an empty program to each hook the agent's
# links attach to; the hooks are read back from the kernel while the agent
# runs, so the floor follows what this rule set really attached.
floor_bin=$here/floor
floor_ok=1
if [ ! -x "$floor_bin" ] && ! make -s -C "$here" floor >&2; then
	floor_ok=0
	note "bench/floor could not be built (libbpf-dev?): no floor this run"
fi

# agent_hwm PID: the agent's peak resident set (VmHWM) in KiB.
agent_hwm() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# fmt_ratio FILE COLUMN: "1.23x [1.20..1.30]" of a column of per-round figures.
fmt_ratio() {
	[ -s "$1" ] || { echo "n/a"; return; }
	median_spread "$1" "$2" | awk '{ printf "%.2fx [%.2f..%.2f]\n", $1, $2, $3 }'
}

# fmt_margin FILE COLUMN: "+0.12 [+0.10..+0.15]".
fmt_margin() {
	[ -s "$1" ] || { echo "n/a"; return; }
	median_spread "$1" "$2" | awk '{ printf "%+.2f [%+.2f..%+.2f]\n", $1, $2, $3 }'
}

for w in $workloads; do
	n=$(iterations_for "$w")
	wdir=$logdir/$w
	mkdir -p "$wdir"
	: >"$wdir/base.txt"
	: >"$wdir/ratio.palisade.txt"
	: >"$wdir/ratio.floor.txt"
	: >"$wdir/margin.txt"
	: >"$wdir/hwm.txt"
	note "$w: $n iterations, $rounds rounds; warming up"
	run_workload "$w" $((n / 10 + 1)) >/dev/null || die "$w: workload failed"

	r=1
	while [ "$r" -le "$rounds" ]; do
		base=$(run_workload "$w" "$n") || die "$w: workload failed"
		echo "$base" >>"$wdir/base.txt"
		line="$w round $r: base ${base%% *}s"

		err=$wdir/agent.$r.err
		start_bg "$agent_cpus" "$agent_line" "$wdir/agent.$r.out" "$err"
		if ! wait_ready "$current_pid" "$err" "$ready_pattern" "$ready_timeout"; then
			alive "$current_pid" && stop_bg "$current_pid"
			current_pid=""
			tail -n 20 "$err" >&2
			die "$w: the agent did not print a line matching '$ready_pattern' (stderr above, in $err)"
		fi
		hooks=$wdir/hooks.$r.txt
		[ "$floor_ok" = 1 ] && "$floor_bin" hooks "$current_pid" >"$hooks" 2>"$wdir/hooks.$r.err"
		mon=$(run_workload "$w" "$n") || die "$w: workload failed under the agent"
		agent_hwm "$current_pid" >>"$wdir/hwm.txt"
		stop_bg "$current_pid"
		if [ -z "$agent_changed" ] && [ "$(agent_sum)" != "$agent_sum_start" ]; then
			agent_changed="$w round $r"
			note "$agent_exe changed during the run (first seen in $w round $r): rounds mix two builds"
		fi
		if [ "$stop_how" != SIGINT ] || [ "$stop_status" != 0 ]; then
			note "$w round $r: the agent was stopped by $stop_how and exited $stop_status (expected: SIGINT, 0)"
		fi
		ratio=$(ratios "$base" "$mon")
		echo "$ratio" >>"$wdir/ratio.palisade.txt"
		line="$line, palisade ${mon%% *}s (${ratio%% *}x)"

		if [ "$floor_ok" = 1 ] && [ -s "$hooks" ]; then
			start_bg "$agent_cpus" "$floor_bin attach $hooks" "$wdir/floor.$r.out" "$wdir/floor.$r.err"
			if wait_ready "$current_pid" "$wdir/floor.$r.out" '^floor: attached' 60; then
				ft=$(run_workload "$w" "$n") || die "$w: workload failed under the floor"
				stop_bg "$current_pid"
				fr=$(ratios "$base" "$ft")
				echo "$fr" >>"$wdir/ratio.floor.txt"
				echo "$ratio $fr" | awk '{ printf "%.4f %.4f\n", $1 - $3, $2 - $4 }' >>"$wdir/margin.txt"
				line="$line, floor ${ft%% *}s (${fr%% *}x)"
			else
				alive "$current_pid" && stop_bg "$current_pid"
				current_pid=""
				note "$w round $r: the floor did not attach (see $wdir/floor.$r.err)"
			fi
		elif [ "$floor_ok" = 1 ]; then
			note "$w round $r: no hooks read back from the agent (see $wdir/hooks.$r.err)"
		fi

		for p in $peers; do
			peer_applies "$p" "$w" || continue
			[ -e "$wdir/skip.$p" ] && continue
			pout=$wdir/$p.$r.out
			perr=$wdir/$p.$r.err
			if ! peer_start "$p" "$w" "$pout" "$perr"; then
				[ -n "$current_pid" ] && alive "$current_pid" && stop_bg "$current_pid"
				current_pid=""
				[ "$p" = auditd ] && audit_restore
				note "$w: peer $p did not start (see $perr); skipped from now on"
				: >"$wdir/skip.$p"
				continue
			fi
			pt=$(run_workload "$w" "$n") || die "$w: workload failed under $p"
			peer_stop "$p"
			# The peers' event logs can be large; their stderr is kept.
			rm -f "$pout"
			pr=$(ratios "$base" "$pt")
			echo "$pr" >>"$wdir/ratio.$p.txt"
			line="$line, $p ${pt%% *}s (${pr%% *}x)"
		done
		note "$line"
		r=$((r + 1))
	done

	{
		read -r med _ <<EOF2
$(median_spread "$wdir/base.txt")
EOF2
		printf '%-6s %8s iterations, unmonitored median %.3fs (%.0f ops/s), load %s\n' \
			"$w" "$n" "$med" "$(awk -v n="$n" -v t="$med" 'BEGIN { print n / t }')" \
			"$(cut -d' ' -f1 /proc/loadavg)"
		printf '  %-10s %-22s %-22s %s\n' "" "wall time ratio" "CPU time ratio" rounds
		for p in floor palisade $peers; do
			[ -s "$wdir/ratio.$p.txt" ] || continue
			printf '  %-10s %-22s %-22s %s\n' "$p" "$(fmt_ratio "$wdir/ratio.$p.txt" 1)" \
				"$(fmt_ratio "$wdir/ratio.$p.txt" 2)" \
				"$(wc -l <"$wdir/ratio.$p.txt" | tr -d ' ')"
			[ "$p" = palisade ] && [ -s "$wdir/margin.txt" ] &&
				printf '  %-10s %-22s %-22s %s\n' "  - floor" "$(fmt_margin "$wdir/margin.txt" 1)" \
					"$(fmt_margin "$wdir/margin.txt" 2)" "(palisade's margin over the floor)"
		done
		[ -s "$wdir/ratio.floor.txt" ] ||
			echo "  floor: not measured (see the notes above): palisade's figure has no floor"
		hooks=$wdir/hooks.$rounds.txt
		[ -s "$hooks" ] &&
			echo "  hooks (floor): $(awk '{ print $1 }' "$hooks" | sort | uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }')$(grep -c '^other' "$hooks" | awk '$1 > 0 { printf " (%d not reproduced)", $1 }')"
		drops=$(drop_counters "$wdir"/agent.*.err)
		echo "  agent peak RSS (VmHWM): $(sort -n "$wdir/hwm.txt" | tail -1 | awk '{ printf "%.1f MiB", $1 / 1024 }')"
		echo "  agent counters from its exit summaries, summed over the rounds:"
		echo "    ${drops:-none found}"
		echo "  agent exit summary (round $rounds):"
		exit_summary "$wdir/agent.$rounds.err" | tail -n 8 | sed 's/^/    | /'
		echo
	} >>"$report"
done

# The table of every workload, as docs/performance.md gives it: wall-time
# ratios (CPU-time ratios in the per-workload sections above).
{
	echo "| workload (unmonitored ops/s) | floor | palisade | margin over floor | bpftrace | opensnoop / execsnoop | auditd |"
	echo "|---|---|---|---|---|---|---|"
	for w in $workloads; do
		wdir=$logdir/$w
		ops=$(median_spread "$wdir/base.txt" | awk -v n="$(iterations_for "$w")" '{ printf "%.0fk", n / $1 / 1000 }')
		snoop="n/a"
		[ -s "$wdir/ratio.opensnoop.txt" ] && snoop="opensnoop $(fmt_ratio "$wdir/ratio.opensnoop.txt" 1)"
		[ -s "$wdir/ratio.execsnoop.txt" ] && snoop="execsnoop $(fmt_ratio "$wdir/ratio.execsnoop.txt" 1)"
		printf '| %s (%s/s) | %s | %s | %s | %s | %s | %s |\n' "$w" "$ops" \
			"$(fmt_ratio "$wdir/ratio.floor.txt" 1)" "$(fmt_ratio "$wdir/ratio.palisade.txt" 1)" \
			"$(fmt_margin "$wdir/margin.txt" 1)" "$(fmt_ratio "$wdir/ratio.bpftrace.txt" 1)" \
			"$snoop" "$(fmt_ratio "$wdir/ratio.auditd.txt" 1)"
	done
	echo
	echo "Wall-time ratios, median [min..max] of $rounds rounds; rules: $rules_set;"
	echo "agent peak RSS $(cat "$logdir"/*/hwm.txt 2>/dev/null | sort -n | tail -1 | awk '{ printf "%.1f MiB", $1 / 1024 }')."
} >"$summary"
{
	echo "summary (markdown, also in $summary):"
	cat "$summary"
	echo
} >>"$report"

[ -n "$agent_changed" ] &&
	echo "WARNING: $agent_exe changed during the run (first seen in $agent_changed): rounds mix two builds" >>"$report"
cat "$report"

# The user-space pipeline and the alert latency, as the same run's last parts.
for x in $extras; do
	case $x in
	replay)
		echo
		echo "replay (sh bench/replay.sh -r 3 -o $logdir/replay):"
		sh "$here/replay.sh" -r 3 -o "$logdir/replay" 2>&1 | tee "$logdir/replay.txt"
		;;
	latency)
		echo
		echo "latency (sh bench/latency.sh -o $logdir/latency):"
		sh "$here/latency.sh" -o "$logdir/latency" 2>&1 | tee "$logdir/latency.txt"
		;;
	policy)
		echo
		echo "network policy and flows (sh bench/policy.sh):"
		sh "$here/policy.sh" 2>&1 | tee "$logdir/policy.txt"
		;;
	rss)
		echo
		echo "agent memory (sh bench/rss.sh -o $logdir/rss):"
		sh "$here/rss.sh" -o "$logdir/rss" 2>&1 | tee "$logdir/rss.txt"
		;;
	*) note "unknown -e part '$x' (replay, latency, policy, rss, all, both, none)" ;;
	esac
done
note "report and logs kept in $logdir"
