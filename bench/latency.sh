#!/bin/sh
# Alert latency: from the syscall (the event's time, taken in the kernel) to
# the end of the file sink's write, p50 and p99, as the agent measures it for
# every delivered alert (its exit line: "latency from the syscall p50 ...").
#
# 1. Under each bench workload: the agent runs with the rules of bench/run.sh
#    (Falco's three files, or the embedded rules without them) plus one probe
#    rule on a file of our own, and writes alerts to a file; while the
#    workload runs, a second bench/workload opens the probe file every -i
#    microseconds, so alerts are raised at a steady rate through the load.
#    "idle" is the probe alone, for a few seconds.
# 2. The worst case: one alert per open (bench/rules/every_open.yaml), the
#    open loop, the default ring and then a 64 MiB one.
#
# It only reports: nothing here asserts on time. See docs/performance.md.
set -u

usage() {
	cat <<EOF
usage: sh bench/latency.sh [options]
  -w LIST   loads, comma-separated: idle,open,exec,tcp,mixed,every-open
            (default: all)
  -n SPEC   iterations: open=N,exec=N,tcp=N,mixed=N,every-open=N
            (defaults: open=500000,exec=1500,tcp=25000,mixed=150000,every-open=200000)
  -i USEC   the probe's pause between opens (default 5000: 200 alerts/s)
  -s SECS   length of the idle load (default 5)
  -o DIR    keep logs in DIR (default: a new directory, printed)
  -h        this help
environment: FALCO_RULES_DIR (Falco's files), PALISADE_BENCH_TIMEOUT (start-up, default 120 s)
EOF
}

die() {
	echo "bench/latency: $*" >&2
	exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root" || exit 1
loads="idle open exec tcp mixed every-open"
iters="open=500000,exec=1500,tcp=25000,mixed=150000,every-open=200000"
interval=5000 idle_s=5 out=""
timeout=${PALISADE_BENCH_TIMEOUT:-120}
while getopts w:n:i:s:o:h opt; do
	case $opt in
	w) loads=$(echo "$OPTARG" | tr ',' ' ') ;;
	n) iters=$OPTARG ;;
	i) interval=$OPTARG ;;
	s) idle_s=$OPTARG ;;
	o) out=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || die "needs root (loads BPF programs)"
[ -x ./palisade ] || die "./palisade is missing: run make"
[ -x bench/workload ] || make -s -C bench workload >/dev/null || die "cannot build bench/workload"
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/palisade-latency.XXXXXX")}
mkdir -p "$out" || die "cannot make $out"

. bench/lib.sh
. tests/falco_rules.sh
rules="--rules rules/palisade_rules.yaml"
rules_name="embedded default rules"
if bench_falco_three; then
	rules=$FALCO_ARGS
	rules_name="default + Falco's three files"
else
	echo "bench/latency: $FALCO_WHY: the embedded rules alone" >&2
fi

