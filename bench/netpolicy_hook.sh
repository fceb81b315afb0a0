#!/bin/sh
# Cost per call of the network-enforcement hooks (bpf/netpolicy.bpf.c), from
# the kernel's own BPF run-time statistics (kernel.bpf_stats_enabled, switched
# on only for the measurement and restored after it): the average time the
# cgroup/connect4 program runs per connect, with
#   checked: a policy that covers the caller (scope all) and never matches,
#            so every connect goes the whole way (lookups, rule loop, trie);
#   no rule: a policy for containers only, so the host's connects take the
#            common path: one hash lookup, return.
# bench/workload's tcp loop (connect/accept/close on 127.0.0.1) drives it.
# Reports only; see docs/performance.md. Usage: sh bench/netpolicy_hook.sh [N]
set -u
N=${1:-20000}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/palisade-nphook.XXXXXX")
PREV=$(sysctl -n kernel.bpf_stats_enabled)
AGENT=
restore() {
	sysctl -qw kernel.bpf_stats_enabled="$PREV"
	[ -z "$AGENT" ] || { kill -INT "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null; }
	rm -rf "$DIR"
}
trap restore EXIT INT TERM
[ -x bench/workload ] || make -C bench >/dev/null || exit 1

# prog_stats: "run_time_ns run_cnt" of the newest np_connect4 (the one the
# agent just loaded; bpftool here cannot tell which process holds a program).
prog_stats() {
	bpftool prog show -j | jq -r '[.[] | select(.name=="np_connect4")] | max_by(.id) |
		"\(.run_time_ns // 0) \(.run_cnt // 0)"'
}

for scope in all containers; do
	cat >"$DIR/rules.yaml" <<RULES
- rule: bench netpolicy
  desc: matches none of the workload's connects
  condition: evt.type = connect and fd.snet in (10.255.0.0/16, fd00:5179::/32) and fd.sport = 15179
  output: "bench %fd.name"
  priority: WARNING
  action: {type: deny, scope: $scope}
RULES
	./palisade run --no-docker --syscalls none --output /dev/null --rules "$DIR/rules.yaml" \
		--enforce 2>"$DIR/agent.err" &
	AGENT=$!
	i=0
	until grep -q '^palisade: loaded' "$DIR/agent.err"; do
		i=$((i + 1))
		[ $i -lt 300 ] && kill -0 "$AGENT" 2>/dev/null || { cat "$DIR/agent.err"; exit 1; }
		sleep 0.1
	done
	sysctl -qw kernel.bpf_stats_enabled=1
	before=$(prog_stats)
	bench/workload -n "$N" tcp >/dev/null
	after=$(prog_stats)
	sysctl -qw kernel.bpf_stats_enabled="$PREV"
	set -- $before $after
	calls=$(($4 - $2))
	[ "$calls" -gt 0 ] || { echo "no call measured (scope $scope)"; exit 1; }
	label=checked
	[ "$scope" = all ] || label="no rule"
	printf '%-8s %8d calls  %6d ns per call (cgroup/connect4 run time)\n' "$label" "$calls" \
		$((($3 - $1) / calls))
	kill -INT "$AGENT"
	wait "$AGENT"
	AGENT=
done
