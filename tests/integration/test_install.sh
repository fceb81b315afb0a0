#!/bin/sh
# `make install` and the Debian package (docs/install.md): the files land
# where they belong; the generated configuration loads; the unit verifies;
# the installed binary, started as the unit starts it (its arguments, its
# capability bounding set, a NOTIFY_SOCKET and a watchdog), tells the service
# manager it is ready, pings the watchdog, raises an alert, and on SIGTERM
# says it stops and leaves no BPF program, link or fanotify group behind.
# The .deb is built with debhelper, installed, run and purged.
. tests/integration/lib.sh

ROOT=$WORK/root
make -s install DESTDIR="$ROOT" PREFIX=/usr UNITDIR=/lib/systemd/system >"$WORK/install.log" 2>&1
check "make install DESTDIR=... PREFIX=/usr succeeds" [ $? -eq 0 ]
for f in usr/bin/palisade etc/palisade/palisade.yaml etc/palisade/rules.d/palisade_rules.yaml \
	lib/systemd/system/palisade.service etc/logrotate.d/palisade \
	usr/share/bash-completion/completions/palisade usr/share/man/man8/palisade.8; do
	[ -s "$ROOT/$f" ] || echo "missing: $f" >&2
done >"$WORK/missing" 2>&1
check "every installed file is there (binary, config, rules.d, unit, logrotate, completion, man)" \
	[ ! -s "$WORK/missing" ]
check "a second install keeps the administrator's configuration" sh -c \
	"echo '# mine' >>'$ROOT/etc/palisade/palisade.yaml' && make -s install DESTDIR='$ROOT' PREFIX=/usr 2>&1 | grep -q 'kept the existing' && grep -q '^# mine' '$ROOT/etc/palisade/palisade.yaml'"
# (Its rules.d is /etc/palisade/rules.d once installed: the staged one here.)
sed "s|/etc/palisade/rules.d|$ROOT/etc/palisade/rules.d|" "$ROOT/etc/palisade/palisade.yaml" >"$WORK/staged.yaml"
check "the installed configuration loads, with the rules of rules.d" sh -c \
	"'$ROOT/usr/bin/palisade' config check '$WORK/staged.yaml' && grep -q '^  files: \[/etc/palisade/rules.d\]' '$ROOT/etc/palisade/palisade.yaml'"
check "the man page has every command's options" sh -c \
	"man -l '$ROOT/usr/share/man/man8/palisade.8' 2>/dev/null | grep -q -- '--verbose'"
check "bash completion offers the commands and a command's options" bash -c \
	"PATH='$ROOT/usr/bin':\$PATH; . '$ROOT/usr/share/bash-completion/completions/palisade'; COMP_WORDS=(palisade re); COMP_CWORD=1; _palisade; [[ \" \${COMPREPLY[*]} \" == *' replay '* ]] && COMP_WORDS=(palisade run --enf); COMP_CWORD=2; _palisade; [ \"\${COMPREPLY[*]}\" = --enforce ]"
UNIT=$ROOT/lib/systemd/system/palisade.service
if command -v systemd-analyze >/dev/null; then
	# verify runs the unit's commands' paths: point them at the DESTDIR copy.
	sed "s|/usr/bin/palisade|$ROOT/usr/bin/palisade|" "$UNIT" >"$WORK/palisade.service"
	check "systemd-analyze verify accepts the unit" sh -c \
		"MANPATH='$ROOT/usr/share/man' systemd-analyze verify '$WORK/palisade.service' 2>'$WORK/verify.err' || { cat '$WORK/verify.err' >&2; false; }"
else
	skip "systemd-analyze verify: systemd-analyze is not installed"
fi
check "the unit is Type=notify with a watchdog and restarts on failure" sh -c \
	"grep -qx 'Type=notify' '$UNIT' && grep -q '^WatchdogSec=' '$UNIT' && grep -qx 'Restart=on-failure' '$UNIT'"

