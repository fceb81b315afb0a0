#!/bin/sh
# SIGINT and SIGTERM stop the agent at once, in every mode, while a load
# keeps the event consumer behind and the fanotify guard busy. Before the
# fix, one poll of the ring consumed for as long as the producer produced,
# and the agent went on running (9.8 s measured here; "the first SIGINT was
# ignored"). The bound below is generous: the agent stops in well under a
# second on an idle machine.
. tests/integration/lib.sh

T=stop-$$
LIMIT=5
PROTECTED=$WORK/protected
OTHER=$WORK/other
echo data >"$PROTECTED"
echo data >"$OTHER"
cc -O2 -o "$WORK/openloop" -x c - <<'C' || exit 1
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	(void)argc;
	for (;;) {
		int fd = open(argv[1], O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
}
C
cat >"$WORK/rules.yaml" <<EOR
- rule: $T protected write
  desc: the guard judges every open of the protected file
  condition: evt.type in (open, openat, openat2) and evt.is_open_write=true and fd.name = $PROTECTED
  output: write %fd.name
  priority: CRITICAL
  action: {type: deny, scope: host}
- rule: $T every open
  desc: an alert per open keeps the consumer behind the producers
  condition: evt.type in (open, openat) and fd.name startswith $WORK/
  output: open %fd.name by %proc.name
  priority: NOTICE
EOR

LOAD=
load_start() {
	"$WORK/openloop" "$OTHER" & LOAD="$LOAD $!"
	"$WORK/openloop" "$OTHER" & LOAD="$LOAD $!"
	"$WORK/openloop" "$PROTECTED" & LOAD="$LOAD $!"
}
load_stop() {
	for p in $LOAD; do kill "$p" 2>/dev/null; done
	for p in $LOAD; do wait "$p" 2>/dev/null; done
	LOAD=
}

# stops_at_once SIGNAL MODE-ARGS...: the agent exits within LIMIT s of the
# signal, the load still running.
stops_at_once() {
	sig=$1
	shift
	start_agent --rules "$WORK/rules.yaml" "$@" || return 1
	load_start
	sleep 3
	kill -"$sig" "$AGENT_PID"
	deadline=$(( $(date +%s) + LIMIT ))
	while kill -0 "$AGENT_PID" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
		sleep 0.1
	done
	gone=yes
	kill -0 "$AGENT_PID" 2>/dev/null && gone=no
	load_stop
	[ $gone = yes ] || echo "the agent was still running $LIMIT s after SIG$sig" >&2
	stop_agent
	[ $gone = yes ]
}

check "SIGINT under load, fanotify guard enforcing: stops at once" stops_at_once INT --enforce
check "the guard was busy: it judged opens" grep -q "palisade: fanotify: events [1-9]" "$WORK/agent.err"
# The guard wakes before the caller sleeps: a caller read as "running" was
# judged as unknown intent (O_RDWR), and reads were refused as writes.
check "no read of the protected file was refused as a write" \
	grep -q "palisade: fanotify: events [0-9]*: allowed [0-9]*, denied 0[ ,]" "$WORK/agent.err"
check "the consumer was behind: events were lost to a full ring" \
	grep -q "lost [1-9][0-9]* (ring buffer full)" "$WORK/agent.err"
check "SIGTERM under load, fanotify guard enforcing: stops at once" stops_at_once TERM --enforce
check "SIGINT under load, audit mode: stops at once" stops_at_once INT
check "SIGTERM under load, no rules: stops at once" stops_at_once TERM --no-rules
