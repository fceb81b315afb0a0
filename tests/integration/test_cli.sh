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
./palisade run --rules /nonexistent/rules.d --rules /nonexistent/b.yaml --output none 2>"$WORK/e"
check "a missing rules path is named, every one of them (they were 'problems above' with none above)" \
	sh -c "grep -q '^/nonexistent/rules.d: No such file' '$WORK/e' && grep -q '^/nonexistent/b.yaml: No such file' '$WORK/e'"

# Docker unreachable: events keep flowing, containers keep their id.
run_container pal-nod "$IMAGE" sleep 300
ID=$(container_id pal-nod)
start_agent --docker-socket /nonexistent.sock || exit 1
docker exec pal-nod /bin/true nodocker$$
ev=$(wait_event ".type==\"execve\" and .container.id==\"$ID\"" 10 nodocker$$)
check "engine unreachable: container id still attributed" expect "$ev" '.container.runtime=="docker" and (.container|has("name")|not)'
stop_agent

# Issue 15: `run -c FILE` reads FILE (it was ignored: the embedded rules and
# stdout ran instead). A file with a bad key is refused, naming FILE:line;
# a good one's rules are the ones loaded.
printf 'rules:\n  min_priorty: ERROR\n' >"$WORK/bad.yaml"
timeout 20 ./palisade run -c "$WORK/bad.yaml" --dry-run >/dev/null 2>"$WORK/e"
rc=$?
check "run -c FILE reads FILE: a bad key is refused with FILE:line (exit $rc)" sh -c \
	"[ $rc -eq 2 ] && grep -q '^$WORK/bad.yaml:2: unknown key' '$WORK/e'"
cat >"$WORK/one.yaml" <<'R'
- rule: cli one rule
  desc: never fires
  condition: evt.type = execve and proc.name = palisade-cli-none
  output: never
  priority: WARNING
R
printf 'rules:\n  files: [%s]\n' "$WORK/one.yaml" >"$WORK/good.yaml"
timeout 20 ./palisade run -c "$WORK/good.yaml" --dry-run >/dev/null 2>"$WORK/e"
check "run -c FILE: FILE's rules are loaded (1 rule, not the embedded set)" \
	grep -q 'rules: 1 loaded (1 enabled) from files' "$WORK/e"

# Falco's flags keep Falco's meaning, or are refused naming palisade's way.
timeout 20 ./palisade run -o "$WORK/trap.json" >/dev/null 2>"$WORK/e"
rc=$?
check "run -o FILE (Falco's -o is KEY=VALUE) is refused, naming --output (exit $rc)" sh -c \
	"[ $rc -eq 2 ] && grep -q \"expected KEY=VALUE, as in Falco (to write alerts to a file: --output FILE)\" '$WORK/e' && [ ! -e '$WORK/trap.json' ]"
timeout 20 ./palisade run -c "$WORK/good.yaml" -o rules.min_priority=ERROR -r "$WORK/one.yaml" \
	-r "$WORK/one.yaml" --dry-run >/dev/null 2>"$WORK/e"
check "run -o KEY=VALUE and -r RULES (repeatable) as in Falco" \
	grep -q 'rules: 1 loaded (0 enabled) from files' "$WORK/e"
for f in -A --cri -p -P -S --support --list-plugins --page-size; do
	case $f in --cri | -p | -P | -S) arg=x ;; *) arg= ;; esac
	timeout 20 ./palisade run $f $arg >/dev/null 2>"$WORK/e"
	rc=$?
	check "run $f: refused with palisade's way (exit $rc)" sh -c \
		"[ $rc -eq 2 ] && grep -q ': refused: ' '$WORK/e'"
done
./palisade run -L -r "$WORK/one.yaml" >"$WORK/o" 2>&1
check "run -L lists the rules of -r" grep -q '^cli one rule' "$WORK/o"
./palisade run -l "cli one rule" -r "$WORK/one.yaml" >"$WORK/o" 2>&1
check "run -l RULE describes it" grep -q 'priority Warning, enabled' "$WORK/o"
./palisade run --list=syscall -N >"$WORK/o" 2>&1
check "run --list=syscall -N lists field names" grep -qx 'proc.name' "$WORK/o"
./palisade run --list-events >"$WORK/o" 2>&1
check "run --list-events lists event types" grep -qx 'execve' "$WORK/o"
./palisade run -V "$WORK/one.yaml" >"$WORK/o" 2>&1
check "run -V FILE validates it" grep -q '^ok: 1 rules' "$WORK/o"
./palisade run --version >"$WORK/o" 2>&1
check "run --version" grep -q '^palisade .* (Falco rules engine ' "$WORK/o"
timeout 20 ./palisade run -t a -T b >/dev/null 2>"$WORK/e"
check "run -t with -T is refused, as in Falco" grep -q -- '-t does not go with -D or -T' "$WORK/e"
# -M N stops by itself; -D disables by substring.
timeout 60 ./palisade run -r "$WORK/one.yaml" -D "one" -M 2 --output none --status-socket none \
	>/dev/null 2>"$WORK/e"
rc=$?
check "run -M 2 stops after 2 s (exit $rc); -D one disabled the rule" sh -c \
	"[ $rc -eq 0 ] && grep -q 'duration: 2 seconds passed' '$WORK/e' && grep -q 'rules: 1 loaded (0 enabled)' '$WORK/e'"
# Every subcommand's options go through src/cli: one wording, exit 2, for an
# unknown option, a missing value and a bad number; --help is exit 0 on stdout.
for cmd in "tail" "profile learn" "profile check" "image sign" "audit" "status" "isolate" \
	"incidents" "rules check" "rules list" "fields" "fim init" "flows" "authz" "policy explain" \
	"policy enforce"; do
	# shellcheck disable=SC2086
	./palisade $cmd --no-such-option >/dev/null 2>"$WORK/e"
	rc=$?
	check "$cmd: an unknown option is named, exit 2 (exit $rc)" sh -c "[ $rc -eq 2 ] &&
		grep -q -- '^palisade ${cmd%% *}.*: --no-such-option: unknown option (see \`palisade ' '$WORK/e'"
	# shellcheck disable=SC2086
	./palisade $cmd --help >"$WORK/o" 2>"$WORK/e"
	rc=$?
	check "$cmd --help: usage on stdout, exit 0 (exit $rc)" sh -c "[ $rc -eq 0 ] &&
		grep -qi 'usage' '$WORK/o' && [ ! -s '$WORK/e' ]"
done
./palisade status --socket 2>"$WORK/e"
check "a missing value is named" sh -c "[ $? -eq 2 ] &&
	grep -q -- '^palisade status: --socket: needs a value (see \`palisade status --help\`)' '$WORK/e'"
./palisade incidents --limit 0 2>"$WORK/e"
check "a bad number is named with its bounds" sh -c "[ $? -eq 2 ] &&
	grep -q -- '^palisade incidents: --limit 0: expected a whole number from 1 to 10000' '$WORK/e'"
