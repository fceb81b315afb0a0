#!/bin/sh
# Kernel-side cost of the syscall sensor: the agent's tp_btf/sys_exit
# program's run count and run time (kernel.bpf_stats_enabled, switched on for
# the measurement only and restored) around `bench/workload open N`.
# Prints ns per program run and per workload operation (open + close: two
# syscalls, only the open watched). Other processes' syscalls run the same
# program, so run the measurement on a quiet machine; it reports, it never
# asserts. -k K splits the N operations into K windows and also prints the
# median and minimum ns/run of the windows (a window that other work on the
# machine slowed is then visible and left out of the minimum).
# PALISADE=BINARY measures another build (alternate two to compare them).
# Usage: sh bench/bpf_cost.sh [-n N] [-k K] [AGENT ARGS...]
set -u
n=200000
k=1
while [ $# -ge 2 ]; do
	case $1 in
	-n) n=$2 ;;
	-k) k=$2 ;;
	*) break ;;
	esac
	shift 2
done
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
"${PALISADE:-./palisade}" run --output /dev/null --status-socket none "$@" 2>"$err" &
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
wins=""
cw=$c0 tw=$t0
for _ in $(seq "$k"); do
	bench/workload -n $((n / k)) open >/dev/null
	set -- $(stat_of "$id")
	wins="$wins $(( ($2 - tw) / ($1 > cw ? $1 - cw : 1) ))"
	cw=$1 tw=$2
done
end=$(date +%s%N)
c1=$cw t1=$tw
echo "$old" >/proc/sys/kernel/bpf_stats_enabled
kill -INT $agent
wait $agent
runs=$((c1 - c0))
echo "program $id: $runs runs during $n open+close, $(( (t1 - t0) / (runs > 0 ? runs : 1) )) ns/run," \
	"$(( (t1 - t0) / n )) ns per workload op; workload $(( (end - start) / n )) ns/op"
if [ "$k" -gt 1 ]; then
	echo "$wins" | tr ' ' '\n' | sed '/^$/d' | sort -n |
		awk '{ v[NR] = $1 } END { printf "  windows (ns/run):"; for (i = 1; i <= NR; i++) printf " %d", v[i];
			printf "; median %d, min %d\n", v[int((NR + 1) / 2)], v[1] }'
fi
grep 'palisade: exit: events' "$err" | sed 's/.*\(events [0-9]*\);.*\(pre-filtered [0-9]*\).*/  agent: \1, \2/'
rm -f "$err"
