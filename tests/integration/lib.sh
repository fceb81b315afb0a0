# Shared by the integration tests: start/stop the agent, wait for events,
# TAP-like results ("ok - name" / "not ok - name") that tests/run.sh counts.
# Sourced with the repo root as the working directory.

IMAGE=${PALISADE_TEST_IMAGE:-palisade-test:latest}
WORK=$(mktemp -d /tmp/palisade-it.XXXXXX)
AGENT_PID=
CONTAINERS=

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

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

# start_agent [ARGS...]: events go to $WORK/events.json, stderr to $WORK/agent.err.
start_agent() {
	: >"$WORK/agent.err"
	./palisade run -o "$WORK/events.json" "$@" 2>"$WORK/agent.err" &
	AGENT_PID=$!
	i=0
	until grep -q '^palisade: loaded' "$WORK/agent.err"; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$AGENT_PID" 2>/dev/null; then
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

# wait_event JQ_FILTER [SECONDS]: waits until some event satisfies the filter
# (a jq boolean expression on one event); prints the first match.
wait_event() {
	i=0
	limit=$(( ${2:-10} * 10 ))
	while [ $i -lt "$limit" ]; do
		m=$(jq -c "select($1)" "$WORK/events.json" 2>/dev/null | head -1)
		if [ -n "$m" ]; then
			printf '%s\n' "$m"
			return 0
		fi
		i=$((i + 1))
		sleep 0.1
	done
	echo "no event matched: $1" >&2
	return 1
}

# expect JSON JQ_BOOL_EXPR: the event satisfies the expression.
expect() {
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
