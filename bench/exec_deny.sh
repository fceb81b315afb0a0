#!/bin/sh
# The cost of the in-kernel exec deny lists (docs/enforcement.md): the
# fork+exec loop with a 1,000-entry deny list loaded and enforced (600 exact
# paths, 200 process names, 200 directories, so that every lookup the kernel
# makes at exec runs), against no agent, and the agent without the list in
# the same session. Nothing in the list matches the workload: this measures
# what every innocent exec pays. Reports, never asserts.
#
# usage: sh bench/exec_deny.sh [-r ROUNDS] [-n ITERATIONS]   (from the repo root)
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
ROUNDS=7 N=1500
bench_n_rounds "$@"

dir=$(mktemp -d /tmp/palisade-bench-deny.XXXXXX)
rules=$dir/deny.yaml
{
	echo "- rule: bench exec deny list"
	echo "  desc: 1000 executables nobody runs"
	echo "  condition: evt.type in (execve, execveat) and (proc.exepath in ("
	i=0
	while [ $i -lt 600 ]; do
		printf '    /nonexistent-palisade-bench/bin%d/tool-%d,\n' $((i % 50)) "$i"
		i=$((i + 1))
	done
	echo "    /nonexistent-palisade-bench/last) or proc.name in ("
	i=0
	while [ $i -lt 199 ]; do printf '    pb-name-%d,\n' "$i"; i=$((i + 1)); done
	echo "    pb-name-last) or proc.exepath pmatch ("
	i=0
	while [ $i -lt 199 ]; do printf '    /nonexistent-palisade-bench/dir-%d,\n' "$i"; i=$((i + 1)); done
	echo "    /nonexistent-palisade-bench/dir-last))"
	echo "  output: denied %proc.exepath"
	echo "  priority: CRITICAL"
	echo "  action: kill"
} >"$rules"
entries=$(grep -c 'nonexistent-palisade-bench\|pb-name' "$rules")
echo "exec deny list: $entries entries ($rules)"

echo "== agent with the deny list, enforcing"
sh bench/run.sh -w exec -p none -r "$ROUNDS" -n "$N" -o "$dir/deny" \
	-a "--enforce --syscalls none --rules $rules" 2>&1 | grep -v '^bench: logs'
grep -h 'palisade: enforce: bench' "$dir"/deny/*.err 2>/dev/null | sort -u | head -1
echo "== agent without rules (same session)"
sh bench/run.sh -w exec -p none -r "$ROUNDS" -n "$N" -o "$dir/plain" \
	-a "--syscalls none --no-rules" 2>&1 | grep -v '^bench: logs'
rm -rf "$dir"
