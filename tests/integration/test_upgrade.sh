#!/bin/sh
# A restart with the same configuration, as `systemctl restart` and a package
# upgrade do it (SIGTERM, then a new agent): measures the window in which
# nothing is watched, with a process that execs a numbered binary every 10 ms
# throughout; every exec outside that one window is reported, and the window
# is printed (docs/upgrade.md; tests never assert on its length). Then a
# handover (`run --handover=PID`): the new agent attaches while the old one
# runs, and every exec across it is reported, once. The audit log's hash
# chain and the file output continue across the three agents.
. tests/integration/lib.sh

T=frupg$$
BIN=$WORK/$T
cp /bin/true "$BIN"
cat >"$WORK/rule.yaml" <<Y
- rule: upgrade test exec
  desc: the test's numbered binary
  condition: evt.type in (execve, execveat) and proc.name = "$T"
  output: "upgrade %proc.name seq=%proc.args"
  priority: NOTICE
Y
cat >"$WORK/cfg.yaml" <<Y
rules:
  files: [$WORK/rule.yaml]
run_dir: $WORK/run
outputs:
  - type: file
    path: $WORK/alerts.json
  - type: audit_log
    path: $WORK/audit.log
Y
# The exec loop: seq and wall-clock ns of each exec, until $WORK/stop exists.
python3 - "$BIN" "$WORK/execs" "$WORK/stop" <<'PY' &
import os, subprocess, sys, time
binary, log, stop = sys.argv[1:4]
with open(log, "w", buffering=1) as f:
    seq = 0
    while not os.path.exists(stop) and seq < 100000:
        seq += 1
        f.write("%d %d\n" % (seq, time.time_ns()))
        subprocess.run([binary, str(seq)])
        time.sleep(0.01)
PY
LOOP=$!

: >"$WORK/alerts.json"
start_agent_with --config "$WORK/cfg.yaml" --status-socket none || exit 1
sleep 2
# The restart: the old agent stops, the new one starts (systemd's order).
t0=$(date +%s%N)
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
t1=$(date +%s%N)
mv "$WORK/agent.err" "$WORK/agent1.err"
start_agent_with --config "$WORK/cfg.yaml" --status-socket "$WORK/status.sock" || exit 1
t2=$(date +%s%N)
sleep 2
# The handover: the new agent attaches beside the old one, then stops it;
# --handover alone finds it behind the status socket.
OLD=$AGENT_PID
mv "$WORK/agent.err" "$WORK/agent2.err"
h_first=$(tail -1 "$WORK/execs" | cut -d' ' -f1)
t3=$(date +%s%N)
: >"$WORK/agent.err"
./palisade run --config "$WORK/cfg.yaml" --status-socket "$WORK/status.sock" --handover \
	>"$WORK/agent.out" 2>"$WORK/agent.err" &
AGENT_PID=$!
deadline=$(( $(date +%s) + 120 ))
until grep -q '^palisade: handover: agent' "$WORK/agent.err"; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$AGENT_PID" 2>/dev/null; then
		echo "the handover did not happen:" >&2
		cat "$WORK/agent.err" >&2
		break
	fi
	sleep 0.1
done
t4=$(date +%s%N)
wait "$OLD"
check "the handover happened: the old agent exited, the new one watches" \
	grep -q "^palisade: handover: agent $OLD exited" "$WORK/agent.err"
check "the new agent holds the status socket" sh -c \
	"./palisade status --socket '$WORK/status.sock' | grep -q 'pid $AGENT_PID'"
sleep 2
touch "$WORK/stop"
wait "$LOOP"
last=$(tail -1 "$WORK/execs" | cut -d' ' -f1)
# The loop's last exec reported: the stream is complete (bounded wait).
deadline=$(( $(date +%s) + 30 ))
until grep -qF "\"proc.args\":\"$last\"" "$WORK/alerts.json" || [ "$(date +%s)" -gt "$deadline" ]; do
	sleep 0.2
done
stop_agent

jq -r --arg t "$T" 'select(.rule=="upgrade test exec") | .output_fields["proc.args"]' \
	"$WORK/alerts.json" | sort -n >"$WORK/reports"
uniq "$WORK/reports" >"$WORK/seen"
# (The loop starts before the first agent: count from its first report.)
awk -v last="$last" 'NR == 1 { first = $1 } { seen[$1] = 1 }
	END { for (i = first; i <= last; i++) if (!(i in seen)) print i }' "$WORK/seen" >"$WORK/missed"
missed=$(wc -l <"$WORK/missed")
first_missed=$(head -1 "$WORK/missed")
last_missed=$(tail -1 "$WORK/missed")
check "execs were reported before and after the restart ($(wc -l <"$WORK/seen") of $last)" \
	[ "$(wc -l <"$WORK/seen")" -gt 100 ]
# The handover leaves no window: every exec from its start on is reported.
h_missed=$(awk -v f="$h_first" '$1 >= f' "$WORK/missed" | tr '\n' ' ')
check "no exec is missed across the handover (execs $h_first to $last; missed: $h_missed)" \
	[ -z "$h_missed" ]
twice=$(uniq -d "$WORK/reports" | head -20 | tr '\n' ' ')
check "no exec is reported twice (twice: $twice)" [ -z "$twice" ]
echo "# handover: the new agent took $(( (t4 - t3) / 1000000 )) ms to load, attach," \
	"seed and take over; $(sed -n 's/^palisade: handover: agent [0-9]* exited \([0-9]*\) ms.*/\1/p' \
	"$WORK/agent.err") ms of it the old agent's stop (this run, on this machine's load)"
# The execs not reported form one run: the blind window, and nothing else.
check "the execs not reported are one contiguous window ($missed execs)" sh -c \
	"[ $missed -eq 0 ] || [ \$((${last_missed:-0} - ${first_missed:-0} + 1)) -eq $missed ]"
if [ "$missed" -gt 0 ]; then
	from=$(awk -v s="$first_missed" '$1 == s - 1 { print $2 }' "$WORK/execs")
	to=$(awk -v s="$last_missed" '$1 == s + 1 { print $2 }' "$WORK/execs")
	echo "# blind window: $missed execs not seen, between the last seen and the next seen" \
		"exec $(( (to - from) / 1000000 )) ms apart; the old agent took" \
		"$(( (t1 - t0) / 1000000 )) ms to stop, the new one $(( (t2 - t1) / 1000000 )) ms to" \
		"report 'loaded' (this run, on this machine's load)"
fi
check "the audit log's chain continues across the restart (palisade log verify)" sh -c \
	"./palisade log verify '$WORK/audit.log' | grep -q '^OK: [0-9]* records'"
check "both agents wrote to it: its records are the file output's alerts" sh -c \
	"[ \$(./palisade log verify '$WORK/audit.log' | sed -n 's/^OK: \\([0-9]*\\) records.*/\\1/p') -eq \$(grep -c . '$WORK/alerts.json') ]"
