#!/bin/sh
# `config check` says what `run` refuses, in the same words, before run starts
# anything (issue 12: it said "ok" for a webhook file:///etc/shadow, metrics
# 999.1.1.1:70000 and a syslog address "[::1", which run refused).
. tests/integration/lib.sh

same() { # same NAME FILE: config check and run both refuse, with the same lines
	./palisade config check "$2" >"$WORK/check.out" 2>"$WORK/check.err"
	crc=$?
	timeout 20 ./palisade run --no-docker --config "$2" >/dev/null 2>"$WORK/run.err"
	rrc=$?
	grep '^palisade: ' "$WORK/check.err" | grep -v '^palisade: rules: ' >"$WORK/check.lines"
	grep '^palisade: ' "$WORK/run.err" | grep -v '^palisade: rules: ' >"$WORK/run.lines"
	check "$1: config check refuses it (exit $crc)" [ "$crc" -eq 1 ]
	check "$1: run refuses it (exit $rrc)" [ "$rrc" -ne 0 ]
	check "$1: with the same messages" sh -c "[ -s '$WORK/check.lines' ] && cmp -s '$WORK/check.lines' '$WORK/run.lines'"
	check "$1: run loaded no sensor" sh -c "! grep -q 'palisade: loaded' '$WORK/run.err'"
}

cat >"$WORK/webhook.yaml" <<'Y'
outputs:
  - type: webhook
    url: file:///etc/shadow
Y
same "webhook file:///etc/shadow" "$WORK/webhook.yaml"
cat >"$WORK/syslog.yaml" <<'Y'
outputs:
  - type: syslog
    transport: tcp
    address: "[::1"
Y
same "syslog address [::1" "$WORK/syslog.yaml"
cat >"$WORK/metrics.yaml" <<'Y'
metrics:
  listen: 999.1.1.1:7000
Y
same "metrics host 999.1.1.1" "$WORK/metrics.yaml"
ln -s /etc/shadow "$WORK/link"
cat >"$WORK/file.yaml" <<Y
outputs:
  - type: file
    path: $WORK/link
Y
same "file output through a link" "$WORK/file.yaml"
printf 'not an audit log\n' >"$WORK/notaudit"
cat >"$WORK/audit.yaml" <<Y
outputs:
  - type: audit_log
    path: $WORK/notaudit
Y
same "audit_log onto another kind of file" "$WORK/audit.yaml"
cat >"$WORK/rules.yaml" <<Y
rules:
  files: [$WORK/missing-rules.yaml]
Y
same "a rules file that does not exist" "$WORK/rules.yaml"

# Refused by the parser itself, for the file and the flag alike.
cat >"$WORK/port.yaml" <<'Y'
metrics:
  listen: 127.0.0.1:70000
Y
./palisade config check "$WORK/port.yaml" 2>"$WORK/e"
check "metrics port 70000: file:line" grep -q "port.yaml:2: metrics.listen: '127.0.0.1:70000': port '70000' is not a number" "$WORK/e"
./palisade run --metrics 999.1.1.1:70000 2>"$WORK/e"
check "--metrics 999.1.1.1:70000 on the command line: the same check" grep -q "port '70000' is not a number" "$WORK/e"

cat >"$WORK/good.yaml" <<Y
outputs:
  - type: file
    path: $WORK/alerts.json
metrics:
  listen: 127.0.0.1:21215
Y
./palisade config check "$WORK/good.yaml" >"$WORK/out" 2>&1
check "a good configuration: ok" grep -q "good.yaml: ok (1 output)" "$WORK/out"
check "checking created nothing" [ ! -e "$WORK/alerts.json" ]
