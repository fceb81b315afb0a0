#!/bin/sh
# palisade replay throughput benchmark: the user-space pipeline (decode,
# process table, container attribution, rule evaluation) on a recorded stream.
#
# 1. Records a mixed stream (unless -f names one): starts
#    `palisade run --record FILE --output none` with the rule sets below loaded, so
#    the sensors deliver every event type those rules need, waits for its
#    "palisade: loaded" line, runs bench/workload mixed and exec, a shell phase
#    (pipelines of ordinary tools, subshells, a few things Falco rules flag)
#    and, when dockerd answers and the image palisade-test:latest exists,
#    `docker exec` into a container of it; then stops the agent with SIGINT.
# 2. Replays the file with `palisade replay --output none`, pinned to one CPU
#    (taskset), for each configuration: no rules, the embedded default rules,
#    Falco's stable rules, Falco's stable + incubating + sandbox rules. Each
#    configuration runs once untimed (warm-up), then -r times on the full file
#    and -r times on a file holding only the recording's header, which gives
#    the fixed cost of start-up (loading and compiling the rules) to subtract.
#    Wall time is taken with a monotonic clock around the replay process, peak
#    RSS from its rusage.
#
#    events/s (pipeline) = events / (median full - median header-only)
#    events/s (end to end) = events / median full
#
# It only reports: nothing here asserts on time. See docs/performance.md.

set -u

usage() {
	cat <<EOF
usage: sh bench/replay.sh [options]
  -f FILE   replay this recording instead of recording a new one
  -k FILE   keep the new recording as FILE (default: a file in the log
            directory, removed at the end unless -k is given)
  -n N      bench/workload mixed operations while recording, 0 = none
            (default 400000)
  -x N      bench/workload exec iterations while recording, 0 = none
            (default 5000)
  -s N      shell-phase rounds while recording, 0 = none (default 1500)
  -d N      docker exec rounds while recording, 0 = none (default 20)
  -r N      timed replays per configuration, at least 3 (default 5)
  -c CPU    CPU the replays are pinned to (default 0)
  -C LIST   configurations, comma-separated: none,default,stable,all
            (default: all four)
  -P        also profile the 'all' configuration with perf and print the
            top of the report (needs perf)
  -o DIR    keep logs in DIR (default: a new directory under \${TMPDIR:-/tmp})
  -h        this help
environment:
  FALCO_RULES_DIR       directory holding falco_rules.yaml,
                        falco-incubating_rules.yaml, falco-sandbox_rules.yaml
                        (then ../shared/data/falco-rules, then /etc/falco); without
                        them the stable and all configurations are skipped
  PALISADE_BENCH_TIMEOUT  seconds to wait for the agent's start-up line (default 120)
Needs python3 (monotonic clock and rusage of the replay). Recording needs root.
EOF
}

die() {
	echo "bench: $*" >&2
	exit 1
}

note() {
	echo "bench: $*" >&2
}

cd "$(dirname "$0")/.." || die "cannot cd to the repository root"

record_file=""
keep=""
mixed_n=400000
exec_n=5000
shell_n=1500
docker_n=20
rounds=5
cpu=0
configs="none,default,stable,all"
profile=""
outdir=""
timeout=${PALISADE_BENCH_TIMEOUT:-120}

while getopts "f:k:n:x:s:d:r:c:C:Po:h" opt; do
	case $opt in
	f) record_file=$OPTARG ;;
	k) keep=$OPTARG ;;
	n) mixed_n=$OPTARG ;;
	x) exec_n=$OPTARG ;;
	s) shell_n=$OPTARG ;;
	d) docker_n=$OPTARG ;;
	r) rounds=$OPTARG ;;
	c) cpu=$OPTARG ;;
	C) configs=$OPTARG ;;
	P) profile=1 ;;
	o) outdir=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
for v in "$mixed_n" "$exec_n" "$shell_n" "$docker_n" "$rounds" "$cpu"; do
	case $v in '' | *[!0-9]*) die "not a count: '$v'" ;; esac
done
[ "$rounds" -ge 3 ] || die "-r: at least 3 rounds"

[ -x ./palisade ] || die "./palisade is missing: run make"
command -v python3 >/dev/null || die "python3 is needed (apt-get install python3-minimal)"
command -v taskset >/dev/null || die "taskset is needed (util-linux)"
. tests/falco_rules.sh
falco_args=""
if why=$(falco_rules_missing falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml); then
	# Only the configurations that need Falco's files are skipped.
	kept=$(echo "$configs" | tr ',' '\n' | grep -vx -e stable -e all | paste -sd, -)
	[ "$kept" = "$configs" ] || echo "bench: skipped the stable and all configurations: $why"
	configs=$kept
	[ -n "$configs" ] || exit 0