# --- the installed binary, started as the unit starts it ---
# The unit's capability bounding set, less what this machine's own bounding
# set lacks (CAP_SYS_RESOURCE here: DESIGN.md section 1).
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
bounding=-all
for c in $caps; do
	n=$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')
	if capsh --print | grep -q "^Bounding set =.*cap_$n\b"; then bounding="$bounding,+$n"; fi
done
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
NOTIFY=$WORK/notify.sock
python3 - "$NOTIFY" "$WORK/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        msg = s.recv(4096).decode()
        log.write(msg.replace("\n", " ") + "\n")
        if "STOPPING=1" in msg:
            break
PY
LISTENER=$!
i=0
while [ ! -S "$NOTIFY" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# ExecStart with the DESTDIR copy's paths; the rules of that copy's rules.d.
set -- $(echo "$exec_start" | sed -e "s|/usr/bin/palisade|$ROOT/usr/bin/palisade|" \
	-e "s|/etc/palisade/palisade.yaml|$ROOT/etc/palisade/palisade.yaml|")
: >"$WORK/agent.err"
NOTIFY_SOCKET=$NOTIFY WATCHDOG_USEC=1000000 setpriv --bounding-set "$bounding" -- "$@" \
	--rules "$ROOT/etc/palisade/rules.d" --status-socket "$WORK/status.sock" \
	>"$WORK/agent.out" 2>"$WORK/agent.err" &
AGENT_PID=$!
i=0
until grep -q '^palisade: loaded' "$WORK/agent.err" || [ $i -gt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "the installed agent starts under the unit's capability set ($bounding)" \
	grep -q '^palisade: loaded' "$WORK/agent.err"
sleep 0.5
check "it tells the service manager READY=1 once loaded" grep -q 'READY=1' "$WORK/notify.log"
# The ids of the programs and links its file descriptors hold (fdinfo), in
# three looks 0.3 s apart: the status code briefly opens every link of the
# kernel (other agents' too) to read it, so only what stays is its own.
ids_of() {
	for look in 1 2 3; do
		cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n "s/^$2:[[:space:]]*//p" | sort -un
		sleep 0.3
	done | sort -n | uniq -c | awk '$1 == 3 { print $2 }'
}
progs=$(ids_of "$AGENT_PID" prog_id)
links=$(ids_of "$AGENT_PID" link_id)
check "its BPF programs and links are in the kernel while it runs ($(echo $progs | wc -w) programs, $(echo $links | wc -w) links)" \
	[ -n "$progs" ] && [ -n "$links" ]
cp /bin/true "$WORK/fr-install-true" && "$WORK/fr-install-true"
a=$(wait_json "$WORK/agent.out" alert '.rule=="Program run from a temporary directory" and (.output_fields["proc.exepath"]|endswith("fr-install-true"))' 10 fr-install-true)
check "it raises the installed rules' alert on its stdout (the journal)" [ -n "$a" ]
sleep 2.5
check "it pings the watchdog (WATCHDOG=1 at half the interval)" \
	[ "$(grep -c 'WATCHDOG=1' "$WORK/notify.log")" -ge 3 ]
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
# The listener ends at STOPPING=1; bounded, in case it never comes.
i=0
while kill -0 "$LISTENER" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
kill "$LISTENER" 2>/dev/null
check "SIGTERM (systemctl stop): exit 0 after STOPPING=1" sh -c \
	"[ $rc -eq 0 ] && grep -q 'STOPPING=1' '$WORK/notify.log'"
# The kernel frees a program after its last reference, in deferred work: a
# few moments after the exit.
left_of() {
	left=""
	for id in $progs; do bpftool prog show id "$id" >/dev/null 2>&1 && left="$left prog $id"; done
	for id in $links; do bpftool link show id "$id" >/dev/null 2>&1 && left="$left link $id"; done
}
i=0
left_of
while [ -n "$left" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); left_of; done
gone=$left
check "after the stop none of its programs or links is left in the kernel (gone within $((i * 100)) ms)${gone:+ (left:$gone)}" [ -z "$gone" ]

# --- fanotify marks: a deny rule with --enforce, then a stop ---
cat >"$WORK/deny.yaml" <<Y
- rule: fr-install deny
  desc: the test's protected file
  condition: evt.type in (open, openat, openat2) and fd.name = $WORK/protected
  output: denied %fd.name
  priority: WARNING
  action: deny
Y
echo secret >"$WORK/protected"
start_agent_with --enforce --rules "$WORK/deny.yaml" --output "$WORK/deny.json" --status-socket none || exit 1
fan=$(for fd in /proc/$AGENT_PID/fd/*; do
	[ "$(readlink "$fd")" = "anon_inode:[fanotify]" ] && grep -c '^fanotify ino:' "/proc/$AGENT_PID/fdinfo/${fd##*/}"
done | awk '{ s += $1 } END { print s + 0 }')
check "with a deny rule the agent holds fanotify marks ($fan)" [ "$fan" -gt 0 ]
check "and the protected file is denied" sh -c "! cat '$WORK/protected' 2>/dev/null"
pid=$AGENT_PID
stop_agent
check "after the stop no fanotify group of it is left, the file opens again" sh -c \
	"[ ! -d /proc/$pid ] && cat '$WORK/protected' >/dev/null"

# --- the Debian package ---
if ! command -v dh >/dev/null; then
	skip "make deb: debhelper is not installed (scripts/install-deps.sh installs it for make check)"
	exit 0
fi
make -s deb >"$WORK/deb.log" 2>&1
deb=$(ls build/deb/palisade_*.deb 2>/dev/null | head -1)
check "make deb builds the package with debhelper" [ -n "$deb" ]
[ -n "$deb" ] || { tail -30 "$WORK/deb.log" >&2; exit 0; }
check "the package holds the binary, the unit and the conffiles" sh -c \
	"dpkg-deb -c '$deb' >'$WORK/deb.list' && dpkg-deb -I '$deb' conffiles >'$WORK/deb.conf' && grep -q './usr/bin/palisade' '$WORK/deb.list' && grep -q './lib/systemd/system/palisade.service' '$WORK/deb.list' && grep -q /etc/palisade/palisade.yaml '$WORK/deb.conf'"
# Installed for real, in a mount namespace whose /etc/palisade is its own:
# agents of other tests on this host read /etc/palisade/palisade.yaml by default.
mkdir -p /etc/palisade
unshare -m --propagation private sh -c "
	mount -t tmpfs tmpfs /etc/palisade &&
	dpkg -i '$deb' >'$WORK/dpkg.log' 2>&1 &&
	/usr/bin/palisade config check /etc/palisade/palisade.yaml &&
	{ palisade run --config /etc/palisade/palisade.yaml --status-socket none >/dev/null 2>'$WORK/deb-agent.err' &
	  pid=\$!; i=0
	  until grep -q '^palisade: loaded' '$WORK/deb-agent.err' || [ \$i -gt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	  kill -INT \$pid; wait \$pid && grep -q '^palisade: loaded' '$WORK/deb-agent.err'; } &&
	dpkg --purge palisade >>'$WORK/dpkg.log' 2>&1 &&
	[ ! -e /usr/bin/palisade ] && [ ! -e /lib/systemd/system/palisade.service ] &&
	[ ! -e /etc/palisade/palisade.yaml ] && [ ! -e /etc/logrotate.d/palisade ]
" >"$WORK/deb-run.log" 2>&1
rc=$?
rmdir /etc/palisade 2>/dev/null
check "the package installs, its agent starts from the installed files, and a purge removes it all" \
	sh -c "[ $rc -eq 0 ] || { cat '$WORK/dpkg.log' '$WORK/deb-run.log' >&2; false; }"
check "no palisade package is left installed" sh -c "! dpkg -s palisade >/dev/null 2>&1"
