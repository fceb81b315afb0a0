#!/bin/sh
# What learning a profile costs (docs/performance.md, "Learning"): the
# open/close loop of bench/workload (static, run inside a container with
# docker exec) in three situations, alternated round by round so that a drift
# of the shared machine hits all three alike:
#   none     no learning program attached
#   other    `palisade profile learn` learning ANOTHER container: the cost every
#            process of the host pays while a learner is attached (the
#            tp_btf/sys_enter program: one cgroup-id call, one hash miss)
#   learned  learning the workload's own container (hash hit, bit test)
# Prints the median ratio (wall and CPU time of the loop) against `none`,
# with [min..max]; it reports, it never asserts.
# Usage: sh bench/learn_cost.sh [-n OPS] [-r ROUNDS]   (root, dockerd, ./palisade)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
N=200000 ROUNDS=5
bench_n_rounds "$@"
T=learnbench-$$
log=$(mktemp -d /tmp/palisade-learn-bench.XXXXXX)
cleanup() {
	[ -n "${L:-}" ] && kill -INT "$L" 2>/dev/null && wait "$L" 2>/dev/null
	docker rm -f "$T-a" "$T-b" >/dev/null 2>&1
}
trap cleanup EXIT INT TERM

cc -static -O2 -o "$log/workload" bench/workload.c || exit 1
for c in a b; do
	docker run -d --name "$T-$c" "$IMAGE" sleep 3600 >/dev/null || exit 1
	docker cp "$log/workload" "$T-$c:/workload" || exit 1
done

# learn C: starts a learner on container C, waits until it is attached.
learn() {
	./palisade profile learn --container "$1" --output "$log/prof-$1" --force \
		>"$log/learn.out" 2>"$log/learn.err" &
	L=$!
	i=0
	until grep -q '^palisade profile learn: learning' "$log/learn.err"; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$L" 2>/dev/null; then
			cat "$log/learn.err" >&2
			exit 1
		fi
		sleep 0.05
	done
}
unlearn() {
	kill -INT "$L"
	wait "$L"
	L=
}
# run: "wall cpu" of one loop inside container a.
run() {
	docker exec "$T-a" /workload -n "$N" -d /tmp open |
		sed -n 's/.*elapsed_s=\([0-9.]*\).*cpu_s=\([0-9.]*\).*/\1 \2/p'
}

: >"$log/ratios"
r=1
while [ $r -le "$ROUNDS" ]; do
	set -- $(run)
	w0=$1 c0=$2
	learn "$T-b"
	set -- $(run)
	w1=$1 c1=$2
	unlearn
	learn "$T-a"
	set -- $(run)
	w2=$1 c2=$2
	unlearn
	echo "$w0 $c0 $w1 $c1 $w2 $c2" | awk '{ printf "%.4f %.4f %.4f %.4f\n", $3/$1, $4/$2, $5/$1, $6/$2 }' >>"$log/ratios"
	echo "round $r: none ${w0}s, other ${w1}s, learned ${w2}s (wall)" >&2
	r=$((r + 1))
done
# median [min..max] of column $1
stat() { sort -n -k"$1" "$log/ratios" | awk -v k="$1" '{ v[NR] = $k } END { printf "%.2fx [%.2f..%.2f]", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
echo "learning cost, open/close x $N in a container, $ROUNDS rounds, ratio to no learning (median [min..max]):"
echo "  learning another container (every other process): wall $(stat 1), CPU $(stat 2)"
echo "  learning this container:                          wall $(stat 3), CPU $(stat 4)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); logs in $log"
