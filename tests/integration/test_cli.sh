#!/bin/sh
# The command line: help is complete, bad input is refused clearly.
. tests/integration/lib.sh

./palisade --help >"$WORK/h" 2>&1
for cmd in run replay rules fields; do
	check "palisade --help lists $cmd" grep -q "^  $cmd " "$WORK/h"
done
./palisade run --help >"$WORK/h" 2>&1
for opt in --config --output --events --record --docker-socket --no-docker --ringbuf-kib --proc-table-size --rules --no-rules --first-match --min-priority --help; do
	check "run --help documents $opt" grep -q -- "$opt" "$WORK/h"
done
./palisade run --ringbuf-kib 100 2>"$WORK/e"
check "run rejects a ring size that is not a power of two" sh -c "[ $? -eq 2 ] && grep -q 'power of' '$WORK/e'"
./palisade frobnicate 2>"$WORK/e"
check "unknown command is an error" sh -c "[ $? -eq 2 ] && grep -q \"unknown command 'frobnicate'\" '$WORK/e'"
./palisade run --output /nonexistent/dir/x 2>"$WORK/e"
check "unwritable output is a clear error" grep -q 'cannot open output .*/nonexistent/dir/x: No such file' "$WORK/e"

# Docker unreachable: events keep flowing, containers keep their id.
run_container pal-nod "$IMAGE" sleep 300
ID=$(container_id pal-nod)
start_agent --docker-socket /nonexistent.sock || exit 1
docker exec pal-nod /bin/true nodocker$$
ev=$(wait_event ".type==\"execve\" and .container.id==\"$ID\"" 10 nodocker$$)
check "engine unreachable: container id still attributed" expect "$ev" '.container.runtime=="docker" and (.container|has("name")|not)'
stop_agent
