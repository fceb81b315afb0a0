# Shared by the integration tests: start/stop the agent, wait for events,
# TAP-like results ("ok - name" / "not ok - name" / "skip - name: why")
# that tests/run.sh counts (tests/README.md).
# Sourced with the repo root as the working directory.
. tests/falco_rules.sh

IMAGE=${PALISADE_TEST_IMAGE:-palisade-test:latest}
WORK=$(mktemp -d /tmp/palisade-it.XXXXXX)
AGENT_PID=
CONTAINERS=

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
# skip NAME: WHY: a check that cannot run here, and why (never a failure).
skip() { echo "skip - $*"; }

# need_falco_rules FILE...: sets F to the directory holding Falco's rule
# files FILE...; without them the whole script is reported skipped.
need_falco_rules() {
	if _why=$(falco_rules_missing "$@"); then
		skip "$(basename "$0"): $_why"
		exit 0
	fi
	F=$(falco_rules_dir)
}

# free_port: a TCP port on 127.0.0.1 free now (others test on this machine too:
# a fixed port collides).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# check NAME CMD...: runs CMD, reports ok / not ok.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

cleanup() {
	stop_agent
	for c in $CONTAINERS; do docker rm -f "$c" >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# start_agent [ARGS...]: raw events go to $WORK/events.json, alerts to
# $WORK/alerts.json, stderr to $WORK/agent.err.
start_agent() {
	: >"$WORK/alerts.json" # the file sink appends, as an agent's log should
	start_agent_with -e "$WORK/events.json" --output "$WORK/alerts.json" "$@"
}

# start_agent_with ARGS...: exactly these options (e.g. --config FILE);
# stdout goes to $WORK/agent.out, stderr to $WORK/agent.err.
start_agent_with() {
	: >"$WORK/agent.err"
	./palisade run "$@" >"$WORK/agent.out" 2>"$WORK/agent.err" &
	AGENT_PID=$!
	i=0
	until grep -q '^palisade: loaded' "$WORK/agent.err"; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$AGENT_PID" 2>/dev/null; then
			echo "agent did not start:" >&2
			cat "$WORK/agent.err" >&2
			AGENT_PID=
			return 1
		fi
		sleep 0.1
	done
}

stop_agent() {
	[ -n "$AGENT_PID" ] || return 0
	kill -INT "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}

# wait_json FILE WHAT JQ_FILTER SECONDS FIXED_STRING: waits until some line
# of FILE satisfies the filter (a jq boolean expression); prints the first
# match. The host's whole stream may land in the file, so a fixed string the
# line must contain (a tag) keeps jq to the few lines that matter. The wait
# is bounded by the clock, not by a count of scans.
wait_json() {
	deadline=$(( $(date +%s) + $4 ))
	while :; do
		m=$(grep -F -- "$5" "$1" 2>/dev/null | jq -c "select($3)" 2>/dev/null | head -1)
		if [ -n "$m" ]; then
			printf '%s\n' "$m"
			return 0
		fi
		[ "$(date +%s)" -lt "$deadline" ] || break
		sleep 0.2
	done
	echo "no $2 matched: $3" >&2
	return 1
}

# wait_grep PATTERN FILE [SECONDS] [COUNT]: until at least COUNT lines
# (default 1) of FILE match PATTERN (grep's basic regex), SECONDS at most
# (default 10).
wait_grep() {
	deadline=$(( $(date +%s) + ${3:-10} ))
	while _wg_n=$(grep -c -- "$1" "$2" 2>/dev/null); [ "${_wg_n:-0}" -lt "${4:-1}" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || { echo "$2: fewer than ${4:-1} lines match '$1'" >&2; return 1; }
		sleep 0.2
	done
}

# wait_event JQ_FILTER [SECONDS] [FIXED_STRING]: on the raw event stream.
wait_event() { wait_json "$WORK/events.json" event "$1" "${2:-10}" "${3:-\"type\"}"; }

# wait_alert JQ_FILTER [SECONDS] [FIXED_STRING]: on the alert stream.
wait_alert() { wait_json "$WORK/alerts.json" alert "$1" "${2:-10}" "${3:-\"rule\"}"; }

# expect JSON JQ_BOOL_EXPR: the event satisfies the expression.
expect() {
	[ -n "$1" ] || { echo "expected $2, but no event" >&2; return 1; }
	if printf '%s\n' "$1" | jq -e "$2" >/dev/null; then
		return 0
	fi
	echo "expected $2 in: $1" >&2
	return 1
}

# run_container NAME ARGS...: detached container from the test image.
run_container() {
	n=$1
	shift
	CONTAINERS="$CONTAINERS $n"
	docker rm -f "$n" >/dev/null 2>&1
	docker run -d --name "$n" "$@" >/dev/null
}

container_id() { docker inspect -f '{{.Id}}' "$1"; }

# dual_stack_network NAME SUBNET4 SUBNET6: a docker network of the test's own
# (IPv4 and IPv6), removed at exit after the containers; exits the test when
# it cannot be made.
dual_stack_network() {
	docker network rm "$1" >/dev/null 2>&1
	if ! docker network create --ipv6 --subnet "$2" --subnet "$3" "$1" >/dev/null; then
		not_ok "docker network $1 could not be created"
		exit 1
	fi
	TEST_NETWORKS="${TEST_NETWORKS:-} $1"
	# Removed after the containers (cleanup runs first).
	trap 'cleanup; for n in $TEST_NETWORKS; do docker network rm "$n" >/dev/null 2>&1; done' \
		EXIT INT TERM
}

# netprobe_build: builds bench/netprobe (the TCP/UDP client and server of the
# network tests) and sets PROBE, the `docker run` arguments that mount it at
# /netprobe; exits the test when it cannot be built.
netprobe_build() {
	make -C bench netprobe >/dev/null || { not_ok "building bench/netprobe"; exit 1; }
	PROBE="-v $PWD/bench/netprobe:/netprobe:ro"
}

# probe tcp|udp FROM HOST PORT: the answer of netprobe's client in container
# FROM ("ok ...", "timeout", "error: ..."; it gives up after 2 s).
probe() { docker exec "$2" /netprobe "$1" "$3" "$4" x 2>&1; }
allowed() { probe "$@" | grep -q '^ok'; }
# refused: a timeout (ingress drops the SYN or datagram) or EPERM (egress at
# connect/sendmsg), never another failure (a stopped container proves nothing).
refused() { probe "$@" | grep -Eq "^timeout|Operation not permitted"; }

# until_ok CMD...: CMD succeeds within UNTIL_S seconds (default 15).
until_ok() {
	_uo_deadline=$(( $(date +%s) + ${UNTIL_S:-15} ))
	until "$@"; do
		[ "$(date +%s)" -lt "$_uo_deadline" ] || return 1
		sleep 0.3
	done
}

# The cgroup v2 id (inode of its directory) of a process.
cgroup_id_of_pid() {
	mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	stat -c %i "$mnt$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
}

# hup: SIGHUP, then wait for the outcome line (reloaded / reload failed).
hup() {
	n=$(grep -c -e '^palisade: reloaded' -e '^palisade: reload failed' "$WORK/agent.err")
	kill -HUP "$AGENT_PID"
	deadline=$(( $(date +%s) + 10 ))
	while [ "$(grep -c -e '^palisade: reloaded' -e '^palisade: reload failed' "$WORK/agent.err")" -le "$n" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# prefiltered_now: the opens the kernel's pre-filter dropped so far, from
# the line a SIGUSR1 makes the agent print.
prefiltered_now() {
	n=$(grep -c 'palisade: counters: events' "$WORK/agent.err")
	kill -USR1 "$AGENT_PID"
	deadline=$(( $(date +%s) + 5 ))
	while [ "$(grep -c 'palisade: counters: events' "$WORK/agent.err")" -le "$n" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || break
		sleep 0.1
	done
	grep 'palisade: counters: events' "$WORK/agent.err" | tail -1 |
		sed -n 's/.*pre-filtered \([0-9]*\).*/\1/p'
}

# stop_thread TID: stops one thread of a process with ptrace (the others go
# on) until resume_thread: the agent's decision or event thread, to make the
# agent late on purpose.
stop_thread() {
	rm -f "$WORK/stopped" "$WORK/resume"
	python3 - "$1" "$WORK" <<'PY' &
import ctypes, os, sys, time
tid, work = int(sys.argv[1]), sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_DETACH = 0x4206, 0x4207, 17
assert libc.ptrace(PTRACE_SEIZE, tid, None, None) == 0, os.strerror(ctypes.get_errno())
assert libc.ptrace(PTRACE_INTERRUPT, tid, None, None) == 0
os.waitpid(tid, 0x40000000)  # __WALL: the thread is stopped
open(work + "/stopped", "w").close()
for _ in range(600):
    if os.path.exists(work + "/resume"):
        break
    time.sleep(0.05)
libc.ptrace(PTRACE_DETACH, tid, None, None)
PY
	STOPPER=$!
	i=0
	until [ -e "$WORK/stopped" ] || [ $i -gt 50 ]; do i=$((i + 1)); sleep 0.1; done
}
resume_thread() {
	touch "$WORK/resume"
	wait "$STOPPER" 2>/dev/null
}
