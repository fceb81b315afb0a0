#!/bin/sh
# Falco's own stable rules, loaded unchanged, fire on the real behaviour in a
# real container; the benign near-miss stays silent. Alerts are Falco-schema.
. tests/integration/lib.sh
# Alerts of this test's containers only (pal-fr*): other tests on a shared
# host raise the same rules. An alert without container.name is kept.
wait_alert() {
	wait_json "$WORK/alerts.json" alert \
		"($1) and ((.output_fields[\"container.name\"] // \"pal-fr\") | startswith(\"pal-fr\"))" \
		"${2:-10}" "${3:-\"rule\"}"
}

need_falco_rules falco_rules.yaml
RULES=$F/falco_rules.yaml
run_container pal-fr "$IMAGE" sleep 300
# A container with the capabilities two escape rules look for.
run_container pal-fr-cap --cap-add SYS_ADMIN --cap-add SYS_MODULE --cap-add SYS_PTRACE "$IMAGE" sleep 300
ID=$(container_id pal-fr)
# "Contact K8S API Server From Container" compares the server with the name
# kubernetes.default.svc.cluster.local: point that name (host /etc/hosts, as
# a cluster's DNS would) at a listener on a network this test creates.
K8S_NAME=kubernetes.default.svc.cluster.local
docker network rm pal-fr-net >/dev/null 2>&1
docker network create pal-fr-net >/dev/null
trap 'sed -i "/# palisade-test-k8s/d" /etc/hosts; cleanup; docker network rm pal-fr-net >/dev/null 2>&1' EXIT INT TERM
run_container pal-fr-api --network pal-fr-net "$IMAGE" nc -ll -p 15443 -e true
run_container pal-fr-other --network pal-fr-net "$IMAGE" nc -ll -p 15443 -e true
run_container pal-fr-cli --network pal-fr-net "$IMAGE" sleep 300
API_IP=$(docker inspect -f '{{(index .NetworkSettings.Networks "pal-fr-net").IPAddress}}' pal-fr-api)
OTHER_IP=$(docker inspect -f '{{(index .NetworkSettings.Networks "pal-fr-net").IPAddress}}' pal-fr-other)
sed -i "/# palisade-test-k8s/d" /etc/hosts
echo "$API_IP $K8S_NAME # palisade-test-k8s" >>/etc/hosts
# The busybox image has no shadow file: give it one before the agent watches.
docker exec pal-fr sh -c "echo 'root:*:19000:0:99999:7:::' > /etc/shadow"
# A kernel built without modules has no init_module tracepoint: the module
# load attempt below is then seen only by the raw sys_exit hook.
HOOK=
[ -d /sys/kernel/tracing/events/syscalls/sys_exit_finit_module ] || HOOK="--syscall-hook raw"
start_agent --rules "$RULES" $HOOK || exit 1
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

# Drop and execute: a binary copied into the container's writable layer.
docker exec pal-fr sh -c "mkdir /tmp/$T-d && cp /bin/busybox /tmp/$T-d/true && /tmp/$T-d/true && /bin/busybox true"
a=$(wait_alert '.rule=="Drop and execute new binary in container"')
check "Drop and execute new binary in container fires on a copied binary" expect "$a" \
	".output_fields[\"proc.exepath\"]==\"/tmp/$T-d/true\" and .output_fields[\"container.name\"]==\"pal-fr\" and .priority==\"Critical\""
check "near miss: the image's own /bin/busybox is not reported" sh -c \
	"! jq -e 'select(.rule==\"Drop and execute new binary in container\" and .output_fields[\"proc.exepath\"]==\"/bin/busybox\")' '$WORK/alerts.json' >/dev/null"

# release_agent written by root with CAP_SYS_ADMIN; the same write without it.
docker exec pal-fr-cap sh -c "mkdir -p /tmp/$T-cg && echo /x > /tmp/$T-cg/release_agent"
docker exec pal-fr sh -c "mkdir -p /tmp/$T-ng && echo /x > /tmp/$T-ng/release_agent"
a=$(wait_alert '.rule=="Detect release_agent File Container Escapes"')
check "Detect release_agent File Container Escapes fires with CAP_SYS_ADMIN" expect "$a" \
	".output_fields[\"fd.name\"]==\"/tmp/$T-cg/release_agent\" and (.output_fields[\"thread.cap_effective\"]|contains(\"CAP_SYS_ADMIN\")) and .output_fields[\"container.name\"]==\"pal-fr-cap\""
check "near miss: the same write without CAP_SYS_ADMIN raises nothing" sh -c \
	"! jq -e 'select(.rule==\"Detect release_agent File Container Escapes\" and .output_fields[\"container.name\"]==\"pal-fr\")' '$WORK/alerts.json' >/dev/null"

