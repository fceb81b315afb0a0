#!/bin/sh
# The pre-filter's raw-path gate (docs/prefilter.md): Falco's "Directory
# traversal monitored file read" reads fd.nameraw, the caller's own string,
# so with the pre-filter on the kernel keeps a read-only open whose string
# contains "../" (the alert arrives) and still drops the same file opened
# by its plain name (no alert, counted as pre-filtered).
. tests/integration/lib.sh

need_falco_rules falco_rules.yaml
start_agent --rules $F/falco_rules.yaml || exit 1
check "read-only opens are gated by the caller's string" \
	grep -q "^openat: filtered.*read-only opens on the host: .*containing '\.\./'" "$WORK/agent.err"
before=$(prefiltered_now)
# timeout is the parent: the rule ignores reads whose parent is a shell.
timeout 5 cat /etc/../../etc/passwd >/dev/null
a=$(wait_alert '.rule=="Directory traversal monitored file read" and .output_fields["fd.nameraw"]=="/etc/../../etc/passwd"')
check "Directory traversal fires with the pre-filter on" expect "$a" '.output_fields["fd.name"]=="/etc/passwd"'
# Every ".." of this string straddles two 8-byte words (bytes 7-8 and
# 15-16): the kernel's word-at-a-time scan must still see one.
timeout 5 cat /./././../././/../etc/passwd >/dev/null
a=$(wait_alert '.rule=="Directory traversal monitored file read" and .output_fields["fd.nameraw"]=="/./././../././/../etc/passwd"')
check "a '..' across a word boundary is kept too" expect "$a" '.output_fields["fd.name"]=="/etc/passwd"'
timeout 5 cat /etc/passwd >/dev/null
timeout 5 cat /etc/passwd >/dev/null
sleep 1
after=$(prefiltered_now)
check "the same file by its plain name is dropped in the kernel (pre-filtered $before -> $after)" \
	test "${after:-0}" -gt "${before:-0}"
check "and raises nothing" sh -c "[ \$(grep -c 'Directory traversal' '$WORK/alerts.json') -eq 2 ]"

# Each class visits its own pieces (struct pf_raw_span): the read-only class
# keeps a string with the second of its two pieces, and a piece only the
# write opens' class has ("zw") keeps no read (the kernel drops it: no event).
stop_agent
d=$WORK/pfraw
mkdir -p "$d/zq2" "$d/zw" && echo x >"$d/zq2/f" && echo x >"$d/zw/f"
cat >"$WORK/spans.yaml" <<EOF
- rule: read spelled with a piece
  desc: a read of a path spelled with either piece
  condition: evt.type=openat and evt.is_open_read=true and (fd.nameraw contains zq1 or fd.nameraw contains zq2)
  output: read %fd.nameraw
  priority: WARNING
- rule: write spelled with a piece
  desc: a write of a path spelled with zw
  condition: evt.type=openat and evt.is_open_write=true and fd.nameraw contains zw
  output: write %fd.nameraw
  priority: WARNING
EOF
start_agent --rules "$WORK/spans.yaml" || exit 1
check "the read-only class has two pieces, another class a third" \
	grep -q "^openat: filtered;.* opens on the host: [^;]*containing 'zw'; read-only opens on the host: 0 paths/prefixes + any path opened as a string containing 'zq1' + any path opened as a string containing 'zq2'$" "$WORK/agent.err"
timeout 5 cat "$d/zw/f" >/dev/null
timeout 5 cat "$d/zq2/f" >/dev/null
sh -c "echo y >>'$d/zw/f'"
a=$(wait_alert ".rule==\"read spelled with a piece\"" 10 "$d/zq2/f")
check "a read spelled with the class's second piece is kept" expect "$a" ".output_fields[\"fd.nameraw\"]==\"$d/zq2/f\""
a=$(wait_alert ".rule==\"write spelled with a piece\"" 10 "$d/zw/f")
check "a write spelled with its class's piece is kept" expect "$a" ".output_fields[\"fd.nameraw\"]==\"$d/zw/f\""
check "a read spelled with another class's piece is dropped in the kernel (no event)" \
	test -z "$(grep -F "\"$d/zw/f\"" "$WORK/events.json" |
		jq -c "select(.type==\"openat\" and .path==\"$d/zw/f\" and .proc.name==\"cat\")")"
