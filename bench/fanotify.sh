#!/bin/sh
# fanotify guard benchmark (docs/performance.md, "fanotify guard").
#
# 1. Cost for everyone else: the open/close loop of bench/workload on an
#    unprotected file, with no agent and with the agent guarding N protected
#    files (a deny rule over N literal paths, so N inode marks), alternated in
#    rounds by bench/run.sh. The agent runs with --syscalls none, so the
#    ratio is the guard's alone (marks and nothing else in the kernel path).
# 2. Decision latency: a loop of opens of the protected files themselves
#    (read-only: each is judged and allowed) and of open-for-write (each is
#    judged and denied), timed by the caller, with the agent's own p50/p99
#    (read -> answer) from its exit summary.
# It only reports: nothing here asserts on time.
set -eu

N=${N:-1000}          # protected files
ROUNDS=${ROUNDS:-5}
OPENS=${OPENS:-2000}  # judged opens in part 2
ITER=${ITER:-200000}  # open/close loop iterations per round in part 1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=$(mktemp -d /tmp/palisade-fanotify-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM

[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
[ -x "$root/palisade" ] || { echo "bench: build ./palisade first (make)" >&2; exit 1; }
make -s -C "$here" workload

mkdir "$dir/files"
i=0
list=""
while [ $i -lt "$N" ]; do
	echo data >"$dir/files/f$i"
	list="$list${list:+, }$dir/files/f$i"
	i=$((i + 1))
done
cat >"$dir/rules.yaml" <<RULES
- list: bench_protected
  items: [$list]
- rule: Bench protected files
  desc: open for write of the benchmark's protected files
  condition: evt.type in (open, openat, openat2, creat) and evt.is_open_write=true and fd.name in (bench_protected)
  output: write denied (file=%fd.name proc=%proc.name)
  priority: WARNING
  action: {type: deny, scope: host}
RULES

echo "== 1. open/close loop of an unprotected file, $N protected files guarded"
cd "$root"
sh bench/run.sh -w open -r "$ROUNDS" -n "open=$ITER" -p none \
	-a "--rules $dir/rules.yaml --enforce --syscalls none --no-docker" -o "$dir/run" |
	grep -v '^bench:' || true

echo "== 2. decision latency: $OPENS judged opens of protected files"
./palisade run --rules "$dir/rules.yaml" --enforce --syscalls none --no-docker \
	--output "$dir/alerts.json" 2>"$dir/agent.err" &
agent=$!
until grep -q '^palisade: loaded' "$dir/agent.err"; do
	kill -0 "$agent" 2>/dev/null || { cat "$dir/agent.err" >&2; exit 1; }
	sleep 0.1
done
python3 - "$dir/files" "$N" "$OPENS" <<'PY'
import os, sys, time
d, n, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for mode, flags in (("read (allowed)", os.O_RDONLY), ("write (denied)", os.O_WRONLY)):
    times = []
    for i in range(count):
        p = "%s/f%d" % (d, i % n)
        t = time.perf_counter_ns()
        try:
            os.close(os.open(p, flags))
        except PermissionError:
            pass
        times.append(time.perf_counter_ns() - t)
    times.sort()
    print("caller: open for %s: p50 %.1f us, p99 %.1f us, mean %.1f us over %d opens" % (
        mode, times[len(times) // 2] / 1e3, times[len(times) * 99 // 100] / 1e3,
        sum(times) / len(times) / 1e3, count))
PY
kill -INT "$agent"
wait "$agent" || true
grep -E "^palisade: fanotify: (events|a decision)" "$dir/agent.err"
