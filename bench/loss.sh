#!/bin/sh
# Loss under load: unthrottled workers flood the host while the agent runs
# with Falco's three rules files; reports, per consumer priority and worker
# count, the rate of records the sensors produced, how many were lost to a
# full ring buffer, the agent's CPU use and how long its consumer thread
# waited for a CPU while runnable (from /proc/PID/schedstat). One line per
# run; priorities alternate within a worker count so that the machine's
# drift hits both. It only reports: nothing here asserts on time.
#
# See `sh bench/loss.sh -h` and docs/performance.md ("Loss under load").
set -u

usage() {
	cat <<EOF
usage: sh bench/loss.sh [options]
  -w LIST   worker counts, comma-separated (default 4); workers alternate
            between the modes of -m
  -m LIST   workload modes the workers cycle through (default open,exec)
  -n SPEC   iterations per worker: open=N,exec=N,tcp=N (default open=300000,exec=3000,tcp=30000)
  -p LIST   consumer priorities to compare (default normal,realtime)
  -r N      rounds (default 1)
  -a ARGS   extra agent arguments (e.g. --no-prefilter: every open reaches the consumer)
  -o DIR    keep the agents' logs in DIR (default: a new directory, printed)
Falco's rules: \$FALCO_RULES_DIR, ../shared/data/falco-rules or /etc/falco.
\$PALISADE_BIN: the agent binary (default ./palisade, built first).
EOF
}

die() {
	echo "bench/loss: $*" >&2
	exit 1
}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
workers=4 modes=open,exec prios=normal,realtime rounds=1 extra= out=
iters=open=300000,exec=3000,tcp=30000
while getopts w:m:n:p:r:a:o:h opt; do
	case $opt in
	w) workers=$OPTARG ;;
	m) modes=$OPTARG ;;
	n) iters=$OPTARG ;;
	p) prios=$OPTARG ;;
	r) rounds=$OPTARG ;;
	a) extra=$OPTARG ;;
	o) out=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || die "needs root (loads BPF programs)"
. tests/falco_rules.sh
if why=$(falco_rules_missing falco_rules.yaml); then
	echo "bench: skipped: $why"
	exit 0
fi
falco=$(falco_rules_dir)
rules="--rules rules/palisade_rules.yaml"
for f in falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml; do
	[ -f "$falco/$f" ] && rules="$rules --rules $falco/$f"
done
bin=${PALISADE_BIN:-./palisade}
[ -n "${PALISADE_BIN:-}" ] || make -s palisade >/dev/null || die "build failed"
make -s -C bench workload >/dev/null || die "build failed"
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/palisade-loss.XXXXXX")}
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/palisade-loss-w.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

count_of() { # MODE: iterations for one worker of MODE
	printf '%s\n' "$iters" | tr ',' '\n' | sed -n "s/^$1=//p"
}

# counters LOG: "events lost" from the last "palisade: counters:" line.
counters() {
	sed -n 's/^palisade: counters: events \([0-9]*\); lost \([0-9]*\) .*/\1 \2/p' "$1" | tail -1
}

snap() { # PID: "cpu_ticks wait_ns"
	echo "$(awk '{ print $14 + $15 }' "/proc/$1/stat") $(awk '{ print $2 }' "/proc/$1/schedstat")"
}

now_ns() { date +%s%N; }

run_one() { # PRIO WORKERS ROUND
	log=$out/agent.$1.w$2.r$3.err
	# shellcheck disable=SC2086 # word splitting of the argument lists is wanted
	"$bin" run --output none --no-docker --status-socket none --consumer-priority "$1" \
		$rules $extra 2>"$log" &
	agent=$!
	i=0
	until grep -q '^palisade: loaded' "$log"; do
		i=$((i + 1))
		[ $i -le 600 ] && kill -0 "$agent" 2>/dev/null || die "agent did not start: $(tail -3 "$log")"
		sleep 0.2
	done
	kill -USR1 "$agent"
	sleep 0.5
	set -- "$1" "$2" "$3" "$(counters "$log")" "$(snap "$agent")" "$(now_ns)"
	pids= k=0
	while [ $k -lt "$2" ]; do
		m=$(printf '%s\n' "$modes" | tr ',' '\n' | awk -v k=$k '{ a[NR] = $0 } END { print a[k % NR + 1] }')
		bench/workload -d "$tmp" -n "$(count_of "$m")" "$m" >/dev/null &
		pids="$pids $!"
		k=$((k + 1))
	done
	# shellcheck disable=SC2086
	wait $pids
	t1=$(now_ns)
	s1=$(snap "$agent")
	kill -USR1 "$agent"
	sleep 0.5
	c1=$(counters "$log")
	kill -INT "$agent"
	wait "$agent"
	echo "$1 $2 $4 $c1 $5 $s1 $6 $t1" | awk '{
		ev = ($5 - $3) + ($6 - $4); lost = $6 - $4; wall = ($12 - $11) / 1e9
		cpu = ($9 - $7) / 100; wait = ($10 - $8) / 1e9
		printf "priority=%s workers=%d records_per_s=%.0f lost=%d lost_pct=%.2f agent_cpu_pct=%.1f consumer_wait_pct=%.1f wall_s=%.1f\n",
			$1, $2, ev / wall, lost, ev ? 100 * lost / ev : 0, 100 * cpu / wall, 100 * wait / wall, wall }'
}

echo "bench/loss: rules from $falco; agent args: ${extra:-none}; modes $modes; load $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ $r -le "$rounds" ]; do
	for w in $(echo "$workers" | tr ',' ' '); do
		for p in $(echo "$prios" | tr ',' ' '); do
			run_one "$p" "$w" "$r"
		done
	done
	r=$((r + 1))
done
echo "bench/loss: logs in $out; load $(cut -d' ' -f1-3 /proc/loadavg)"
