#!/bin/sh
# Configuration and SIGHUP: a bad key refuses to start with file:line; the
# file sink rotates by size and reopens on SIGHUP (logrotate); a SIGHUP with a
# broken rules file keeps the old rules, a good one switches to the new rules
# and the kernel reports the syscalls they need.
. tests/integration/lib.sh

C=sinks-reload

# --- a bad configuration refuses to start, naming file:line ---
cat >"$WORK/bad.yaml" <<'Y'
rules:
  min_priority: LOUD
outputs:
  - type: file
    path: /tmp/x
    rotate_byts: 10
Y
./palisade run --config "$WORK/bad.yaml" >/dev/null 2>"$WORK/e"
rc=$?
check "bad configuration: refused with exit 2" [ $rc -eq 2 ]
check "bad value: file:line and what was expected" \
	grep -q "^$WORK/bad.yaml:2: rules.min_priority: 'LOUD' is not a priority (expected one of EMERGENCY" "$WORK/e"
check "unknown key: file:line and the keys allowed" \
	grep -q "^$WORK/bad.yaml:6: outputs\[0\]: unknown key 'rotate_byts' .*(expected one of .*rotate_bytes" "$WORK/e"
printf 'outputs:\n  - type: syslog\n    transport: carrier-pigeon\n' >"$WORK/syslog.yaml"
./palisade config check "$WORK/syslog.yaml" >/dev/null 2>"$WORK/e"
rc=$?
check "a syslog output with a bad transport is refused with file:line" sh -c \
	"[ $rc -ne 0 ] && grep -q '^$WORK/syslog.yaml:3: .*transport.*carrier-pigeon' '$WORK/e'"
check "config check accepts a good file" sh -c \
	"printf 'enforce: true\nmetrics: {listen: \"127.0.0.1:15162\"}\n' >'$WORK/ok.yaml' && ./palisade config check '$WORK/ok.yaml' | grep -q ': ok'"
./palisade config keys >"$WORK/keys.md"
check "docs/configuration.md lists every key" sh -c \
	"sed -n 's/^| \`\\([^\`]*\\)\`.*/\\1/p' '$WORK/keys.md' | sort -u | while read k; do grep -q \"\\\`\$k\\\`\" docs/configuration.md || { echo \"missing \$k\" >&2; exit 1; }; done"

# --- rotation, reopen on SIGHUP, reload of rules ---
cat >"$WORK/rules_a.yaml" <<'R'
- rule: Reload test A
  desc: marker A ran
  condition: evt.type in (execve, execveat) and proc.name = sinks_a and container.id != host
  output: marker A ran padding the alert so that two fill the rotation size xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (command=%proc.cmdline)
  priority: WARNING
R
cat >"$WORK/rules_b.yaml" <<'R'
- rule: Reload test B
  desc: the marker file was opened
  condition: evt.type in (open, openat) and fd.name = /tmp/sinks_b_marker and container.id != host
  output: marker B opened (command=%proc.cmdline file=%fd.name)
  priority: WARNING
R
cp "$WORK/rules_a.yaml" "$WORK/rules.yaml"
cat >"$WORK/palisade.yaml" <<Y
rules:
  files: [$WORK/rules.yaml]
outputs:
  - {type: file, path: $WORK/rot.json, rotate_bytes: 1800, rotate_keep: 2}
  - {type: file, path: $WORK/main.json}
Y
run_container $C "$IMAGE" sleep 300
docker exec $C ln -s /bin/busybox /tmp/sinks_a
start_agent_with --config "$WORK/palisade.yaml" || exit 1
before=$(sed -n 's/.* \([0-9]*\) syscalls watched.*/\1/p' "$WORK/agent.err")

for n in 1 2 3 4 5 6 7; do
	docker exec $C /tmp/sinks_a true rot$n >/dev/null 2>&1
done
wait_grep rot7 "$WORK/main.json"
sleep 0.5
check "rotation: the current file and two rotated ones" sh -c \
	"[ -s '$WORK/rot.json' ] && [ -s '$WORK/rot.json.1' ] && [ -s '$WORK/rot.json.2' ] && [ ! -e '$WORK/rot.json.3' ]"
check "rotation: no file grows past rotate_bytes" sh -c \
	"[ \$(stat -c %s '$WORK/rot.json') -le 1800 ] && [ \$(stat -c %s '$WORK/rot.json.1') -le 1800 ] && [ \$(stat -c %s '$WORK/rot.json.2') -le 1800 ]"
check "rotation: the newest alerts are kept, whole lines, in order" sh -c \
	"[ \"\$(cat '$WORK/rot.json.2' '$WORK/rot.json.1' '$WORK/rot.json' | jq -r .output | grep -o 'rot[0-9]' | tr -d '\n' | tail -c 12)\" = rot5rot6rot7 ]"

# logrotate: rename, then SIGHUP.
mv "$WORK/main.json" "$WORK/main.json.old"
hup
docker exec $C /tmp/sinks_a true reopened >/dev/null 2>&1
wait_grep reopened "$WORK/main.json"
check "SIGHUP reopens the file: new alerts go to the new file" sh -c \
	"grep -q reopened '$WORK/main.json' && ! grep -q reopened '$WORK/main.json.old'"

# A broken rules file: refused, the old rules keep firing.
printf -- '- rule: Broken\n  condition: evt.type = execve and (\n  output: x\n  priority: WARNING\n  desc: d\n' >"$WORK/rules.yaml"
hup
check "broken rules: the reload is refused with file:line:col" sh -c \
	"grep -q 'reload failed' '$WORK/agent.err' && grep -q '$WORK/rules.yaml:[0-9]*:[0-9]*:' '$WORK/agent.err'"
docker exec $C /tmp/sinks_a true afterbroken >/dev/null 2>&1
check "broken rules: the old rule still fires" wait_grep afterbroken "$WORK/main.json"

# Good new rules: switched, and the kernel now reports openat.
cp "$WORK/rules_b.yaml" "$WORK/rules.yaml"
hup
after=$(sed -n 's/^palisade: reloaded: 2 outputs, syscall interest updated (\([0-9]*\) watched)/\1/p' "$WORK/agent.err")
check "good rules: reloaded, the kernel watches what the new rules need" \
	sh -c "[ -n '$after' ] && [ -n '$before' ] && [ '$after' -ne '$before' ]"
docker exec $C sh -c 'echo x >/tmp/sinks_b_marker; cat /tmp/sinks_b_marker >/dev/null'
docker exec $C /tmp/sinks_a true afterswitch >/dev/null 2>&1
check "good rules: the new rule fires (on a syscall not watched before)" \
	wait_grep 'Reload test B' "$WORK/main.json"
sleep 1
check "good rules: the old rule is gone" sh -c "! grep -q afterswitch '$WORK/main.json'"
stop_agent
check "reload failure counted" grep -q '(1 failed reloads)' "$WORK/agent.err"
