#!/bin/sh
# The docs' tables printed from the binary's tables (settings, sink types,
# Falco's keys and flags) are what the binary prints: scripts/gen-docs.sh
# --check finds any block that differs (issue 15: docs/syslog.md documented
# keys `config check` refused).
. tests/integration/lib.sh

check "the generated parts of docs/*.md match ./palisade (sh scripts/gen-docs.sh --check)" \
	sh scripts/gen-docs.sh --check
# Every key the syslog page lists is accepted by `config check`.
printf 'outputs:\n  - type: syslog\n    facility: ntp\n    max_message: 1000\n    timeout_ms: 100\n    sd_id: example@1.2.3\n' >"$WORK/syslog.yaml"
check "syslog: facility ntp, max_message, timeout_ms and sd_id pass config check" \
	sh -c "./palisade config check '$WORK/syslog.yaml' >/dev/null"
for f in audit alert clock; do
	printf 'outputs:\n  - type: syslog\n    facility: %s\n' "$f" >"$WORK/f.yaml"
	check "syslog: facility $f passes config check" sh -c "./palisade config check '$WORK/f.yaml' >/dev/null"
done