# A kernel module load attempt (a file that is no module: the kernel refuses
# it) from a container holding CAP_SYS_MODULE; the same without it.
docker exec pal-fr-cap sh -c "echo notamodule > /tmp/$T.ko; insmod /tmp/$T.ko; true" 2>/dev/null
docker exec pal-fr sh -c "echo notamodule > /tmp/$T.ko; insmod /tmp/$T.ko; true" 2>/dev/null
a=$(wait_alert '.rule=="Linux Kernel Module Injection Detected"')
check "Linux Kernel Module Injection Detected fires with CAP_SYS_MODULE" expect "$a" \
	"(.output_fields[\"evt.type\"]|test(\"init_module\")) and .output_fields[\"container.name\"]==\"pal-fr-cap\" and (.output_fields[\"evt.res\"]!=\"SUCCESS\")"
check "near miss: without CAP_SYS_MODULE nothing is raised" sh -c \
	"! jq -e 'select(.rule==\"Linux Kernel Module Injection Detected\" and .output_fields[\"container.name\"]==\"pal-fr\")' '$WORK/alerts.json' >/dev/null"

# busybox applets under their own names (a symlink sets comm, as a real
# nc or find would): Falco's process-name rules see them as such.
docker exec pal-fr sh -c "ln -sf /bin/busybox /tmp/nc; ln -sf /bin/busybox /tmp/find"
docker exec pal-fr sh -c "/tmp/nc -w 1 -e /bin/true 127.0.0.1 9; /tmp/nc -w 1 127.0.0.1 9 </dev/null; true" >/dev/null 2>&1
a=$(wait_alert '.rule=="Netcat Remote Code Execution in Container"')
check "Netcat Remote Code Execution in Container fires on nc -e" expect "$a" \
	'(.output_fields["proc.cmdline"]|contains("-e /bin/true")) and .output_fields["container.name"]=="pal-fr"'
docker exec pal-fr sh -c "/tmp/find /etc -name id_rsa; /tmp/find /root -path '*/.aws/credentials'; /tmp/find /etc -name hostname" >/dev/null 2>&1
a=$(wait_alert '.rule=="Search Private Keys or Passwords"')
check "Search Private Keys or Passwords fires on find -name id_rsa" expect "$a" \
	'(.output_fields["proc.cmdline"]|contains("id_rsa")) and .output_fields["proc.name"]=="find"'
a=$(wait_alert '.rule=="Find AWS Credentials"')
check "Find AWS Credentials fires on find .aws/credentials" expect "$a" \
	'(.output_fields["proc.cmdline"]|contains(".aws/credentials"))'
docker exec pal-fr sh -c "ln /etc/shadow /tmp/$T-hl; ln /etc/hostname /tmp/$T-ok-hl"
a=$(wait_alert '.rule=="Create Hardlink Over Sensitive Files"')
check "Create Hardlink Over Sensitive Files fires" expect "$a" \
	'.output_fields["evt.arg.oldpath"]=="/etc/shadow" and .output_fields["container.name"]=="pal-fr"'
sleep 1
check "near misses: nc without -e, find for hostname, a hard link to /etc/hostname raise nothing" sh -c \
	"! jq -e 'select((.rule==\"Netcat Remote Code Execution in Container\" and (.output_fields[\"proc.cmdline\"]|contains(\"-e\")|not)) or (.rule==\"Search Private Keys or Passwords\" and (.output_fields[\"proc.cmdline\"]|contains(\"hostname\"))) or (.rule==\"Create Hardlink Over Sensitive Files\" and .output_fields[\"evt.arg.oldpath\"]==\"/etc/hostname\"))' '$WORK/alerts.json' >/dev/null"

# Log tampering: a log truncated in place; appending to another is benign.
docker exec pal-fr sh -c "mkdir -p /var/log; echo x >> /var/log/$T-other.log; echo y >> /var/log/$T-app.log; : > /var/log/$T-app.log"
a=$(wait_alert '.rule=="Clear Log Activities"')
check "Clear Log Activities fires on a log truncated in place" expect "$a" \
	".output_fields[\"fd.name\"]==\"/var/log/$T-app.log\""
# A packet socket (arping, as any raw-frame tool would open one).
docker exec pal-fr sh -c "ln -sf /bin/busybox /tmp/arping; /tmp/arping -c 1 -w 1 -I eth0 127.0.0.1" >/dev/null 2>&1
a=$(wait_alert '.rule=="Packet socket created in container"')
check "Packet socket created in container fires on arping" expect "$a" \
	'.output_fields["proc.name"]=="arping" and .output_fields["container.name"]=="pal-fr"'
# A shell with a terminal in a container (docker exec -t); without -t: none.
docker exec -t pal-fr sh -c "true $T-tty" >/dev/null 2>&1
docker exec pal-fr sh -c "true $T-notty" >/dev/null 2>&1
a=$(wait_alert '.rule=="Terminal shell in container"')
check "Terminal shell in container fires on docker exec -t" expect "$a" \
	"(.output_fields[\"proc.cmdline\"]|contains(\"$T-tty\")) and .output_fields[\"proc.tty\"]!=0"
