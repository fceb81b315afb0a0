#!/bin/sh
# The fd table: fds seeded from /proc and followed through dup, close, fcntl
# and pipe in a real container and on the host; Falco's stable rules that
# need it fire for real (loaded unchanged), their near misses stay silent;
# a replay of the recording rebuilds the same table.
. tests/integration/lib.sh

need_falco_rules falco_rules.yaml
RULES=$F/falco_rules.yaml
C=fdtable-it

check "--fd-table refuses an unknown mode, saying which are known" sh -c \
	"./palisade run --fd-table maybe 2>&1 | grep -q -- '--fd-table: .maybe. is not allowed (expected one of auto|on|off)'"
check "--fd-table: a bad mode exits 2" sh -c "./palisade run --fd-table maybe 2>/dev/null; [ \$? -eq 2 ]"

T=fd$$
# Opened before the agent starts: only the /proc seeding can know fd 7.
run_container $C "$IMAGE" sh -c "exec 7</etc/hostname; sleep 8; exec 7<&-; sleep 600"
ID=$(container_id $C)

# With the fd table on, every open, close and dup of the host is an event: on
# a busy shared host that is tens of MB/s of JSON. Keep only the lines of this
# test (its container id, or its tag $T) in events.json, which wait_event reads.
follow_mine() {
	rm -f "$WORK/all.fifo"
	mkfifo "$WORK/all.fifo"
	grep --line-buffered -F -e "$ID" -e "$T" <"$WORK/all.fifo" >"$WORK/events.json" &
}
# A rule on close: the sensor cannot name a closed fd, so auto turns the table on.
cat >"$WORK/close.yaml" <<'R'
- rule: fdtable test close
  desc: a rule on close needs the fd table
  condition: evt.type = close and fd.name = /nonexistent-fdtable-test
  output: close %fd.name
  priority: DEBUG
R
follow_mine
start_agent --rules "$RULES" --rules "$WORK/close.yaml" --record "$WORK/rec" -e "$WORK/all.fifo" || exit 1

check "auto: a rule on close turns the fd table on, seeded from /proc" \
	grep -q 'fd table on, [1-9][0-9]* fds' "$WORK/agent.err"
ev=$(wait_event ".type==\"close\" and .container.id==\"$ID\" and .args.fd==7 and .proc.vpid==1" 15 '"fd":7')
check "close of an fd opened before the agent: named from the seeded table" expect "$ev" \
	'.res==0 and .path=="/etc/hostname" and .fd.type=="file" and .fd.from_table==true'
stop_agent

# Replay rebuilds the table from the recorded snapshot: same close naming.
./palisade replay --rules "$RULES" --rules "$WORK/close.yaml" -e - --output "$WORK/replay-alerts.json" "$WORK/rec" 2>/dev/null |
	grep -F "$ID" >"$WORK/replay.json"
rm -f "$WORK/rec"
ev=$(grep -F '"fd":7' "$WORK/replay.json" |
	jq -c "select(.type==\"close\" and .container.id==\"$ID\" and .args.fd==7 and .proc.vpid==1)" | head -1)
check "replay: the seeded fd is named the same way" expect "$ev" '.path=="/etc/hostname" and .fd.from_table==true'
check "replay: the same alerts" sh -c \
	"[ \"\$(jq -cs 'map(.rule)|sort' '$WORK/alerts.json')\" = \"\$(jq -cs 'map(.rule)|sort' '$WORK/replay-alerts.json')\" ]"

follow_mine
start_agent --rules "$RULES" --rules "$WORK/close.yaml" -e "$WORK/all.fifo" || exit 1


# dup2, close and pipe in the container, successes and failures.
docker exec $C sh -c "exec 5</etc/hostname; cat <&5 >/dev/null; exec 5<&-; cat <&8; echo $T | cat >/dev/null" 2>/dev/null
ev=$(wait_event ".type==\"dup2\" and .container.id==\"$ID\" and .args.oldfd==5 and .args.newfd==0" 10 '"oldfd":5')
check "dup2 of a file onto stdin: file and fds" expect "$ev" '.res==0 and .path=="/etc/hostname" and .fd.type=="file"'
ev=$(wait_event ".type==\"close\" and .container.id==\"$ID\" and .args.fd==5 and .proc.name==\"sh\"" 10 '"fd":5')
check "close: the fd's file comes from the table" expect "$ev" \
	'.res==0 and .path=="/etc/hostname" and .fd.from_table==true and .fd.num==5'
