#!/bin/sh
# Loss under load (docs/performance.md): the ring buffer's consumer runs at a
# raised priority, and records the kernel still drops raise Falco's
# "syscall event drop" alert, rate-limited, or stop the agent when asked.
# Drops are forced with a 4 KiB ring, a consumer at normal priority and an
# open flood without the pre-filter.
. tests/integration/lib.sh

cc -O2 -o "$WORK/workload" bench/workload.c || exit 1
flood() {
	"$WORK/workload" -d "$WORK" -n "$1" open >/dev/null &
	w=$!
	"$WORK/workload" -d "$WORK" -n "$1" open >/dev/null
	wait "$w" # not a bare wait: the agent is a child too
}
drop_alerts() { grep -c '"rule":"Falco internal: syscall event drop"' "$WORK/alerts.json"; }

# 1. The consumer thread is SCHED_FIFO, the threads it started are not.
start_agent_with --output "$WORK/alerts.json" --no-docker --status-socket none || exit 1
check "the start-up line names the consumer's priority" \
	grep -q 'consumer realtime (SCHED_FIFO 1)$' "$WORK/agent.err"
policy() { awk '{ print $41 }' "/proc/$AGENT_PID/task/$1/stat"; }
check "the consumer (main thread) is SCHED_FIFO" test "$(policy "$AGENT_PID")" = 1
others=$(for t in /proc/"$AGENT_PID"/task/*; do
	t=${t##*/}
	[ "$t" = "$AGENT_PID" ] || policy "$t"
done | sort -u | tr '\n' ' ')
check "the other threads stay SCHED_OTHER ($others)" test "$others" = "0 "
stop_agent

# 2. Forced drops: one alert per token, Falco's fields, the log line.
start=$(date +%s)
: >"$WORK/alerts.json"
start_agent_with --output "$WORK/alerts.json" --no-docker --status-socket none --ringbuf-kib 4 \
	--consumer-priority normal --no-prefilter || exit 1
flood 300000
# A second burst in a later second: drops in two once-a-second checks at
# least, however fast the machine floods (one burst fit in one second).
sleep 1.2
flood 300000
sleep 1.5 # the next once-a-second check sees the last drops
stop_agent
elapsed=$(($(date +%s) - start))
lost=$(sed -n 's/.*exit: events [0-9]*; lost \([0-9]*\) .*/\1/p' "$WORK/agent.err")
check "the flood lost records ($lost)" test "${lost:-0}" -gt 0
n=$(drop_alerts)
secs=$(sed -n 's/.*exit: seconds with drops \([0-9]*\), drop actions \([0-9]*\).*/\1 \2/p' \
	"$WORK/agent.err")
# Default bucket: one action at once, then one per 30 s.
check "drop alerts are rate-limited ($n alerts, seconds with drops and actions: $secs, ${elapsed}s)" \
	test "$n" -ge 1 -a "$n" -le $((1 + elapsed / 30)) -a "${secs% *}" -gt "$n" \
	-a "${secs#* }" = "$n"
a=$(grep -m1 '"rule":"Falco internal: syscall event drop"' "$WORK/alerts.json")
check "the alert has Falco's schema and fields" sh -c "printf '%s' '$a' | jq -e '
	.source == \"internal\" and .priority == \"Critical\" and
	(.output | test(\"^Falco internal: syscall event drop. [0-9]+ system calls dropped in last second.$\")) and
	(.output_fields.n_drops | tonumber) > 0 and
	(.output_fields.n_drops | tonumber) <= $lost and
	(.output_fields.n_evts | tonumber) >= (.output_fields.n_drops | tonumber) and
	(.output_fields.n_drops_buffer_open_exit | tonumber) > 0' >/dev/null"
check "each action also logged the drop" \
	test "$(grep -c 'system calls dropped in last second' "$WORK/agent.err")" -eq "$n"

# 3. actions: [exit] stops the agent with a failure status.
cat >"$WORK/exit.yaml" <<EOF
sensor:
  ringbuf_kib: 4
  consumer_priority: normal
syscall_event_drops:
  actions: [log, exit]
outputs: []
status:
  socket: ""
EOF
start_agent_with --config "$WORK/exit.yaml" --no-docker --no-prefilter || exit 1
flood 300000
i=0
while kill -0 "$AGENT_PID" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$AGENT_PID"
rc=$?
AGENT_PID=
check "the exit action stopped the agent with status 1 (rc $rc)" test "$rc" = 1
check "it said why" grep -q 'exiting: events were lost' "$WORK/agent.err"

# 4. The agent is stopped by SIGINT even when started with SIGINT ignored (a
# shell without job control starts background commands so; blocked and
# ignored, the signal was discarded and the agent ran on).
: >"$WORK/agent.err"
sh -c 'trap "" INT; exec ./palisade run --output none --no-docker --status-socket none' \
	2>"$WORK/agent.err" &
AGENT_PID=$!
i=0
until grep -q '^palisade: loaded' "$WORK/agent.err" || [ $i -gt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the agent started with SIGINT ignored runs" grep -q '^palisade: loaded' "$WORK/agent.err"
kill -INT "$AGENT_PID"
i=0
while kill -0 "$AGENT_PID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "SIGINT stops an agent started with SIGINT ignored" sh -c "! kill -0 $AGENT_PID 2>/dev/null"
stop_agent

# 5. Where real-time scheduling is refused (here: a cgroup v1 cpu group with
# no real-time runtime, as a container's is), the consumer falls back to
# nice -20 and says so.
CPU_V1=/sys/fs/cgroup/cpu
if [ -w "$CPU_V1/cgroup.procs" ] && [ -e "$CPU_V1/cpu.rt_runtime_us" ]; then
	G="$CPU_V1/kernel-loss-$$"
	mkdir "$G" && echo 0 >"$G/cpu.rt_runtime_us"
	: >"$WORK/agent.err"
	sh -c "echo \$\$ > '$G/cgroup.procs' && exec ./palisade run --output none --no-docker --status-socket none" \
		2>"$WORK/agent.err" &
	AGENT_PID=$!
	i=0
	until grep -q '^palisade: loaded' "$WORK/agent.err" || [ $i -gt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "realtime refused: the start-up line says nice -20 and why" \
		grep -q 'consumer nice -20 (SCHED_FIFO refused: Operation not permitted)$' "$WORK/agent.err"
	check "realtime refused: the consumer runs at nice -20, SCHED_OTHER" \
		test "$(awk '{ print $19, $41 }' "/proc/$AGENT_PID/stat")" = "-20 0"
	stop_agent
	rmdir "$G"
else
	echo "skip - realtime fallback: no cgroup v1 cpu controller with rt_runtime here"
fi
