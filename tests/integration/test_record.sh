#!/bin/sh
# --record writes the enriched stream; replay reproduces exactly what run printed.
. tests/integration/lib.sh

run_container pal-rec "$IMAGE" sleep 300
ID=$(container_id pal-rec)
start_agent --record "$WORK/rec.bin" || exit 1
TAG=r$$
docker exec pal-rec sh -c "echo $TAG" >/dev/null
/bin/echo "$TAG" >/dev/null
wait_event ".type==\"execve\" and .proc.args==[\"/bin/echo\",\"$TAG\"]" 10 "$TAG" >/dev/null
wait_event ".type==\"execve\" and .container.id==\"$ID\" and .proc.args==[\"sh\",\"-c\",\"echo $TAG\"]" 10 "$TAG" >/dev/null
kill -USR1 "$AGENT_PID"
sleep 0.5
check "SIGUSR1 prints the counters" grep -q '^palisade: counters: events [0-9]*; lost 0' "$WORK/agent.err"
stop_agent

check "record file has the versioned header" sh -c "head -c 8 '$WORK/rec.bin' | grep -q PLSDREC"
./palisade replay --output "$WORK/replay-alerts.json" -e "$WORK/replay.json" "$WORK/rec.bin" 2>"$WORK/replay.err"
check "replay exits 0" [ $? -eq 0 ]
check "replay output identical to the live output" cmp -s "$WORK/events.json" "$WORK/replay.json"
n=$(grep -F "$TAG" "$WORK/replay.json" | jq -c "select(.container.id==\"$ID\" and .container.name==\"pal-rec\")" | wc -l)
check "replay attributes the container from recorded metadata ($n events)" [ "$n" -gt 0 ]
./palisade replay --output "$WORK/replay-alerts2.json" -e "$WORK/replay2.json" "$WORK/rec.bin" 2>/dev/null
check "replay is deterministic" cmp -s "$WORK/replay.json" "$WORK/replay2.json"
check "replay alerts identical to the live alerts" cmp -s "$WORK/alerts.json" "$WORK/replay-alerts.json"

# A damaged file is refused with the offset, not crashed on.
head -c $(( $(stat -c %s "$WORK/rec.bin") - 7 )) "$WORK/rec.bin" >"$WORK/cut.bin"
./palisade replay --output none "$WORK/cut.bin" 2>"$WORK/cut.err"
rc=$?
check "truncated record file: exit 1 with the offset" sh -c "[ $rc -eq 1 ] && grep -q 'truncated frame at byte' '$WORK/cut.err'"
printf 'garbage' >"$WORK/bad.bin"
./palisade replay "$WORK/bad.bin" 2>"$WORK/bad.err"
check "not a record file: clear error" grep -q 'is not a palisade record file' "$WORK/bad.err"