# The probe's file lives in a directory of this run; its rule names it.
probe_dir=$(mktemp -d /tmp/palisade-latency-probe.XXXXXX) || die "mktemp failed"
agent=""
probe=""
cleanup() {
	[ -n "$probe" ] && kill -TERM "$probe" 2>/dev/null && wait "$probe" 2>/dev/null
	[ -n "$agent" ] && kill -INT "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	rm -rf "$probe_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cat >"$out/probe.yaml" <<EOF
- rule: bench latency probe
  desc: an open of the latency benchmark's probe file (bench/latency.sh)
  condition: evt.type in (open, openat, openat2) and fd.name startswith $probe_dir/
  output: "latency probe opened %fd.name (proc.name=%proc.name)"
  priority: NOTICE
EOF

count_of() { bench_count "$iters" "$1"; }

# start_agent LOG ARGS...: the agent, writing alerts to LOG.alerts; waits for
# its start-up line.
start_agent() {
	log=$1
	shift
	./palisade run --status-socket none --output "$log.alerts" "$@" 2>"$log" </dev/null &
	agent=$!
	i=0
	until grep -q '^palisade: loaded' "$log" 2>/dev/null; do
		kill -0 "$agent" 2>/dev/null || { cat "$log" >&2; agent=""; die "the agent exited"; }
		[ "$i" -lt $((timeout * 10)) ] || die "the agent did not start in ${timeout}s"
		sleep 0.1
		i=$((i + 1))
	done
}

stop_agent() {
	kill -INT "$agent"
	wait "$agent"
	agent=""
}

# report LOAD LOG OPS_PER_S: one line from the agent's exit summary.
report() {
	lost=$(sed -n 's/^palisade: exit: events [0-9]*; lost \([0-9]*\).*/\1/p' "$2" | tail -1)
	sed -n 's/^palisade: exit: output file#1 (file): delivered \([0-9]*\),.* dropped \([0-9]*\),.*latency from the syscall p50 \([0-9.]*\) us, p99 \([0-9.]*\) us.*/\1 \2 \3 \4/p' "$2" |
		tail -1 | awk -v l="$1" -v lost="${lost:-?}" -v ops="$3" '
		{ printf "%-22s %12s %10s %8s %8s %10s %10s\n", l, ops, $1, $2, lost, $3, $4; found = 1 }
		END { if (!found) printf "%-22s %12s %10s (no latency line: see the log)\n", l, ops, "-" }'
}

echo "alert latency, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); rules: $rules_name; probe every ${interval} us"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg); logs in $out"
printf '%-22s %12s %10s %8s %8s %10s %10s\n' load "ops/s" delivered dropped lost "p50 us" "p99 us"
for l in $loads; do
	log=$out/agent.$l.log
	case $l in
	every-open | every-open-64m)
		n=$(count_of every-open)
		extra=""
		[ "$l" = every-open-64m ] && extra="--ringbuf-kib 65536"
		# shellcheck disable=SC2086 # optional words
		start_agent "$log" --rules bench/rules/every_open.yaml $extra
		line=$(bench/workload -n "$n" open) || die "workload failed"
		;;
	idle | open | exec | tcp | mixed)
		# shellcheck disable=SC2086 # the rule arguments split on purpose
		start_agent "$log" $rules --rules "$out/probe.yaml"
		bench/workload -n 100000000 -w 0 -i "$interval" -d "$probe_dir" open >"$out/probe.$l.out" &
		probe=$!
		if [ "$l" = idle ]; then
			sleep "$idle_s"
			line="ops_per_s=-"
		else
			line=$(bench/workload -n "$(count_of "$l")" "$l") || die "workload $l failed"
		fi
		kill -TERM "$probe"
		wait "$probe"
		probe=""
		;;
	*) die "unknown load '$l' (idle, open, exec, tcp, mixed, every-open, every-open-64m)" ;;
	esac
	sleep 0.5 # the last alerts reach the file before the stop
	stop_agent
	ops=$(echo "$line" | sed -n 's/.*ops_per_s=\([0-9.-]*\).*/\1/p' | awk '{ printf "%s", ($1 == "-" ? "-" : sprintf("%.0f", $1)) }')
	report "$l" "$log" "$ops"
	[ "$l" = every-open ] && case " $loads " in
		*" every-open-64m "*) ;;
		*)
			l=every-open-64m
			log=$out/agent.$l.log
			start_agent "$log" --rules bench/rules/every_open.yaml --ringbuf-kib 65536
			line=$(bench/workload -n "$(count_of every-open)" open) || die "workload failed"
			sleep 0.5
			stop_agent
			report "$l" "$log" "$(echo "$line" | sed -n 's/.*ops_per_s=\([0-9.]*\).*/\1/p' | awk '{ printf "%.0f", $1 }')"
			;;
		esac
done
echo "delivered/dropped: the file sink's alerts written / dropped at its full queue; lost: records the"
echo "kernel could not queue (ring full). Latency: event time (kernel) -> end of the file write."
