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
