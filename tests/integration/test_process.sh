#!/bin/sh
# Process sensor, process table and container attribution, end to end:
# real BPF programs, real dockerd, real containers.
. tests/integration/lib.sh

# A container started before the agent must be attributed too.
run_container pal-early --label suite=palisade "$IMAGE" sleep 300
EARLY=$(container_id pal-early)
run_container pal-main --label role=web "$IMAGE" sleep 300
MAIN=$(container_id pal-main)

start_agent || exit 1
TAG=m$$

# 1. exec inside a container: id, name, image, argv, parent chain.
docker exec pal-main sh -c "echo $TAG-inner; true" >/dev/null
ev=$(wait_event ".type==\"execve\" and .proc.args[0]==\"sh\" and (.proc.args[2]|startswith(\"echo $TAG-inner\"))" 10 "$TAG-inner")
check "container exec: container id" expect "$ev" ".container.id==\"$MAIN\""
check "container exec: name, image, labels" expect "$ev" \
	'.container.name=="pal-main" and .container.image=="'"$IMAGE"'" and .container.labels.role=="web" and .container.runtime=="docker"'
check "container exec: image id" expect "$ev" '.container.image_id|startswith("sha256:")'
check "container exec: argv" expect "$ev" '.proc.args==["sh","-c","echo '"$TAG"'-inner; true"] and .proc.cmdline=="sh -c echo '"$TAG"'-inner; true"'
check "container exec: exe resolved from the file object" expect "$ev" '.proc.exe=="/bin/busybox" and .proc.name=="sh"'
check "container exec: namespaces differ from the host" expect "$ev" \
	".proc.pid_ns != $(stat -L -c %i /proc/self/ns/pid) and .proc.mnt_ns != $(stat -L -c %i /proc/self/ns/mnt) and .proc.vpid != .proc.pid"
check "container exec: cgroup id is the container's cgroup" expect "$ev" \
	".cgroup_id == $(cgroup_id_of_pid "$(docker inspect -f '{{.State.Pid}}' pal-main)")"
check "container exec: parent chain reaches runc/containerd-shim" expect "$ev" \
	'[.parents[].name] | any(test("runc|containerd-shim"))'

# 2. a host exec is "host", with cwd and parent chain.
mkdir -p "$WORK/cwd dir"
# (no subshell: dash runs the EXIT trap when a ( ) subshell ends)
sh -c 'cd "$1" && exec /bin/echo "$2"' _ "$WORK/cwd dir" "$TAG-host" >/dev/null
ev=$(wait_event ".type==\"execve\" and .proc.args==[\"/bin/echo\",\"$TAG-host\"]" 10 "$TAG-host")
check "host exec: container is host" expect "$ev" '.container.id=="host"'
check "host exec: exe, cwd, ids" expect "$ev" \
	'.proc.exe=="/usr/bin/echo" and .proc.cwd=="'"$WORK/cwd dir"'" and .proc.uid==0 and .proc.euid==0'
check "host exec: parent is this shell" expect "$ev" ".parents[0].pid != null and (.parents | length) >= 2"

# 3. the container started before the agent.
docker exec pal-early /bin/true "$TAG-early"
ev=$(wait_event ".type==\"execve\" and .container.id==\"$EARLY\" and .proc.args==[\"/bin/true\",\"$TAG-early\"]" 10 "$TAG-early")
check "pre-existing container attributed with metadata" expect "$ev" \
	'.container.name=="pal-early" and .container.labels.suite=="palisade"'

# 4. exit codes and kill signals.
sh -c "exit 7; : $TAG-exit7" && :
ev=$(wait_event ".type==\"procexit\" and .proc.args==[\"sh\",\"-c\",\"exit 7; : $TAG-exit7\"]" 10 "$TAG-exit7")
check "exit code 7 reported" expect "$ev" '.exit_code==7 and .exit_status==1792'
sh -c "kill -9 \$\$; echo $TAG-unreached" && :
ev=$(wait_event ".type==\"procexit\" and (.proc.args[2]|tostring|contains(\"$TAG-unreached\"))" 10 "$TAG-unreached")
check "SIGKILL reported as signal 9" expect "$ev" '.signal==9 and (has("exit_code")|not)'
docker exec pal-main sh -c "kill -TERM \$\$; : $TAG-term" && :
ev=$(wait_event ".type==\"procexit\" and .container.id==\"$MAIN\" and (.proc.args[2]|contains(\"$TAG-term\"))" 10 "$TAG-term")
check "SIGTERM in a container reported as signal 15" expect "$ev" '.signal==15'

# 5. fork: parent, child, derived clone flags.
sh -c "sleep 0.2 & wait; : $TAG-fork" && :
ev=$(wait_event ".type==\"clone\" and .parents[0].name==\"sh\" and .parents[0].cmdline==\"sh -c sleep 0.2 & wait; : $TAG-fork\"" 10 "$TAG-fork")
check "fork reported with parent and flags" expect "$ev" \
	'(.clone_flags|index("CLONE_VM")|not) and .proc.ppid==.parents[0].pid'
docker run --rm --name pal-fork "$IMAGE" true
ev=$(wait_event '.type=="clone" and .proc.vpid==1 and (.clone_flags|index("CLONE_PARENT"))' 15 CLONE_PARENT)
check "container init seen as a clone into a new pid namespace" expect "$ev" \
	".proc.pid_ns != $(stat -L -c %i /proc/self/ns/pid) and .parents[0].name==\"runc\""

# 6. argv past the limit is flagged, never silently cut.
long=$(head -c 6000 /dev/zero | tr '\0' 'a')
/bin/true "$TAG-long" "$long"
ev=$(wait_event ".type==\"execve\" and .proc.args[1]==\"$TAG-long\"" 10 "$TAG-long")
check "long argv flagged truncated" expect "$ev" \
	'.proc.args_truncated==true and (.incomplete|index("args_truncated")) and (.proc.args[2]|length) < 6000'
/bin/true "$TAG-short" "abc"
ev=$(wait_event ".type==\"execve\" and .proc.args[1]==\"$TAG-short\"" 10 "$TAG-short")
check "short argv not flagged" expect "$ev" '.proc.args_truncated==false and (has("incomplete")|not)'

# 7. zero drops under a light load, reported at exit.
for i in $(seq 1 200); do /bin/true "$TAG-load"; done
stop_agent
check "exit summary printed" grep -q '^palisade: exit: events [0-9]*; lost 0 (ring buffer full)' "$WORK/agent.err"
check "no event lost, no failed read" grep -q 'lost 0 (ring buffer full); truncated: paths [0-9]*, argv [0-9]*, environments [0-9]*; failed kernel reads 0; malformed records 0' "$WORK/agent.err"
trues=$(grep -F "$TAG-load" "$WORK/events.json" | jq -c 'select(.type=="execve" and .proc.args[0]=="/bin/true")' | wc -l)
check "all 200 execs reported (saw $trues)" [ "$trues" -eq 200 ]
