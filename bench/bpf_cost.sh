#!/bin/sh
# Kernel-side cost of the syscall sensor: the agent's tp_btf/sys_exit
# program's run count and run time (kernel.bpf_stats_enabled, switched on for
# the measurement only and restored) around `bench/workload open N`.
# Prints ns per program run and per workload operation (open + close: two
# syscalls, only the open watched). Other processes' syscalls run the same
# program, so run the measurement on a quiet machine; it reports, it never
# asserts. Usage: sh bench/bpf_cost.sh [-n N] [AGENT ARGS...]
set -u
n=200000
if [ "${1:-}" = -n ]; then
	n=$2
	shift 2
fi
here=$(cd "$(dirname "$0")" && pwd)
cd "$(dirname "$here")" || exit 1
# The agent's own program: its prog fds name their ids in fdinfo.
agent_prog() {
	for f in /proc/"$1"/fdinfo/*; do
		sed -n 's/^prog_id:[[:space:]]*//p' "$f"
	done | while read -r id; do
		bpftool prog show id "$id" --json | jq -r 'select(.name=="on_sys_exit" or .name=="on_sys_exit_tp") | .id'
	done | sort -u | tr '\n' ' '
}
# Run count and time, summed over the sensor's two entry points (one is attached).
stat_of() {
	for i in $1; do
		bpftool prog show id "$i" --json | jq -r '"\(.run_cnt // 0) \(.run_time_ns // 0)"'
	done | awk '{ c += $1; t += $2 } END { print c + 0, t + 0 }'
}

err=$(mktemp)
./palisade run --output /dev/null --status-socket none "$@" 2>"$err" &
agent=$!
i=0
until grep -q '^palisade: loaded' "$err"; do
	i=$((i + 1))
	if [ $i -ge 600 ] || ! kill -0 $agent 2>/dev/null; then
		kill -INT $agent 2>/dev/null
		cat "$err" >&2
		exit 1
	fi
	sleep 0.1
done
id=$(agent_prog $agent)
if [ -z "${id% }" ]; then
	kill -INT $agent
	wait $agent
	echo "bpf_cost: the agent has no sys_exit program (--syscalls none?)" >&2
	exit 1
fi
old=$(cat /proc/sys/kernel/bpf_stats_enabled)
echo 1 >/proc/sys/kernel/bpf_stats_enabled
set -- $(stat_of "$id")
c0=$1 t0=$2
start=$(date +%s%N)
bench/workload -n "$n" open >/dev/null
end=$(date +%s%N)
set -- $(stat_of "$id")
c1=$1 t1=$2
echo "$old" >/proc/sys/kernel/bpf_stats_enabled
kill -INT $agent
wait $agent
runs=$((c1 - c0))
echo "program $id: $runs runs during $n open+close, $(( (t1 - t0) / (runs > 0 ? runs : 1) )) ns/run," \
	"$(( (t1 - t0) / n )) ns per workload op; workload $(( (end - start) / n )) ns/op"
grep 'palisade: exit: events' "$err" | sed 's/.*\(events [0-9]*\);.*\(pre-filtered [0-9]*\).*/  agent: \1, \2/'
rm -f "$err"
