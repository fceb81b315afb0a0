#!/bin/sh
# Syscall sensor: real syscalls in a real container and on the host, with the
# reported fields asserted, failures included.
. tests/integration/lib.sh

run_container pal-sc "$IMAGE" sleep 300
ID=$(container_id pal-sc)
start_agent --syscalls all || exit 1
T=s$$

# Files, in the container.
docker exec pal-sc sh -c "echo x > /tmp/$T-a; cat /tmp/$T-a >/dev/null; cat /tmp/$T-missing; \
	cd /tmp && cat ./$T-a >/dev/null; ln -s /tmp/$T-a /tmp/$T-link; cat /tmp/$T-link >/dev/null; \
	mv /tmp/$T-a /tmp/$T-b; mkdir /tmp/$T-d; rmdir /tmp/$T-d; chmod 600 /tmp/$T-b; \
	ln /tmp/$T-b /tmp/$T-hard; rm /tmp/$T-b" 2>/dev/null
ev=$(wait_event ".type==\"openat\" and .path==\"/tmp/$T-a\" and .proc.name==\"sh\"" 10 "$T-a")
check "open for write in a container: path, fd, container" expect "$ev" \
	".res >= 0 and .container.id==\"$ID\" and .args.flags > 0"
ev=$(wait_event ".type==\"openat\" and .path==\"/tmp/$T-missing\"" 10 "$T-missing")
check "failed open reported with its errno" expect "$ev" '.res == -2 and .error=="ENOENT"'
ev=$(wait_event ".type==\"openat\" and .path==\"/tmp/$T-a\" and .proc.args==[\"cat\",\"./$T-a\"]" 10 "$T-a")
check "relative path resolved against the cwd" expect "$ev" '.res >= 0'
ev=$(wait_event ".type==\"openat\" and .proc.args==[\"cat\",\"/tmp/$T-link\"]" 10 "$T-link")
check "symlink resolved to its target from the file object" expect "$ev" ".path==\"/tmp/$T-a\""
ev=$(wait_event "(.type==\"rename\" or .type==\"renameat\" or .type==\"renameat2\") and .path2==\"/tmp/$T-b\"" 10 "$T-b")
check "rename: both paths" expect "$ev" ".path==\"/tmp/$T-a\" and .path2==\"/tmp/$T-b\" and .res==0"
ev=$(wait_event "(.type==\"mkdir\" or .type==\"mkdirat\") and .path==\"/tmp/$T-d\"" 10 "$T-d")
check "mkdir reported" expect "$ev" '.res==0'
ev=$(wait_event "(.type==\"rmdir\" or .type==\"unlinkat\") and .path==\"/tmp/$T-d\"" 10 "$T-d")
check "rmdir reported" expect "$ev" '.res==0'
ev=$(wait_event "(.type==\"chmod\" or .type==\"fchmodat\") and .path==\"/tmp/$T-b\"" 10 "$T-b")
check "chmod reported with the mode" expect "$ev" '.res==0 and ((.args.mode // 0) == 384)'
ev=$(wait_event "(.type==\"link\" or .type==\"linkat\") and .path2==\"/tmp/$T-hard\"" 10 "$T-hard")
check "hard link: source and target" expect "$ev" ".path==\"/tmp/$T-b\""
ev=$(wait_event "(.type==\"symlink\" or .type==\"symlinkat\") and .path2==\"/tmp/$T-link\"" 10 "$T-link")
check "symlink: target and link path" expect "$ev" ".path==\"/tmp/$T-a\""
ev=$(wait_event "(.type==\"unlink\" or .type==\"unlinkat\") and .path==\"/tmp/$T-b\"" 10 "$T-b")
check "unlink reported" expect "$ev" '.res==0'

# Files, on the host: dirfd-relative and a deep path.
mkdir -p "$WORK/$T-dir"
python3 -c "import os; d=os.open('$WORK/$T-dir', os.O_RDONLY); os.close(os.open('$T-rel', os.O_CREAT|os.O_WRONLY, 0o644, dir_fd=d))" 2>/dev/null ||
	busybox sh -c "cd '$WORK/$T-dir' && : > '$T-rel'"
ev=$(wait_event ".type==\"openat\" and .path==\"$WORK/$T-dir/$T-rel\"" 10 "$T-rel")
check "host open relative to a dirfd: absolute path" expect "$ev" '.res >= 0 and .container.id=="host"'

# Network in the container: listen, connect, accept on loopback.
port=$((40000 + $$ % 20000))
docker exec -d pal-sc sh -c "nc -l -p $port >/dev/null"
sleep 0.5
docker exec pal-sc sh -c "echo hi | nc -w 1 127.0.0.1 $port; nc -w 1 127.0.0.1 1 </dev/null" 2>/dev/null
ev=$(wait_event ".type==\"connect\" and .addr.port==$port" 10 "\"port\":$port")
check "connect: socket and address from the kernel" expect "$ev" \
	".res==0 and .sock.family==\"ipv4\" and .sock.remote_ip==\"127.0.0.1\" and .sock.remote_port==$port and .sock.local_port>0 and .container.id==\"$ID\""
ev=$(wait_event "(.type==\"accept\" or .type==\"accept4\") and .sock.local_port==$port" 10 "\"local_port\":$port")
check "accept: peer address from the new socket" expect "$ev" '.res>=0 and (.sock.remote_ip=="127.0.0.1" or .sock.remote_ip=="::ffff:127.0.0.1") and .sock.remote_port>0'
ev=$(wait_event "(.type==\"bind\") and .sock.local_port==$port" 10 "\"local_port\":$port")
check "bind reported" expect "$ev" '.res==0'
ev=$(wait_event ".type==\"connect\" and .addr.port==1 and .container.id==\"$ID\"" 10 '"port":1}')
check "refused connect reported as a failure" expect "$ev" '.res==-111 and .error=="ECONNREFUSED"'

# Privilege and process syscalls.
docker exec pal-sc sh -c "chroot / true; kill -0 1" 2>/dev/null
ev=$(wait_event ".type==\"chroot\" and .container.id==\"$ID\"" 10 chroot)
check "chroot in a container" expect "$ev" '.path=="/"'
ev=$(wait_event ".type==\"kill\" and .container.id==\"$ID\" and .args.sig==0" 10 '"kill"')
check "kill of another process with its target and signal" expect "$ev" '.args.pid==1 and .res==0'
unshare -U true 2>/dev/null
ev=$(wait_event '.type=="unshare" and .proc.name=="unshare" and .proc.cmdline=="unshare -U true"' 10 unshare)
check "unshare with its flags" expect "$ev" '.args.flags==268435456'

stop_agent
check "no event lost" grep -q 'lost 0 (ring buffer full)' "$WORK/agent.err"
