#!/bin/sh
# palisade audit's speed on N running containers (default 100), against its
# floor: `docker inspect` of the same containers (one CLI call that asks the
# daemon for each of them in turn). Rounds alternate the two, so that the
# machine's drift hits both alike; the report is each side's median wall
# time and the median ratio audit / inspect. It only reports.
#
#   sh bench/audit.sh [-n CONTAINERS] [-r ROUNDS]
#
# Two audits are timed: the containers only (what `docker inspect` does
# too: every container's configuration), and the whole audit (host, daemon,
# images with their layers, containers).
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
N=100 ROUNDS=5
bench_n_rounds "$@"
P=audit-bench-$$
cleanup() { docker ps -aq --filter "name=^$P-" | xargs -r docker rm -f >/dev/null; }
trap cleanup EXIT INT TERM

[ -x ./palisade ] || { echo "build ./palisade first (make)" >&2; exit 2; }
echo "starting $N containers..."
i=0
while [ $i -lt "$N" ]; do
	docker run -d --name "$P-$i" --network none "$IMAGE" sleep 3600 >/dev/null || exit 1
	i=$((i + 1))
done
IDS=$(docker ps -q --filter "name=^$P-")
[ "$(echo "$IDS" | wc -l)" -eq "$N" ] || { echo "not all $N containers run" >&2; exit 1; }
TOTAL=$(docker ps -aq | wc -l)

# ms CMD...: wall time in milliseconds
ms() {
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >/tmp/$P.i; : >/tmp/$P.c; : >/tmp/$P.a; : >/tmp/$P.r
r=0
while [ $r -lt "$ROUNDS" ]; do
	# shellcheck disable=SC2086
	ti=$(ms docker inspect $IDS)
	tc=$(ms ./palisade audit -f json --only containers --no-layers)
	ta=$(ms ./palisade audit -f json)
	echo "$ti" >>/tmp/$P.i
	echo "$tc" >>/tmp/$P.c
	echo "$ta" >>/tmp/$P.a
	awk -v c="$tc" -v i="$ti" 'BEGIN { printf "%.3f\n", c / i }' >>/tmp/$P.r
	echo "round $((r + 1)): docker inspect ${ti} ms, audit (containers) ${tc} ms, audit (all) ${ta} ms"
	r=$((r + 1))
done
echo "containers on the host: $TOTAL (the audit covers them all; docker inspect only the $N)"
echo "median: docker inspect $(median </tmp/$P.i) ms, audit containers $(median </tmp/$P.c) ms" \
	"(ratio $(median </tmp/$P.r)), whole audit $(median </tmp/$P.a) ms"
rm -f /tmp/$P.i /tmp/$P.c /tmp/$P.a /tmp/$P.r