else
	falco=$(falco_rules_dir)
	stable=$falco/falco_rules.yaml
	incubating=$falco/falco-incubating_rules.yaml
	sandbox=$falco/falco-sandbox_rules.yaml
	falco_args="--rules $stable --rules $incubating --rules $sandbox"
fi

if [ -z "$outdir" ]; then
	outdir=$(mktemp -d "${TMPDIR:-/tmp}/palisade-replay-bench.XXXXXX") || die "mktemp failed"
else
	mkdir -p "$outdir" || die "cannot create $outdir"
fi

agent_pid=""
container=""
cleanup() {
	if [ -n "$agent_pid" ]; then
		kill -INT "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	[ -z "$container" ] || docker rm -f "$container" >/dev/null 2>&1
	if [ -z "$keep" ] && [ -n "${rec_made:-}" ]; then
		rm -f "$record_file"
	fi
	rm -f "$outdir/header-only.rec"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. record ------------------------------------------------------------

shell_phase() {
	# Ordinary tools in pipelines and subshells, as scripts on a host run
	# them, and a few things Falco's rules flag (a private-key search, a
	# read of /etc/shadow), so that the replay delivers some alerts.
	i=0
	while [ "$i" -lt "$shell_n" ]; do
		cat /etc/hostname /etc/os-release >/dev/null
		grep -c root /etc/passwd >/dev/null
		ls -l /tmp >/dev/null 2>&1
		(uname -a; id -u) >/dev/null
		sh -c 'echo "$$" | cut -c1-3 | sed s/1/2/' >/dev/null
		awk 'END { print NR }' /etc/passwd >/dev/null
		if [ $((i % 100)) -eq 0 ]; then
			grep -rl "BEGIN RSA PRIVATE" /etc/ssl/certs >/dev/null 2>&1
			cat /etc/shadow >/dev/null 2>&1
			find /etc -maxdepth 1 -name 'id_rsa*' >/dev/null 2>&1
		fi
		i=$((i + 1))
	done
}

docker_phase() {
	[ "$docker_n" -gt 0 ] || return 0
	command -v docker >/dev/null || { note "docker not installed: no docker exec phase"; return 0; }
	docker info >/dev/null 2>&1 || { note "dockerd not answering: no docker exec phase"; return 0; }
	docker image inspect palisade-test:latest >/dev/null 2>&1 ||
		{ note "no image palisade-test:latest: no docker exec phase"; return 0; }
	container=palisade-bench-replay-$$
	if ! docker run -d --rm --name "$container" --network none palisade-test:latest \
		sleep 3600 >/dev/null 2>"$outdir/docker.err"; then
		note "docker run failed (see $outdir/docker.err): no docker exec phase"
		container=""
		return 0
	fi
	i=0
	while [ "$i" -lt "$docker_n" ]; do
		docker exec "$container" sh -c \
			'cat /etc/passwd >/dev/null; ls / >/dev/null; id; echo x >/tmp/x; rm -f /tmp/x' \
			>/dev/null 2>&1
		# with a terminal: what an operator's `docker exec -it ... sh` does
		docker exec -t "$container" sh -c 'uname -a; ps' >/dev/null 2>&1
		i=$((i + 1))
	done
	docker rm -f "$container" >/dev/null 2>&1
	container=""
}

rec_made=""
if [ -z "$record_file" ]; then
	[ "$(id -u)" -eq 0 ] || die "recording needs root (or pass -f FILE)"
	[ -x bench/workload ] || make -C bench >/dev/null || die "cannot build bench/workload"
	record_file=${keep:-$outdir/stream.rec}
	rec_made=1
	rm -f "$record_file"
	# Every rule set replayed below is loaded, so the sensors deliver every
	# event type any of them needs.
	# shellcheck disable=SC2086 # word splitting of the rule arguments is wanted
	./palisade run --record "$record_file" --output none \
		--rules rules/palisade_rules.yaml $falco_args 2>"$outdir/agent.err" &
	agent_pid=$!
	waited=0
	until grep -q '^palisade: loaded' "$outdir/agent.err" 2>/dev/null; do
		kill -0 "$agent_pid" 2>/dev/null ||
			{ cat "$outdir/agent.err" >&2; agent_pid=""; die "the agent exited before it was ready"; }
		[ "$waited" -lt $((timeout * 10)) ] || die "the agent did not start in ${timeout}s"
		sleep 0.1
		waited=$((waited + 1))
	done
	note "recording to $record_file"
	: >"$outdir/workload.log"
	for w in "mixed $mixed_n" "exec $exec_n"; do
		# shellcheck disable=SC2086 # "mode count": split on purpose
		set -- $w
		[ "$2" -eq 0 ] || bench/workload -n "$2" "$1" >>"$outdir/workload.log" 2>&1 ||
			die "bench/workload $1 failed (see $outdir/workload.log)"
	done
	shell_phase
	docker_phase
	kill -INT "$agent_pid"
	wait "$agent_pid"
	agent_pid=""
	grep '^palisade: exit' "$outdir/agent.err" >&2
fi
[ -r "$record_file" ] || die "cannot read $record_file"

# The recording's 88-byte header alone: a replay of it costs start-up only.
head -c 88 "$record_file" >"$outdir/header-only.rec" || die "cannot write the header-only file"

# ---- 2. replay ------------------------------------------------------------

# measure CMD...: runs CMD once; prints "elapsed_s maxrss_kib events alerts rc"
# and appends its stderr to $outdir/replay.err.
measure() {
	python3 -c '
import re, resource, subprocess, sys, time
t0 = time.monotonic_ns()
p = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
t1 = time.monotonic_ns()
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "ab") as f:
    f.write(p.stderr)
m = re.search(rb"palisade replay: (\d+) events, (\d+) alerts", p.stderr)
ev, al = (m.group(1).decode(), m.group(2).decode()) if m else ("-", "-")
print("%.6f %d %s %s %d" % ((t1 - t0) / 1e9, rss, ev, al, p.returncode))
' "$outdir/replay.err" "$@"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

config_args() {
	case $1 in
	none) echo "--no-rules" ;;
	default) echo "" ;;
	stable) echo "--rules $stable" ;;
	all) echo "--rules $stable --rules $incubating --rules $sandbox" ;;
	*) die "unknown configuration '$1' (none, default, stable, all)" ;;
	esac
}

