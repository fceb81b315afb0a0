#!/bin/sh
# palisade audit's daemon checks against a real dockerd configured for them:
# a private dockerd of this test (its own network namespace, data root,
# exec root, pidfile and socket; --bridge=none outside its own netns would
# delete the host's docker0) with a daemon.json and command-line flags that
# fix some checks and break others. The audit must find that dockerd by the
# socket it serves, read its --config-file, and merge the flags over it.
. tests/integration/lib.sh

command -v unshare >/dev/null || { echo "ok - skipped: no unshare"; exit 0; }
PD=$WORK/dockerd
PD_PID=
stop_pd() {
	[ -n "$PD_PID" ] || return 0
	kill -TERM "$PD_PID" 2>/dev/null
	wait "$PD_PID" 2>/dev/null
	PD_PID=
	# dockerd bind-mounts its data root on itself; a dockerd that failed leaves it
	! mountpoint -q "$PD/root" || umount "$PD/root"
}
trap 'stop_pd; cleanup' EXIT INT TERM
mkdir -p "$PD"
# userland-proxy, no-new-privileges, live-restore: the compliant values;
# log-level debug: 2.3 fails; icc unset: 2.2 fails (icc=false needs iptables,
# which --bridge=none turns off). The TCP socket without TLS (2.7) is a flag.
cat >"$PD/daemon.json" <<'EOF'
{"userland-proxy": false, "no-new-privileges": true, "live-restore": true, "log-level": "debug"}
EOF
chmod 0644 "$PD/daemon.json"
unshare --net dockerd --data-root "$PD/root" --exec-root "$PD/exec" -H "unix://$PD/docker.sock" \
	-H tcp://127.0.0.1:23765 --pidfile "$PD/docker.pid" --config-file "$PD/daemon.json" \
	--bridge=none --iptables=false --ip-masq=false >"$PD/log" 2>&1 &
PD_PID=$!
deadline=$(($(date +%s) + 30))
until docker -H "unix://$PD/docker.sock" info >/dev/null 2>&1; do
	if [ "$(date +%s)" -ge $deadline ] || ! kill -0 "$PD_PID" 2>/dev/null; then
		not_ok "the private dockerd did not start: $(tail -3 "$PD/log")"
		exit 1
	fi
	sleep 0.5
done

audit() { ./palisade audit --socket "$PD/docker.sock" --only daemon -f json >"$WORK/a.json" 2>"$WORK/err"; }
has() { jq -e --arg c "$1" '[.findings[] | select(.id==$c)] | length > 0' "$WORK/a.json" >/dev/null; }
hasnt() { ! has "$1"; }
both() { has "$1" && has "$2"; }
audit
objects() { [ "$(jq .summary.objects "$WORK/a.json")" = "$1" ]; }
check "the private dockerd is audited" objects 1
check "2.7: tcp://127.0.0.1:23765 without TLS (a flag) is reported" sh -c \
	"jq -e '.findings[] | select(.id==\"2.7\") | .evidence | contains(\"tcp://127.0.0.1:23765 without TLS\")' '$WORK/a.json' >/dev/null"
check "2.3: log-level debug (daemon.json) is reported" has 2.3
check "2.2: icc not set (its default is true) is reported" has 2.2
for c in 2.14 2.15 2.16; do
	check "$c: set in daemon.json, not reported" hasnt $c
done
check "3.18: daemon.json 0644 passes" hasnt 3.18
check "3.16: the private socket is 0660 or stricter" hasnt 3.16

chmod 0666 "$PD/daemon.json"
audit
check "3.18: daemon.json made 0666 is reported, with its path" sh -c \
	"jq -e --arg p '$PD/daemon.json' '.findings[] | select(.id==\"3.18\") | .evidence == (\$p + \" has mode 0666 (want 0644 or stricter)\")' '$WORK/a.json' >/dev/null"

# The shared daemon (no daemon.json, defaults) for contrast: 2.2 and 2.16 fail.
./palisade audit --only daemon -f json >"$WORK/a.json"
check "the shared dockerd (defaults): 2.2 and 2.16 reported" both 2.2 2.16
stop_pd