ev=$(wait_event ".type==\"dup2\" and .container.id==\"$ID\" and .args.oldfd==8" 10 '"oldfd":8')
check "dup2 of an fd that is not open fails with EBADF" expect "$ev" '.res==-9 and .error=="EBADF" and (.fd|not)'
ev=$(wait_event "(.type==\"pipe2\" or .type==\"pipe\") and .container.id==\"$ID\" and .proc.cmdline==\"sh -c exec 5</etc/hostname; cat <&5 >/dev/null; exec 5<&-; cat <&8; echo $T | cat >/dev/null\"" 10 '"fds"')
check "pipe: both new fds reported" expect "$ev" '.res==0 and (.fds|length)==2 and .fds[0]>=0 and .fds[1]>.fds[0]'
r=$(printf '%s\n' "$ev" | jq '.fds[0]')
ev=$(wait_event ".type==\"close\" and .container.id==\"$ID\" and .args.fd==$r and .fd.type==\"pipe\"" 10 "\"fd\":$r")
check "close of a pipe end: typed pipe by the table" expect "$ev" '.res==0 and .fd.from_table==true'

# Host: dup, dup3, fcntl(F_DUPFD_CLOEXEC), F_SETFD, failures; libc calls
# through ctypes, so each is the very syscall named.
F=$WORK/$T-host
echo x >"$F"
python3 - "$F" "$T-py" <<'EOF' 2>/dev/null
import ctypes, fcntl, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, sys.argv[2].encode())  # PR_SET_NAME: every event carries the tag
fd = os.open(sys.argv[1], os.O_RDONLY)
a = libc.dup(fd)
b = libc.dup3(fd, 40, os.O_CLOEXEC)
c = libc.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 50)
libc.fcntl(a, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
libc.fcntl(99, fcntl.F_GETFD)
for x in (a, b, c, fd):
    libc.close(x)
libc.close(fd)
e = os.eventfd(0, os.EFD_CLOEXEC)
os.close(e)
import socket
x, y = socket.socketpair()
os.close(x.detach())
EOF
ev=$(wait_event ".type==\"openat\" and .path==\"$F\" and .proc.name==\"$T-py\"" 10 "$T-py")
pid=$(printf '%s\n' "$ev" | jq '.proc.pid')
ev=$(wait_event ".proc.pid==$pid and .type==\"dup\"" 10 '"dup"')
check "host dup: the new fd is the old one's file" expect "$ev" ".res>=3 and .path==\"$F\" and .fd.type==\"file\""
ev=$(wait_event ".proc.pid==$pid and .type==\"dup3\"" 10 '"dup3"')
check "host dup3 with O_CLOEXEC" expect "$ev" ".res==40 and .path==\"$F\" and .args.flags==524288"
ev=$(wait_event ".proc.pid==$pid and .type==\"fcntl\" and .args.cmd==1030" 10 '"cmd":1030')
check "host fcntl(F_DUPFD_CLOEXEC): new fd >= the minimum" expect "$ev" ".res>=50 and .path==\"$F\""
ev=$(wait_event ".proc.pid==$pid and .type==\"fcntl\" and .args.fd==99" 10 '"fd":99')
check "host fcntl on a closed fd fails with EBADF" expect "$ev" '.res==-9 and (.path|not)'
ev=$(wait_event ".proc.pid==$pid and .type==\"close\" and .args.fd==40" 10 '"fd":40')
check "host close of the dup3 copy: cloexec known to the table" expect "$ev" \
	".res==0 and .path==\"$F\" and .fd.cloexec==true and .fd.from_table==true"
ev=$(wait_event ".proc.pid==$pid and .type==\"close\" and .args.fd==50" 10 '"fd":50')
check "host close of the F_DUPFD_CLOEXEC copy" expect "$ev" ".res==0 and .path==\"$F\" and .fd.cloexec==true"
ev=$(wait_event ".proc.pid==$pid and .type==\"close\" and .res==-9" 10 '"close"')
check "host close of a closed fd fails with EBADF, names nothing" expect "$ev" '(.path|not) and (.fd|not)'
ev=$(wait_event ".proc.pid==$pid and .type==\"eventfd2\"" 10 '"eventfd2"')
check "host eventfd2: typed by the table, close-on-exec" expect "$ev" \
	'.res>=3 and .fd.type=="event" and .fd.cloexec==true and (.path|not)'
e=$(printf '%s\n' "$ev" | jq '.res')
ev=$(wait_event ".proc.pid==$pid and .type==\"close\" and .args.fd==$e and .fd.type==\"event\"" 10 "\"fd\":$e")
check "host close of the eventfd: still an event fd" expect "$ev" '.res==0 and .fd.from_table==true'
ev=$(wait_event ".proc.pid==$pid and .type==\"socketpair\"" 10 '"socketpair"')
check "host socketpair: both fds reported" expect "$ev" '.res==0 and (.fds|length)==2 and .args.domain==1'
x=$(printf '%s\n' "$ev" | jq '.fds[0]')
ev=$(wait_event ".proc.pid==$pid and .type==\"close\" and .args.fd==$x and .fd.type==\"unix\"" 10 "\"fd\":$x")
check "host close of a socketpair end: a unix socket, from the table" expect "$ev" \
	'.res==0 and .fd.from_table==true and .sock.family=="unix" and .sock.type=="stream"'

# Falco: Redirect STDOUT/STDIN to Network Connection in Container.
port=$((20000 + $$ % 20000))
docker exec -d $C nc -l -p $port
sleep 0.5
docker exec $C nc 127.0.0.1 $port -e /bin/true 2>/dev/null
a=$(wait_alert ".rule==\"Redirect STDOUT/STDIN to Network Connection in Container\" and .output_fields[\"container.id\"]==\"${ID%"${ID#????????????}"}\" and .output_fields[\"proc.cmdline\"]==\"nc 127.0.0.1 $port -e /bin/true\"")
check "Redirect STDOUT/STDIN fires on nc -e in a container" expect "$a" \
	".output_fields[\"fd.type\"]==\"ipv4\" and .output_fields[\"fd.sip\"]==\"127.0.0.1\" and .output_fields[\"fd.rport\"]==$port and .output_fields[\"fd.l4proto\"]==\"tcp\" and (.output_fields[\"evt.type\"]|test(\"^dup\"))"
docker exec $C sh -c "echo $T-r > /tmp/$T-r; cat < /tmp/$T-r >/dev/null"
sleep 1
check "near miss: redirecting stdio to a file raises nothing" sh -c \
	"! jq -e 'select(.rule==\"Redirect STDOUT/STDIN to Network Connection in Container\" and (.output_fields[\"proc.cmdline\"]|tostring|contains(\"$T-r\")))' '$WORK/alerts.json' >/dev/null"

# Falco: Directory traversal monitored file read, on a successful open.
docker exec $C cat /etc/../../etc/passwd >/dev/null
a=$(wait_alert ".rule==\"Directory traversal monitored file read\" and .output_fields[\"container.name\"]==\"$C\"")
check "Directory traversal fires on a successful cat /etc/../../etc/passwd" expect "$a" \
	'.output_fields["fd.name"]=="/etc/passwd" and .output_fields["fd.nameraw"]=="/etc/../../etc/passwd" and .output_fields["proc.name"]=="cat"'
ev=$(wait_event ".type==\"openat\" and .container.id==\"$ID\" and .path_raw==\"/etc/../../etc/passwd\"" 10 'etc/../../etc')
check "the successful open carries the caller's raw path" expect "$ev" '.res>=0 and .path=="/etc/passwd"'
docker exec $C cat /etc/passwd >/dev/null
docker exec $C sh -c "cat /etc/../../etc/passwd >/dev/null; : $T-sh"
sleep 1
check "near misses: no traversal, or read from a shell, raise nothing" sh -c \
	"[ \$(jq -s '[.[] | select(.rule==\"Directory traversal monitored file read\")] | length' '$WORK/alerts.json') -eq 1 ]"
stop_agent

# Default rules (they watch opens, need no close or dup): no fd table.
start_agent --output none || exit 1
check "default rules: fd table off" grep -q 'fd table off' "$WORK/agent.err"
stop_agent

# Rules that read no fd.nameraw: no raw path copied for opens (the pre-filter
# off, so that an open no rule looks at is still reported).
cat >"$WORK/opens.yaml" <<'R'
- rule: fdtable test open
  desc: an open rule that reads the resolved name only
  condition: evt.type in (open, openat) and fd.name = /etc/fdtable-none
  output: "%fd.name"
  priority: NOTICE
R
follow_mine
start_agent --rules "$WORK/opens.yaml" -e "$WORK/all.fifo" --no-prefilter || exit 1
docker exec $C cat /etc/../etc/group >/dev/null
ev=$(wait_event ".type==\"openat\" and .container.id==\"$ID\" and .path==\"/etc/group\" and .proc.name==\"cat\"" 10 'etc/group')
check "no rule reads fd.nameraw: the open has no raw path (cheap)" expect "$ev" '(.path_raw|not) and (.fd|not)'
stop_agent

# Falco's rules alone: their dup rule reads the old fd's socket, which the
# sensor resolves at the dup itself, so auto keeps the (costly) table off.
start_agent --rules "$RULES" --output none || exit 1
check "auto: Falco's stable rules alone leave the fd table off" grep -q 'fd table off' "$WORK/agent.err"
stop_agent

# A reload keeps the fd table fed: its syscalls stay watched (the new rules'
# interest alone would drop pipes and the rest, and the table would go stale).
follow_mine
start_agent --rules "$RULES" --rules "$WORK/close.yaml" -e "$WORK/all.fifo" || exit 1
kill -HUP "$AGENT_PID"
i=0
until grep -q '^palisade: reloaded' "$WORK/agent.err" || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
docker exec $C sh -c "echo $T-hup | cat >/dev/null"
ev=$(wait_event "(.type==\"pipe2\" or .type==\"pipe\") and .container.id==\"$ID\" and (.proc.cmdline|contains(\"$T-hup\"))" 10 '"fds"')
check "after a SIGHUP reload the fd table's syscalls are still reported (pipe)" expect "$ev" \
	'.res==0 and (.fds|length)==2'
stop_agent
