#!/bin/sh
# The agent's memory: its resident set at idle and its peak under the bench
# workloads, with the rules of bench/run.sh (Falco's three files, or the
# embedded rules without them), in two configurations:
#   rules       palisade run with the rules alone;
#   subsystems  the same with the subsystems around the core switched on and
#               nothing to do: flow accounting (--flows), the label policy
#               (--network-policy, the seed policy of tests/fuzz/corpus),
#               file integrity (--fim, a baseline of /etc made here), the
#               posture audit (--audit-watch, when dockerd answers) and
#               learning (--record --learn, into a file here). The image
#               signature gate is `palisade authz`, a process of its own: not
#               in the agent.
# For each: VmRSS and VmHWM after start (loaded, settled), the split of the
# resident set from /proc/PID/smaps (heap and other anonymous memory, the BPF
# maps mapped into the agent (the ring buffer: its data pages are mapped twice
# by libbpf, so they count twice here), the binary, the shared libraries),
# then VmHWM after each workload in turn (open, mixed). Figures in MiB.
#
# It only reports. See docs/performance.md ("Memory").
set -u

usage() {
	cat <<EOF
usage: sh bench/rss.sh [options]
  -b FILE   the palisade binary (default ./palisade): to compare two builds
  -c LIST   configurations: rules,subsystems (default: both)
  -n SPEC   iterations: open=N,mixed=N (default open=300000,mixed=100000)
  -o DIR    keep logs in DIR (default: a new directory, printed)
  -h        this help
environment: FALCO_RULES_DIR (Falco's files), PALISADE_BENCH_TIMEOUT (start-up, default 120 s)
EOF
}

die() {
	echo "bench/rss: $*" >&2
	exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root" || exit 1
configs="rules subsystems"
bin=./palisade
iters="open=300000,mixed=100000"
out=""
timeout=${PALISADE_BENCH_TIMEOUT:-120}
while getopts b:c:n:o:h opt; do
	case $opt in
	b) bin=$OPTARG ;;
	c) configs=$(echo "$OPTARG" | tr ',' ' ') ;;
	n) iters=$OPTARG ;;
	o) out=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || die "needs root (loads BPF programs)"
[ -x "$bin" ] || die "$bin is missing: run make"
[ -x bench/workload ] || make -s -C bench workload >/dev/null || die "cannot build bench/workload"
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/palisade-rss.XXXXXX")}
mkdir -p "$out" || die "cannot make $out"

. bench/lib.sh
. tests/falco_rules.sh
rules_args="" rules_set="the embedded rules (Falco's files not found)"
if bench_falco_three; then
	rules_args=$FALCO_ARGS
	rules_set="the embedded rules and Falco's three files ($(falco_rules_dir))"
fi

# The subsystems' inputs: a FIM baseline of /etc, the seed network policy,
# a recording file; the audit only when dockerd answers.
sub_args() {
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$out/fim.key"
	chmod 600 "$out/fim.key"
	cat >"$out/fim.yaml" <<EOF
database: $out/fim.db
key_file: $out/fim.key
paths:
  - {path: /etc, class: config}
EOF
	"$bin" fim init -c "$out/fim.yaml" >"$out/fim-init.out" 2>&1 ||
		die "palisade fim init failed (see $out/fim-init.out)"
	a="--flows --network-policy tests/fuzz/corpus/net_policy/seed.yaml --fim $out/fim.yaml --record $out/run.rec --learn --force"
	if docker info >/dev/null 2>&1; then
		a="$a --audit-watch"
	else
		echo "note: dockerd does not answer: --audit-watch left out" >&2
	fi
	echo "$a"
}

kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# split PID: heap+anonymous, BPF maps, binary, libraries (KiB, from smaps).
split() {
	awk -v exe="$(readlink "/proc/$1/exe")" '
	/^[0-9a-f]+-[0-9a-f]+ / { n = $6; next }
	/^Rss:/ {
		if (n ~ /bpf-map/) m += $2
		else if (n == exe) b += $2
		else if (n ~ /\.so/) l += $2
		else a += $2
	}
	END { printf "%.1f %.1f %.1f %.1f\n", a / 1024, m / 1024, b / 1024, l / 1024 }' "/proc/$1/smaps"
}

echo "palisade agent memory, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $bin"
echo "rules: $rules_set; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-11s %-9s %-9s %-38s %-11s %-11s %s\n' config "idle RSS" "idle HWM" \
	"idle split: anon / BPF maps / binary / libs" "HWM open" "HWM mixed" "threads"
for c in $configs; do
	case $c in
	rules) extra="" ;;
	subsystems) extra=$(sub_args) || exit 1 ;;
	*) die "-c wants rules or subsystems, got '$c'" ;;
	esac
	err=$out/$c.err
	# shellcheck disable=SC2086
	"$bin" run --output /dev/null --status-socket none $rules_args $extra >"$out/$c.out" 2>"$err" &
	pid=$!
	t=0
	until grep -q '^palisade: loaded' "$err"; do
		kill -0 "$pid" 2>/dev/null || { tail -n 20 "$err" >&2; die "$c: the agent exited (see $err)"; }
		[ "$t" -lt $((timeout * 10)) ] || { kill -INT "$pid"; die "$c: not loaded after ${timeout}s"; }
		sleep 0.1
		t=$((t + 1))
	done
	sleep 3 # settle: the first container sync, the first audit, the DNS lookups
	idle_rss=$(kib "$pid" VmRSS) idle_hwm=$(kib "$pid" VmHWM) sp=$(split "$pid")
	threads=$(kib "$pid" Threads)
	bench/workload -n "$(bench_count "$iters" open)" open >/dev/null || die "workload open failed"
	hwm_open=$(kib "$pid" VmHWM)
	bench/workload -n "$(bench_count "$iters" mixed)" mixed >/dev/null || die "workload mixed failed"
	hwm_mixed=$(kib "$pid" VmHWM)
	kill -INT "$pid"
	wait "$pid" || echo "note: $c: the agent exited $? (see $err)" >&2
	printf '%-11s %-9s %-9s %-38s %-11s %-11s %s\n' "$c" "$(mib "$idle_rss")" "$(mib "$idle_hwm")" \
		"$(echo "$sp" | awk '{ printf "%s / %s / %s / %s", $1, $2, $3, $4 }')" \
		"$(mib "$hwm_open")" "$(mib "$hwm_mixed")" "$threads"
	rm -f "$out/run.rec"
done
echo "MiB; HWM = VmHWM, the peak resident set since start; logs in $out"