# PTRACE_ATTACH from a container (the tracer of test_enforce.sh).
cc -static -O2 -o "$WORK/tracer" tests/integration/enforce_ptrace.c && docker cp "$WORK/tracer" pal-fr-cap:/tracer
docker exec pal-fr-cap sh -c 'sleep 5 & /tracer $! /tmp/traced' >/dev/null 2>&1
# (Other tests on a shared host trace too: only this container's alert counts.)
a=$(wait_alert '.rule=="PTRACE attached to process" and .output_fields["container.name"]=="pal-fr-cap"')
check "PTRACE attached to process fires on PTRACE_ATTACH" expect "$a" \
	'.output_fields["proc.name"]=="tracer" and .output_fields["container.name"]=="pal-fr-cap"'
docker exec pal-fr-cap /tracer traceme >/dev/null 2>&1
a=$(wait_alert '.rule=="PTRACE anti-debug attempt" and .output_fields["container.name"]=="pal-fr-cap"')
check "PTRACE anti-debug attempt fires on PTRACE_TRACEME" expect "$a" \
	'.output_fields["proc.name"]=="tracer" and .output_fields["container.name"]=="pal-fr-cap"'
# A shell told to run something from /dev/shm (docker mounts it noexec: the
# attempt is what the rule is about); one from /tmp is benign.
docker exec pal-fr sh -c "/dev/shm/$T-x" >/dev/null 2>&1
docker exec pal-fr sh -c "/tmp/$T-y" >/dev/null 2>&1
a=$(wait_alert '.rule=="Execution from /dev/shm"')
check "Execution from /dev/shm fires on sh -c /dev/shm/..." expect "$a" \
	"(.output_fields[\"proc.cmdline\"]|contains(\"/dev/shm/$T-x\"))"
# Bulk data removal with shred.
docker exec pal-fr sh -c "ln -sf /bin/busybox /tmp/shred; echo secret > /tmp/$T-s; /tmp/shred /tmp/$T-s" >/dev/null 2>&1
a=$(wait_alert '.rule=="Remove Bulk Data from Disk"')
check "Remove Bulk Data from Disk fires on shred" expect "$a" '.output_fields["proc.name"]=="shred"'
# Fileless execution: busybox copied into a memfd and executed from it.
cc -static -O2 -o "$WORK/memfd_exec" tests/integration/falco_memfd.c && docker cp "$WORK/memfd_exec" pal-fr:/memfd_exec
# Run from a shell that waits for it: started by docker exec itself, its parent
# is runc until runc exits (a race), and the rule's known_memfd_execution_processes
# exempts a child of runc (runc clones itself through a memfd).
for i in 1 2 3; do docker exec pal-fr sh -c '/memfd_exec /bin/busybox true; true' >/dev/null 2>&1; sleep 0.3; done
a=$(wait_alert '.rule=="Fileless execution via memfd_create"')
check "Fileless execution via memfd_create fires on fexecve of a memfd" expect "$a" \
	'.output_fields["container.name"]=="pal-fr"'
sleep 1
check "near misses: an appended log, a shell without a terminal, sh -c /tmp/... raise nothing" sh -c \
	"! jq -e 'select((.rule==\"Clear Log Activities\" and (.output_fields[\"fd.name\"]|contains(\"other\"))) or (.rule==\"Terminal shell in container\" and (.output_fields[\"proc.cmdline\"]|contains(\"notty\"))) or (.rule==\"Execution from /dev/shm\" and (.output_fields[\"proc.cmdline\"]|contains(\"$T-y\"))))' '$WORK/alerts.json' >/dev/null"

# The agent resolved the name at start; connect to it, and to another server.
i=0
until grep -q "dns: 1 of 1 host names" "$WORK/agent.err" || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
docker exec pal-fr-cli sh -c "nc -w 2 $OTHER_IP 15443 </dev/null; nc -w 2 $API_IP 15443 </dev/null" >/dev/null 2>&1
a=$(wait_alert '.rule=="Contact K8S API Server From Container"')
check "Contact K8S API Server From Container fires on a connect to the API server's address" expect "$a" \
	"(.output_fields[\"fd.name\"]|endswith(\"->$API_IP:15443\")) and .output_fields[\"evt.type\"]==\"connect\" and .output_fields[\"container.name\"]==\"pal-fr-cli\""
check "near miss: a connect to another server raises nothing" sh -c \
	"! jq -e 'select(.rule==\"Contact K8S API Server From Container\" and (.output_fields[\"fd.name\"]|endswith(\"->$OTHER_IP:15443\")))' '$WORK/alerts.json' >/dev/null"
stop_agent
