#!/bin/sh
# Cost of issue 18's network features, between two containers on a docker
# network of its own, each figure a ratio measured in this run (others may be
# loading the machine: alternate rounds, the median of each):
#   connect loop: N TCP connects order-processor -> payment-service:80 with
#                 the seed's label policy enforced (palisade policy enforce,
#                 which loads the flow accounting too) / without; goal <= 1.05;
#                 and the same with the policy in the agent (palisade run
#                 --network-policy, no rules, no syscalls: the policy's own cost)
#   bulk:         TCP throughput between the two with flow accounting on
#                 (palisade flows --local) / off; goal >= 0.95
# bench/netprobe is the workload (no iperf here). Reports only; see
# docs/performance.md. Usage: sh bench/policy.sh [CONNECTS] [BULK_SECONDS] [ROUNDS]
set -u
N=${1:-2000}
SECS=${2:-3}
ROUNDS=${3:-3}
IMAGE=${PALISADE_TEST_IMAGE:-palisade-test:latest}
NET=benchpol-net
PAY=172.31.182.10
DIR=$(mktemp -d "${TMPDIR:-/tmp}/palisade-benchpol.XXXXXX")
BG=
finish() {
	[ -z "$BG" ] || { kill "$BG" 2>/dev/null; wait "$BG" 2>/dev/null; }
	docker rm -f benchpol-pay benchpol-ord >/dev/null 2>&1
	docker network rm "$NET" >/dev/null 2>&1
	rm -rf "$DIR"
}
trap finish EXIT INT TERM
make -C bench netprobe >/dev/null || exit 1
docker network rm "$NET" >/dev/null 2>&1
docker network create --subnet 172.31.182.0/24 "$NET" >/dev/null || exit 1
P="-v $PWD/bench/netprobe:/netprobe:ro"
# shellcheck disable=SC2086
docker run -d --name benchpol-pay --network "$NET" --ip "$PAY" --label app=payment-service $P \
	"$IMAGE" sh -c '/netprobe serve 80 & /netprobe sink 5001' >/dev/null || exit 1
# shellcheck disable=SC2086
docker run -d --name benchpol-ord --network "$NET" --label app=order-processor $P "$IMAGE" \
	sleep 3600 >/dev/null || exit 1
# the seed's example (docs/policy.md)
cp tests/fuzz/corpus/net_policy/seed.yaml "$DIR/policy.yaml" || exit 1

# start CMD...: in the background until stop, once it is in force: the
# enforcer's "enforcing" line, the flow view's first document.
start() {
	: >"$DIR/bg.out"
	"$@" >"$DIR/bg.out" 2>"$DIR/bg.err" &
	BG=$!
	i=0
	until grep -q 'enforcing' "$DIR/bg.err" || [ -s "$DIR/bg.out" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] && kill -0 "$BG" 2>/dev/null || { cat "$DIR/bg.err"; exit 1; }
		sleep 0.1
	done
}
stop() { kill "$BG" 2>/dev/null; wait "$BG" 2>/dev/null; BG=; }
connects() { docker exec benchpol-ord /netprobe connects "$PAY" 80 "$N" | awk '{ print $4 }'; }
bulk() { docker exec benchpol-ord /netprobe bulk "$PAY" 5001 "$SECS" | awk '{ print $NF }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

connects >/dev/null # warm up
for r in $(seq "$ROUNDS"); do
	connects >>"$DIR/c.off"
	start ./palisade policy enforce "$DIR/policy.yaml"
	connects >>"$DIR/c.on"
	stop
	start ./palisade run --no-rules --syscalls none --status-socket none --output /dev/null \
		--network-policy "$DIR/policy.yaml"
	connects >>"$DIR/c.run"
	stop
	bulk >>"$DIR/b.off"
	start ./palisade flows --local --json --interval 1
	bulk >>"$DIR/b.on"
	stop
done
c_off=$(median <"$DIR/c.off")
c_on=$(median <"$DIR/c.on")
c_run=$(median <"$DIR/c.run")
b_off=$(median <"$DIR/b.off")
b_on=$(median <"$DIR/b.on")
# every round's figure, in order (the medians below hide the spread)
for f in c.off c.on c.run b.off b.on; do echo "$f: $(tr '\n' ' ' <"$DIR/$f")"; done
printf 'connect loop (%d connects, median of %d): %s s without, %s s with the policy: %.3fx (goal <= 1.05)\n' \
	"$N" "$ROUNDS" "$c_off" "$c_on" "$(echo "$c_on / $c_off" | bc -l)"
printf 'connect loop, the policy in palisade run (--network-policy): %s s: %.3fx (goal <= 1.05)\n' \
	"$c_run" "$(echo "$c_run / $c_off" | bc -l)"
printf 'bulk TCP (%d s, median of %d): %s B/s without, %s B/s with flow accounting: %.3f (goal >= 0.95)\n' \
	"$SECS" "$ROUNDS" "$b_off" "$b_on" "$(echo "$b_on / $b_off" | bc -l)"
