#!/bin/sh
# What the deploy gate adds to each `docker run`: a private dockerd (its own
# network namespace, data root and socket) with `palisade authz` (the
# embedded baseline) as its authorization plugin, against the same dockerd
# without it. dockerd is restarted on the same data root with and without
# --authorization-plugin between rounds (its reload does not switch plugins),
# so both sides run on the same daemon, alternating, in one run; the report is each
# side's median time per `docker run --rm IMAGE true`, the median ratio and
# the time added per run. It only reports.
#
#   sh bench/authz.sh [-n RUNS_PER_ROUND] [-r ROUNDS]
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
N=20 ROUNDS=3
bench_n_rounds "$@"
[ -x ./palisade ] || { echo "build ./palisade first (make)" >&2; exit 2; }
W=$(mktemp -d /tmp/palisade-authz-bench.XXXXXX)
NAME=palisade-authz-bench-$$
NS=$NAME
D="docker -H unix://$W/docker.sock"
IN="nsenter --net=/run/netns/$NS"
AZ_PID= PD_PID=
cleanup() {
	[ -z "$PD_PID" ] || { kill "$PD_PID"; wait "$PD_PID"; } 2>/dev/null
	[ -z "$AZ_PID" ] || { kill "$AZ_PID"; wait "$AZ_PID"; } 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$W" "/run/docker/plugins/$NAME.sock"
}
trap cleanup EXIT INT TERM

mkdir -p /run/docker/plugins
ip netns add "$NS" && ip netns exec "$NS" ip link set lo up || exit 2
./palisade authz --socket "/run/docker/plugins/$NAME.sock" --docker-socket "$W/docker.sock" \
	>"$W/authz.out" 2>"$W/authz.err" &
AZ_PID=$!
sleep 0.5
# dockerd [PLUGIN]: (re)starts the private dockerd, with that plugin or none.
dockerd_up() {
	[ -z "$PD_PID" ] || { kill "$PD_PID"; wait "$PD_PID"; } 2>/dev/null
	$IN dockerd --data-root "$W/root" --exec-root "$W/exec" -H "unix://$W/docker.sock" \
		--pidfile "$W/docker.pid" --config-file "$W/daemon.json" --bridge=none --iptables=false \
		--ip-masq=false ${1:+--authorization-plugin=$1} >>"$W/dockerd.log" 2>&1 &
	PD_PID=$!
	i=0
	until $D info >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 120 ] || { tail -3 "$W/dockerd.log" >&2; exit 2; }
		sleep 0.5
	done
}
echo '{}' >"$W/daemon.json"
dockerd_up
docker save "$IMAGE" | $D load >/dev/null
switch() { if [ "$1" = on ]; then dockerd_up "$NAME"; else dockerd_up; fi; }

# ms for N runs
runs() {
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$N" ]; do
		$D run --rm --network none "$IMAGE" true >/dev/null || { echo "docker run failed" >&2; exit 2; }
		i=$((i + 1))
	done
	echo $((($(date +%s%N) - t0) / 1000000))
}

echo "round  without (ms/run)  with palisade authz (ms/run)  ratio"
r=1
: >"$W/rounds"
while [ $r -le "$ROUNDS" ]; do
	switch off
	off=$(runs)
	switch on
	on=$(runs)
	echo "$off $on" >>"$W/rounds"
	awk -v r=$r -v a="$off" -v b="$on" -v n="$N" \
		'BEGIN { printf "%5d  %16.1f  %28.1f  %5.3f\n", r, a / n, b / n, b / a }'
	r=$((r + 1))
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
off=$(awk '{ print $1 }' "$W/rounds" | median)
on=$(awk '{ print $2 }' "$W/rounds" | median)
ratios=$(awk '{ printf "%.3f\n", $2 / $1 }' "$W/rounds" | sort -n)
awk -v a="$off" -v b="$on" -v n="$N" -v r="$(echo "$ratios" | median)" \
	-v lo="$(echo "$ratios" | head -1)" -v hi="$(echo "$ratios" | tail -1)" \
	'BEGIN { printf "median: %.1f ms/run without, %.1f ms/run with: ratio %s (rounds %s..%s), %.1f ms added per docker run\n", a / n, b / n, r, lo, hi, (b - a) / n }'

# The gate alone: AuthZReq round trips on one connection (a create with a
# HostConfig, judged by the baseline), without dockerd or a docker CLI.
python3 - "/run/docker/plugins/$NAME.sock" "$IMAGE" <<'PY'
import base64, http.client, json, socket, sys, time
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sys.argv[1])
body = base64.b64encode(json.dumps({"Image": sys.argv[2], "HostConfig": {"Binds": ["/srv:/srv"], "CapAdd": ["CHOWN"]}}).encode()).decode()
req = json.dumps({"RequestMethod": "POST", "RequestUri": "/v1.41/containers/create", "RequestBody": body})
c = Conn("plugin")
n = 2000
t0 = time.perf_counter()
for _ in range(n):
    c.request("POST", "/AuthZPlugin.AuthZReq", req)
    assert b'"Allow":true' in c.getresponse().read()
dt = time.perf_counter() - t0
print(f"the gate alone: {n} AuthZReq (a create, the baseline) in {dt:.2f} s: {dt / n * 1e6:.0f} us per request")
PY
kill "$AZ_PID" 2>/dev/null && wait "$AZ_PID" 2>/dev/null
AZ_PID=
grep -o '[0-9]* allowed, [0-9]* denied.*' "$W/authz.err"
