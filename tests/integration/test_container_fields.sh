#!/bin/sh
# Falco's container.* fields from the Engine API's inspect data: each with a
# container that has the property and one that has not; Falco's sandbox rule
# "Launch Sensitive Mount Container" fires on a /proc mount, not on a plain
# container.
. tests/integration/lib.sh

T=cf$$
FIELDS="$WORK/fields.yaml"
cat >"$FIELDS" <<YAML
- rule: palisade test container fields
  desc: every container field, on a marked exec
  condition: evt.type = execve and container.id != host and proc.cmdline contains "$T"
  output: >
    mounts=%container.mounts dest=%container.mount.dest[/proc*] src=%container.mount.source[/hostproc]
    m0=%container.mount[0] mode=%container.mount.mode[0] rdwr=%container.mount.rdwr[/proc]
    prop=%container.mount.propagation[0] hc=%container.healthcheck ishc=%proc.is_container_healthcheck
    start=%container.start_ts dur=%container.duration ip=%container.ip hpid=%container.host_pid
    hipc=%container.host_ipc priv=%container.privileged repo=%container.image.repository
    tag=%container.image.tag digest=%container.image.digest cmd=%proc.cmdline
  priority: INFO
  tags: [palisade_test]
YAML
SANDBOX=
no_sandbox=$(falco_rules_missing falco-sandbox_rules.yaml) || SANDBOX=$(falco_rules_dir)/falco-sandbox_rules.yaml
start_agent --rules "$FIELDS" ${SANDBOX:+--rules "$SANDBOX"} || exit 1

# With: a read-only bind of /proc, a HEALTHCHECK, the host's pid and IPC
# namespaces. Without: nothing of the kind.
run_container $T-yes -v /proc:/hostproc:ro --health-cmd "true $T-probe" --health-interval 1s \
	--pid host --ipc host "$IMAGE" sleep 60
run_container $T-no "$IMAGE" sleep 60
# The sandbox rule looks at a container's pid 1 (not in the host's pid
# namespace as $T-yes is).
run_container $T-mnt -v /proc:/hostproc:ro "$IMAGE" sleep 60
docker exec $T-yes sh -c ": $T-yes"
docker exec $T-no sh -c ": $T-no"

field() { printf '%s\n' "$1" | jq -r '.output_fields["'"$2"'"] | tostring'; }
a=$(wait_alert ".output_fields[\"proc.cmdline\"]|contains(\": $T-yes\")" 10 "$T-yes")
b=$(wait_alert ".output_fields[\"proc.cmdline\"]|contains(\": $T-no\")" 10 "$T-no")
check "container.mounts lists the bind mount; empty without mounts" sh -c \
	"[ '$(field "$a" container.mounts)' = /proc:/hostproc:ro:false:rprivate ] && [ '$(field "$b" container.mounts)' = '' ]"
check "container.mount.dest[/proc*] is its destination; N/A without" sh -c \
	"[ '$(field "$a" 'container.mount.dest[/proc*]')' = /hostproc ] && [ '$(field "$b" 'container.mount.dest[/proc*]')' = N/A ]"
check "container.mount.source[/hostproc] finds the source by destination" \
	[ "$(field "$a" 'container.mount.source[/hostproc]')" = /proc ]
check "container.mount[0], .mode, .rdwr, .propagation" sh -c \
	"[ '$(field "$a" 'container.mount[0]')' = /proc:/hostproc:ro:false:rprivate ] && [ '$(field "$a" 'container.mount.mode[0]')' = ro ] && [ '$(field "$a" 'container.mount.rdwr[/proc]')' = false ] && [ '$(field "$a" 'container.mount.propagation[0]')' = rprivate ] && [ '$(field "$b" 'container.mount.mode[0]')' = N/A ]"
check "container.healthcheck is the probe's command; NONE without" sh -c \
	"[ '$(field "$a" container.healthcheck)' = '/bin/sh -c true $T-probe' ] && [ '$(field "$b" container.healthcheck)' = NONE ]"
check "container.host_pid and host_ipc true with --pid/--ipc host, false without" sh -c \
	"[ '$(field "$a" container.host_pid)' = true ] && [ '$(field "$a" container.host_ipc)' = true ] && [ '$(field "$b" container.host_pid)' = false ] && [ '$(field "$b" container.host_ipc)' = false ]"
want=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' $T-no)
check "container.ip is the engine's address" [ "$(field "$b" container.ip)" = "$want" ]
want=$(date -u -d "$(docker inspect -f '{{.State.StartedAt}}' $T-yes)" +%s%N)
got=$(printf '%s\n' "$a" | jq -r .output | sed -n 's/.* start=\([0-9]*\) .*/\1/p') # jq's numbers are doubles
check "container.start_ts is State.StartedAt ($want), container.duration counts from it" sh -c \
	"[ '$got' = '$want' ] && [ '$(field "$a" container.duration)' -gt 0 ]"
check "container.privileged false, image repository and tag, no digest for a local image" sh -c \
	"[ '$(field "$a" container.privileged)' = false ] && [ '$(field "$a" container.image.repository)' = '${IMAGE%:*}' ] && [ '$(field "$a" container.image.tag)' = '${IMAGE##*:}' ] && [ '$(field "$a" container.image.digest)' = null ]"
check "proc.is_container_healthcheck false for a docker exec" [ "$(field "$a" proc.is_container_healthcheck)" = false ]
# The probe itself (docker runs it every second) carries the marker too.
p=$(wait_alert ".output_fields[\"proc.cmdline\"]|contains(\"true $T-probe\")" 15 "$T-probe")
check "proc.is_container_healthcheck true for the HEALTHCHECK's command" [ "$(field "$p" proc.is_container_healthcheck)" = true ]

if [ -z "$SANDBOX" ]; then
	skip "Launch Sensitive Mount Container: $no_sandbox"
else
	a=$(wait_alert ".rule==\"Launch Sensitive Mount Container\" and .output_fields[\"container.name\"]==\"$T-mnt\"" 10 "$T-mnt")
	check "Launch Sensitive Mount Container fires on a container with /proc mounted" expect "$a" \
		'(.output|contains("mounts=/proc:/hostproc"))'
	check "near miss: it does not fire on a container without mounts" sh -c \
		"! grep -F '$T-no' '$WORK/alerts.json' | jq -e 'select(.rule==\"Launch Sensitive Mount Container\")' >/dev/null"
fi
