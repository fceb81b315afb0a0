#!/bin/sh
# The agent, configured by file, sends a real container's alert to a real
# rsyslogd over UDP (RFC 5424) and TCP (octet counting, RFC 3164 on a second
# sink) and into the hash-chained audit log, which `palisade log verify`
# accepts and which a changed byte breaks. Ports 15144-15145 (loopback).
. tests/integration/lib.sh

RSYSLOG_PID=
trap '[ -n "$RSYSLOG_PID" ] && kill "$RSYSLOG_PID" 2>/dev/null; cleanup' EXIT INT TERM
C=siem-out
UDP=15144
TCP=15145

cat >"$WORK/rsyslog.conf" <<R
global(workDirectory="$WORK")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="$UDP" ruleset="got")
input(type="imtcp" address="127.0.0.1" port="$TCP" ruleset="got")
template(name="fields" type="string" string="%PROTOCOL-VERSION%|%APP-NAME%|%MSGID%|%STRUCTURED-DATA%|%syslogseverity-text%|%syslogfacility-text%|%msg%\n")
ruleset(name="got") {
  action(type="omfile" file="$WORK/received.log" template="fields")
}
R
rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslogd.pid" >"$WORK/rsyslogd.log" 2>&1 &
RSYSLOG_PID=$!

cat >"$WORK/rules.yaml" <<'R'
- rule: SIEM test marker
  desc: the SIEM test ran its marker program
  condition: evt.type in (execve, execveat) and proc.name = siem_mark and container.id != host
  output: siem marker ran (command=%proc.cmdline)
  priority: ERROR
  tags: [palisade_test]
R
head -c 32 /dev/urandom >"$WORK/hmac.key"
chmod 600 "$WORK/hmac.key"
cat >"$WORK/palisade.yaml" <<Y
rules:
  files: [$WORK/rules.yaml]
outputs:
  - type: file
    path: $WORK/alerts.json
  - type: syslog
    name: udp5424
    transport: udp
    address: 127.0.0.1:$UDP
    facility: local3
    sd_id: palisade@99999
  - type: syslog
    name: tcp3164
    transport: tcp
    address: 127.0.0.1:$TCP
    format: rfc3164
  - type: audit_log
    path: $WORK/audit.log
    hmac_key_file: $WORK/hmac.key
Y
check "the configuration is accepted" ./palisade config check "$WORK/palisade.yaml"

run_container $C "$IMAGE" sleep 300
docker exec $C ln -s /bin/busybox /tmp/siem_mark
start_agent_with --config "$WORK/palisade.yaml" || exit 1
for n in 1 2 3; do docker exec $C /tmp/siem_mark true "n$n" >/dev/null 2>&1; done

check "three alerts in the file output" wait_grep "SIEM test marker" "$WORK/alerts.json" 15 3
check "rsyslog received the RFC 5424 messages over UDP" wait_grep '^1|palisade|alert|' "$WORK/received.log" 15 3
check "rsyslog received the RFC 3164 messages over TCP" wait_grep '^0|palisade|' "$WORK/received.log" 15 3
line=$(grep '^1|palisade|alert|' "$WORK/received.log" | head -1)
check "RFC 5424: structured data names the rule, priority and container" sh -c \
	"printf '%s\n' '$line' | grep -q 'rule=\"SIEM test marker\"' &&
	 printf '%s\n' '$line' | grep -q 'priority=\"Error\"' &&
	 printf '%s\n' '$line' | grep -q 'container_name=\"$C\"'"
check "RFC 5424: the configured SD-ID (sd_id), not the example number" sh -c \
	"printf '%s\n' '$line' | grep -q '|\[palisade@99999 rule='"
cid=$(grep -F 'SIEM test marker' "$WORK/alerts.json" | head -1 | jq -r '.output_fields["container.id"]')
check "RFC 5424: container_id is the alert JSON's container.id (12 characters)" sh -c \
	"[ ${#cid} -eq 12 ] && printf '%s\n' '$line' | grep -q 'container_id=\"$cid\"'"
check "RFC 5424: severity err, facility local3, the output as the message" sh -c \
	"printf '%s\n' '$line' | grep -q '|err|local3|.*siem marker ran'"
stop_agent

./palisade log verify --hmac-key "$WORK/hmac.key" "$WORK/audit.log" >"$WORK/verify.out" 2>&1
check "the audit log verifies: 3 records" grep -q '^OK: 3 records' "$WORK/verify.out"
cp "$WORK/audit.log" "$WORK/tampered.log"
# Change one character of the second record's output.
sed -i '2s/siem marker ran/siem marker RAN/' "$WORK/tampered.log"
./palisade log verify --hmac-key "$WORK/hmac.key" "$WORK/tampered.log" >"$WORK/verify2.out" 2>&1
rc=$?
check "a changed record is found (exit 1, line 2 named)" sh -c \
	"[ $rc -eq 1 ] && grep -q ':2' '$WORK/verify2.out'"
