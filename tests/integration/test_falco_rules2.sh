#!/bin/sh
# The last five of Falco's 25 stable rules (test_falco_rules.sh and
# test_fdtable.sh do the other 20), loaded unchanged and performed for real in
# real containers: each alert is asserted, and each near miss is asserted
# seen by the agent (its event is in the stream) yet silent.
#
# The rules judge processes by name (nginx, sshd, ssh, debugfs): a small
# static program, falco_standin.c, is copied into the container under those
# names and does what the real one would; debugfs is the host's own.
. tests/integration/lib.sh

need_falco_rules falco_rules.yaml
RULES=$F/falco_rules.yaml
C=stablerules-fr2
SRV=stablerules-fr2-sshd
NET=stablerules-fr2-net
T=s$$

# no_alert RULE JQ_FILTER: no alert of RULE satisfies the filter (counted,
# so that an unreadable alert file fails rather than passes).
no_alert() {
	[ "$(jq -s "[.[] | select(.rule==\"$1\" and ($2))] | length" "$WORK/alerts.json")" = 0 ]
}

# seen_exec TAG: the agent reported the exec whose command line has TAG.
seen_exec() {
	wait_event ".type==\"execve\" and (.proc.cmdline|contains(\"$1\"))" 10 "$1" >/dev/null
}

# The private dockerd of rule 4 (below) and its containers go first: its
# data root lies in $WORK, which cleanup removes.
PD=
PD_PID=
private_dockerd_stop() {
	[ -n "$PD_PID" ] || return 0
	docker -H "unix://$PD/docker.sock" rm -f stablerules-fr2-priv stablerules-fr2-unpriv >/dev/null 2>&1
	kill -TERM "$PD_PID" 2>/dev/null
	wait "$PD_PID" 2>/dev/null
	PD_PID=
}
trap 'private_dockerd_stop; cleanup; docker network rm $NET >/dev/null 2>&1' EXIT INT TERM
# Rule 5 needs a server outside 127/8 and RFC 1918 that no one else owns:
# a network of this test's own on a documentation range (TEST-NET-2, else
# TEST-NET-3), which the rule's "outbound" macro does not exclude.
docker network rm $NET >/dev/null 2>&1
SUBNET=
for s in 198.51.100 203.0.113; do
	if docker network create --subnet "$s.0/24" $NET >/dev/null 2>&1; then
		SUBNET=$s
		break
	fi
done
check "a docker network on a documentation range (not RFC 1918) is created" [ -n "$SUBNET" ]
[ -n "$SUBNET" ] || exit 1

cc -static -O2 -o "$WORK/standin" tests/integration/falco_standin.c || exit 1
run_container $SRV --network $NET "$IMAGE" sh -c \
	"nc -ll -p 22 -e true & nc -ll -p 2222 -e true & nc -ll -p 4444 -e true"
run_container $C --network $NET "$IMAGE" sleep 600
SRV_IP=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" $SRV)
# The busybox image has no shadow file and knows no account but root: give
# it both, as a real image has them, before the agent watches (it reads a
# container's accounts when it first learns of it). www-data is uid 82, as in
# Alpine; the host (Debian) has no uid 82.
docker exec $C sh -c "echo 'root:*:19000:0:99999:7:::' > /etc/shadow &&
	echo 'daemon:x:1:1:daemon:/usr/sbin:/bin/false' >> /etc/passwd &&
	echo 'www-data:x:82:82:www-data:/var/www:/bin/false' >> /etc/passwd && mkdir -p /usr/sbin /usr/bin"
for n in nginx myapp sshd; do docker cp "$WORK/standin" $C:/usr/sbin/$n; done
docker cp "$WORK/standin" $C:/usr/bin/ssh
start_agent --rules "$RULES" --record "$WORK/rec" || exit 1

# 1. Read sensitive file trusted after startup: a server reads /etc/shadow
# after its first 5 s (proc_is_new); the same read at its start is silent.
docker exec -d $C /usr/sbin/nginx read 7 /etc/shadow
docker exec $C /usr/sbin/nginx read 0 /etc/shadow

# 2. Run shell untrusted: a web server starts a shell; near misses: a
# command line the rule trusts (known_shell_spawn_cmdlines), and the same
# shell started by a program no list protects.
docker exec $C /usr/sbin/nginx spawn /bin/sh -c "true $T-rce"
a=$(wait_alert ".rule==\"Run shell untrusted\" and (.output_fields[\"proc.cmdline\"]|contains(\"$T-rce\"))" 10 "$T-rce")
check "Run shell untrusted fires on a shell started by nginx" expect "$a" \
	'.output_fields["proc.name"]=="sh" and .output_fields["proc.pname"]=="nginx" and .output_fields["proc.pexe"]=="/usr/sbin/nginx" and .output_fields["container.name"]=="stablerules-fr2" and .priority=="Notice"'
docker exec $C /usr/sbin/nginx spawn /bin/sh -c "uname -a 2>&1" >/dev/null
docker exec $C /usr/sbin/myapp spawn /bin/sh -c "true $T-app"
check "near miss: nginx running 'sh -c uname -a 2>&1' (a trusted command line) was seen" \
	seen_exec "uname -a 2>&1"
check "near miss: a shell started by myapp (not a protected spawner) was seen" seen_exec "$T-app"

# 3. System user interactive: sshd starts a session shell as daemon (a
# system account), and as www-data (named by the container's /etc/passwd
# only); near misses: the same as root, and daemon running a shell outside
# any sshd or login.
docker exec $C /usr/sbin/sshd spawn -u 1 /bin/sh -c "true $T-login"
docker exec $C /usr/sbin/sshd spawn -u 82 /bin/sh -c "true $T-www"
docker exec $C /usr/sbin/sshd spawn /bin/sh -c "true $T-root"
docker exec -u 1:1 $C /bin/sh -c "true $T-daemon"
a=$(wait_alert ".rule==\"System user interactive\" and (.output_fields[\"proc.cmdline\"]|contains(\"$T-login\"))" 10 "$T-login")
check "System user interactive fires on a shell of daemon under sshd" expect "$a" \
	'.output_fields["user.name"]=="daemon" and .output_fields["user.uid"]==1 and .output_fields["proc.pname"]=="sshd" and .output_fields["container.name"]=="stablerules-fr2" and .priority=="Informational"'
a=$(wait_alert ".rule==\"System user interactive\" and (.output_fields[\"proc.cmdline\"]|contains(\"$T-www\"))" 10 "$T-www")
check "System user interactive names uid 82 www-data from the container's /etc/passwd" expect "$a" \
	'.output_fields["user.name"]=="www-data" and .output_fields["user.uid"]==82'
check "near miss: root's shell under sshd was seen" seen_exec "$T-root"
check "near miss: daemon's shell outside sshd was seen" seen_exec "$T-daemon"

# 5. Disallowed SSH Connection Non Standard Port: ssh to 4444 (one of the
# rule's ssh_non_standard_ports) on a public-range address; port 22, and
# 2222 (a common ssh port, but not in that list), are silent.
docker exec $C /usr/bin/ssh connect "$SRV_IP" 4444
docker exec $C /usr/bin/ssh connect "$SRV_IP" 22
docker exec $C /usr/bin/ssh connect "$SRV_IP" 2222
a=$(wait_alert ".rule==\"Disallowed SSH Connection Non Standard Port\" and (.output_fields[\"fd.name\"]|tostring|endswith(\"->$SRV_IP:4444\"))" 10 "$SRV_IP:4444")
check "Disallowed SSH Connection Non Standard Port fires on ssh to $SRV_IP:4444" expect "$a" \
	'.output_fields["fd.rport"]==4444 and .output_fields["fd.l4proto"]=="tcp" and .output_fields["evt.type"]=="connect" and .output_fields["proc.name"]=="ssh" and .output_fields["container.name"]=="stablerules-fr2"'
ev=$(wait_event ".type==\"connect\" and .proc.name==\"ssh\" and .sock.remote_ip==\"$SRV_IP\" and .sock.remote_port==22" 10 '"remote_port":22')
check "near miss: ssh to port 22 connected and was seen" expect "$ev" '.res==0 and .sock.type=="stream"'
ev=$(wait_event ".type==\"connect\" and .proc.name==\"ssh\" and .sock.remote_ip==\"$SRV_IP\" and .sock.remote_port==2222" 10 '"remote_port":2222')
check "near miss: ssh to port 2222 connected and was seen" expect "$ev" '.res==0'

a=$(wait_alert ".rule==\"Read sensitive file trusted after startup\" and .output_fields[\"container.name\"]==\"$C\"" 15 '/etc/shadow')
check "Read sensitive file trusted after startup fires on nginx reading /etc/shadow after 7 s" expect "$a" \
	'.output_fields["fd.name"]=="/etc/shadow" and .output_fields["proc.name"]=="nginx" and .output_fields["proc.cmdline"]=="nginx read 7 /etc/shadow" and .output_fields["evt.type"]=="openat"'
a=$(wait_alert ".rule==\"Read sensitive file untrusted\" and .output_fields[\"proc.cmdline\"]==\"nginx read 0 /etc/shadow\"" 10 'read 0')
check "near miss: nginx reading /etc/shadow at its start was seen (Read sensitive file untrusted)" \
	expect "$a" '.output_fields["container.name"]=="stablerules-fr2"'

sleep 1
check "near miss: reading /etc/shadow at start is not trusted-after-startup" \
	no_alert "Read sensitive file trusted after startup" '.output_fields["proc.cmdline"]=="nginx read 0 /etc/shadow"'
check "near misses: a trusted command line and a shell under myapp are not Run shell untrusted" \
	no_alert "Run shell untrusted" "(.output_fields[\"proc.cmdline\"]|contains(\"uname\") or contains(\"$T-app\"))"
check "near misses: root under sshd and daemon outside sshd are not System user interactive" \
	no_alert "System user interactive" "(.output_fields[\"proc.cmdline\"]|contains(\"$T-root\") or contains(\"$T-daemon\"))"
check "near misses: ssh to ports 22 and 2222 are not Disallowed SSH Connection Non Standard Port" \
	no_alert "Disallowed SSH Connection Non Standard Port" "(.output_fields[\"fd.rport\"]|. == 22 or . == 2222)"
stop_agent

# A replay names users as the live run did: the container's accounts travel
# in the recording (this host has no uid 82).
./palisade replay --rules "$RULES" --output "$WORK/replay.json" "$WORK/rec" 2>/dev/null
rm -f "$WORK/rec"
a=$(grep -F "$T-www" "$WORK/replay.json" | jq -c 'select(.rule=="System user interactive")' | head -1)
check "replay: System user interactive names uid 82 www-data from the recorded container" \
	expect "$a" '.output_fields["user.name"]=="www-data"'

# 4. Debugfs Launched in Privileged Container. `docker run --privileged`
# fails on this host (runc: "unable to apply caps: operation not permitted"):
# the capability bounding set every process here inherits lacks
# CAP_SYS_RESOURCE, and a privileged container asks for every capability.
# A private dockerd of this test, whose runtime (runc_bounded.sh) leaves out
# what the bounding set lacks, runs the container privileged in every other
# respect; the agent reads HostConfig.Privileged from that daemon's API.
PD=$WORK/dockerd
PDOCKER="docker -H unix://$PD/docker.sock"
mkdir -p "$PD"
echo '{}' >"$PD/daemon.json"
# In a network namespace of its own: a dockerd started with --bridge=none
# deletes the host's docker0, which the shared daemon and later tests need.
unshare --net dockerd --data-root "$PD/root" --exec-root "$PD/exec" -H "unix://$PD/docker.sock" \
	--pidfile "$PD/docker.pid" --config-file "$PD/daemon.json" --bridge=none \
	--iptables=false --ip-masq=false --default-runtime stablerules-bounded \
	--add-runtime "stablerules-bounded=$PWD/tests/integration/runc_bounded.sh" >"$PD/log" 2>&1 &
PD_PID=$!
deadline=$(($(date +%s) + 30))
until $PDOCKER info >/dev/null 2>&1; do
	[ "$(date +%s)" -lt $deadline ] || { tail -5 "$PD/log" >&2; break; }
	sleep 0.5
done
docker save "$IMAGE" | $PDOCKER load >/dev/null
$PDOCKER run -d --name stablerules-fr2-priv --network none --privileged "$IMAGE" sleep 600 >/dev/null
$PDOCKER run -d --name stablerules-fr2-unpriv --network none "$IMAGE" sleep 600 >/dev/null
check "a privileged container runs (private dockerd, bounded runtime)" sh -c \
	"[ \"\$($PDOCKER inspect -f '{{.State.Running}} {{.HostConfig.Privileged}}' stablerules-fr2-priv)\" = 'true true' ]"
PRIV_ID=$($PDOCKER inspect -f '{{.Id}}' stablerules-fr2-priv)
UNPRIV_ID=$($PDOCKER inspect -f '{{.Id}}' stablerules-fr2-unpriv)
# The host's own debugfs and the libraries it links, into both containers.
DEBUGFS=$(command -v debugfs)
{
	echo "$DEBUGFS"
	ldd "$DEBUGFS" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
} >"$WORK/debugfs.files"
tar -chf "$WORK/debugfs.tar" -T "$WORK/debugfs.files" 2>/dev/null
for c in stablerules-fr2-priv stablerules-fr2-unpriv; do $PDOCKER cp - $c:/ <"$WORK/debugfs.tar"; done
ROOTDEV=$(findmnt -no SOURCE /)
start_agent --rules "$RULES" --docker-socket "$PD/docker.sock" || exit 1

# A privileged container gets the host's devices (here the root disk, which
# this VM lets no one read, not even root on the host: debugfs then fails
# with EPERM after its exec, which is what the rule is about).
check "the privileged container has the host's root device, the unprivileged one has not" sh -c \
	"$PDOCKER exec stablerules-fr2-priv test -b $ROOTDEV && ! $PDOCKER exec stablerules-fr2-unpriv test -b $ROOTDEV"
$PDOCKER exec stablerules-fr2-priv "$DEBUGFS" -R "stat /" "$ROOTDEV" >/dev/null 2>&1
$PDOCKER exec stablerules-fr2-unpriv "$DEBUGFS" -R "stat /" "$ROOTDEV" >/dev/null 2>&1
a=$(wait_alert '.rule=="Debugfs Launched in Privileged Container" and .output_fields["container.name"]=="stablerules-fr2-priv"' 10 'Debugfs')
check "Debugfs Launched in Privileged Container fires on debugfs in a privileged container" expect "$a" \
	".output_fields[\"proc.name\"]==\"debugfs\" and .output_fields[\"proc.exepath\"]==\"$DEBUGFS\" and .output_fields[\"container.name\"]==\"stablerules-fr2-priv\" and .priority==\"Warning\""
ev=$(wait_event ".type==\"execve\" and .proc.name==\"debugfs\" and .container.id==\"$UNPRIV_ID\"" 10 "$UNPRIV_ID")
check "near miss: debugfs in the unprivileged container was seen, as unprivileged" expect "$ev" \
	'.container.privileged==false'
ev=$(wait_event ".type==\"execve\" and .proc.name==\"debugfs\" and .container.id==\"$PRIV_ID\"" 10 "$PRIV_ID")
check "the privileged container's exec carries privileged=true from the Engine API" expect "$ev" \
	'.container.privileged==true'
sleep 1
check "near miss: debugfs in the unprivileged container is not reported" \
	no_alert "Debugfs Launched in Privileged Container" '.output_fields["container.name"]=="stablerules-fr2-unpriv"'
stop_agent