size=$(wc -c <"$record_file")
note "replaying $record_file ($size bytes) on CPU $cpu, $rounds rounds per configuration"
echo "config   events    alerts  full_s(median,min..max)      startup_s  pipeline_ev/s  end_to_end_ev/s  peak_rss_MiB"
for c in $(echo "$configs" | tr ',' ' '); do
	# shellcheck disable=SC2046 # word splitting of the rule arguments is wanted
	set -- taskset -c "$cpu" ./palisade replay --output none $(config_args "$c")
	measure "$@" "$record_file" >/dev/null # warm-up: page cache, first touch
	: >"$outdir/full.$c"
	: >"$outdir/empty.$c"
	r=0
	while [ "$r" -lt "$rounds" ]; do
		measure "$@" "$record_file" >>"$outdir/full.$c"
		measure "$@" "$outdir/header-only.rec" >>"$outdir/empty.$c"
		r=$((r + 1))
	done
	if awk '$5 != 0 { bad = 1 } END { exit !bad }' "$outdir/full.$c"; then
		note "$c: a replay failed (see $outdir/replay.err)"
		continue
	fi
	full=$(cut -d' ' -f1 "$outdir/full.$c" | median)
	empty=$(cut -d' ' -f1 "$outdir/empty.$c" | median)
	range=$(cut -d' ' -f1 "$outdir/full.$c" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f..%.3f", lo, hi }')
	events=$(head -1 "$outdir/full.$c" | cut -d' ' -f3)
	alerts=$(head -1 "$outdir/full.$c" | cut -d' ' -f4)
	rss=$(cut -d' ' -f2 "$outdir/full.$c" | sort -n | tail -1)
	awk -v c="$c" -v ev="$events" -v al="$alerts" -v full="$full" -v range="$range" \
		-v empty="$empty" -v rss="$rss" 'BEGIN {
		pipe = full - empty
		rate = pipe > 0 ? ev / pipe : 0
		printf "%-7s %8d %8d  %.3f (%s)   %9.3f  %13.0f  %15.0f  %12.1f\n", c, ev, al, full,
			range, empty, rate, ev / full, rss / 1024
	}'
done

if [ -n "$profile" ]; then
	command -v perf >/dev/null || die "-P: perf is not installed"
	# shellcheck disable=SC2046
	taskset -c "$cpu" perf record -q -o "$outdir/perf.data" ./palisade replay --output none \
		$(config_args all) "$record_file" 2>>"$outdir/replay.err" >/dev/null ||
		die "perf record failed (see $outdir/replay.err)"
	echo "perf profile, configuration 'all' (self time, top 25; lines: perf annotate -i $outdir/perf.data -l SYMBOL):"
	perf report -i "$outdir/perf.data" --no-children --stdio --sort dso,symbol \
		--percent-limit 0.5 2>/dev/null | grep -v '^#' | grep '%' | head -25
fi
note "logs in $outdir"
