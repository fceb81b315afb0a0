#!/bin/sh
# Falco's own stable rules, loaded unchanged, fire on the real behaviour in a
# real container; the benign near-miss stays silent. Alerts are Falco-schema.
. tests/integration/lib.sh

RULES=../shared/data/falco-rules/falco_rules.yaml
run_container pal-fr "$IMAGE" sleep 300
ID=$(container_id pal-fr)
# The busybox image has no shadow file: give it one before the agent watches.
docker exec pal-fr sh -c "echo 'root:*:19000:0:99999:7:::' > /etc/shadow"
start_agent --rules "$RULES" || exit 1
T=f$$


docker exec pal-fr sh -c "cat /etc/shadow >/dev/null 2>&1; cat /etc/hostname >/dev/null; : $T"
a=$(wait_alert '.rule=="Read sensitive file untrusted"')
check "Read sensitive file untrusted fires on cat /etc/shadow in a container" expect "$a" \
	'.output_fields["fd.name"]=="/etc/shadow" and .output_fields["proc.exepath"]=="/bin/busybox" and .output_fields["evt.type"]=="openat"'
check "alert is Falco-schema JSON" expect "$a" \
	'(.hostname|type)=="string" and (.output|type)=="string" and .priority=="Warning" and .source=="syscall" and (.tags|type)=="array" and (.time|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$"))'
check "alert names its container" expect "$a" \
	'.output_fields["container.name"]=="pal-fr" and (.output|contains("pal-fr"))'
check "near miss: reading /etc/hostname raises nothing" sh -c \
	"! jq -e 'select(.output_fields[\"fd.name\"]==\"/etc/hostname\")' '$WORK/alerts.json' >/dev/null"

docker exec pal-fr ln -s /etc/shadow /tmp/$T-sh
docker exec pal-fr ln -s /etc/hostname /tmp/$T-ok
a=$(wait_alert '.rule=="Create Symlink Over Sensitive Files"')
check "Create Symlink Over Sensitive Files fires" expect "$a" '.output_fields["fs.path.target"]=="/etc/shadow" or (.output|contains("/etc/shadow"))'
sleep 1
check "near miss: symlink to /etc/hostname raises nothing" sh -c \
	"! jq -e 'select(.output_fields[\"proc.cmdline\"]|tostring|contains(\"$T-ok\"))' '$WORK/alerts.json' >/dev/null"
stop_agent
