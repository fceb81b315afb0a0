#!/bin/sh
# A SIGHUP reload rebuilds the kernel's pre-filter (docs/prefilter.md): rules
# A need reads under a/, rules B under b/. Under A the kernel drops a read of
# b/; after a reload to B, a read of b/ raises B's alert while reads of a/
# and of an unrelated path are dropped in the kernel (the filter is active
# again, not left off); the reload back to A does the reverse; a reload with
# a broken rules file changes nothing; a reload that brings the first name
# gate (proc.name = tar) cannot know the renames before it, so its classes
# keep every open, and the agent says so.
. tests/integration/lib.sh

C=namegate-reload-$$
T=ngr$$
D=/srv/$T

# rule NAME DIR: a rule on read-only opens below DIR.
rule() {
	printf -- '- rule: %s\n  desc: pre-filter reload test\n  condition: evt.type in (open, openat) and evt.is_open_read=true and fd.name startswith %s/\n  output: %s (file=%%fd.name)\n  priority: WARNING\n' \
		"$1" "$2" "$1"
}
rule "Reload prefilter A" "$D/a" >"$WORK/a.yaml"
rule "Reload prefilter B" "$D/b" >"$WORK/b.yaml"
cp "$WORK/a.yaml" "$WORK/rules.yaml"

run_container "$C" --network none "$IMAGE" sleep 300 || exit 1
docker exec "$C" sh -c "mkdir -p $D/a $D/b && for i in 1 2 3 4; do echo x >$D/a/\$i; echo x >$D/b/\$i; done; echo x >$D/other"

# read_in PATH...: cat in the container, one process per path.
read_in() {
	for f in "$@"; do docker exec "$C" cat "$f" >/dev/null; done
}

# reads_seen PATH: whether an openat of PATH by cat reached user space.
reads_seen() {
	grep -a -F "\"$1\"" "$WORK/events.json" |
		jq -c "select(.type == \"openat\" and .path == \"$1\" and .proc.name == \"cat\")" |
		grep -q .
}

# read_arrives PATH: the openat of PATH by cat reaches the event file; the
# reads before it were written there before it (one ordered stream).
read_arrives() {
	wait_event ".type == \"openat\" and .path == \"$1\" and .proc.name == \"cat\"" 10 "$1" >/dev/null
}

# alert_on RULE PATH: that rule's alert for PATH arrives.
alert_on() {
	wait_alert ".rule == \"$1\" and .output_fields[\"fd.name\"] == \"$2\"" 10 "$2" >/dev/null
}

start_agent --fd-table off --rules "$WORK/rules.yaml" || exit 1
check "rules A: openat is filtered" grep -q '^openat: filtered' "$WORK/agent.err"

# The dropped read comes first: once the kept one is in, it would be too.
read_in "$D/b/1" "$D/a/1"
check "rules A: A's alert for a/1" alert_on "Reload prefilter A" "$D/a/1"
check "rules A: the read of a/1 reached user space" read_arrives "$D/a/1"
check "rules A: the read of b/1 never reached user space" eval '! reads_seen "$D/b/1"'

cp "$WORK/b.yaml" "$WORK/rules.yaml"
check "reload to rules B" hup
check "the reload installs B's filter" sh -c \
	"[ \$(grep -c '^palisade: pre-filter (docs' '$WORK/agent.err') -eq 2 ] && tail -n 20 '$WORK/agent.err' | grep -q '^openat: filtered'"
before=$(prefiltered_now)
read_in "$D/other" "$D/a/2" "$D/b/2"
check "rules B: B's alert for b/2 (a path A's filter dropped)" alert_on "Reload prefilter B" "$D/b/2"
check "rules B: the read of b/2 reached user space" read_arrives "$D/b/2"
check "rules B: the read of a/2 was dropped in the kernel" eval '! reads_seen "$D/a/2"'
check "rules B: the read of an unrelated path was dropped in the kernel" eval '! reads_seen "$D/other"'
after=$(prefiltered_now)
check "rules B: the kernel filter is active (pre-filtered $before -> $after)" \
	test "${after:-0}" -gt "${before:-0}"

cp "$WORK/a.yaml" "$WORK/rules.yaml"
check "reload back to rules A" hup
before=$(prefiltered_now)
read_in "$D/other" "$D/b/3" "$D/a/3"
check "rules A again: A's alert for a/3" alert_on "Reload prefilter A" "$D/a/3"
check "rules A again: the read of a/3 reached user space" read_arrives "$D/a/3"
check "rules A again: the read of b/3 was dropped in the kernel" eval '! reads_seen "$D/b/3"'
after=$(prefiltered_now)
check "rules A again: the kernel filter is active (pre-filtered $before -> $after)" \
	test "${after:-0}" -gt "${before:-0}"

printf -- '- rule: broken\n  condition: (\n' >"$WORK/rules.yaml"
hup
check "a broken rules file: the reload fails" grep -q '^palisade: reload failed' "$WORK/agent.err"
read_in "$D/b/4" "$D/a/4"
check "after the failed reload: A's alert for a/4" alert_on "Reload prefilter A" "$D/a/4"
check "after the failed reload: the read of a/4 reached user space" read_arrives "$D/a/4"
check "after the failed reload: b/4 is still dropped in the kernel" eval '! reads_seen "$D/b/4"'
check "no B alert after the reload back to A" sh -c \
	"! grep -F 'Reload prefilter B' '$WORK/alerts.json' | grep -Eq '$D/b/[34]'"

{
	cat "$WORK/a.yaml"
	printf -- '- rule: Reload prefilter tar\n  desc: pre-filter reload test\n  condition: evt.type in (open, openat) and evt.is_open_read=true and proc.name = tar\n  output: tar read (file=%%fd.name)\n  priority: WARNING\n'
} >"$WORK/rules.yaml"
check "reload to rules with a name gate" hup
check "the new filter has the name gate" grep -q 'any path of processes named tar' "$WORK/agent.err"
prefiltered_now >/dev/null
check "the gate keeps everything: no rename was followed before" \
	grep -q 'pre-filter: the name gate keeps every open it covers' "$WORK/agent.err"
read_in "$D/b/4"
check "a read the gate alone would drop reaches user space" read_arrives "$D/b/4"
