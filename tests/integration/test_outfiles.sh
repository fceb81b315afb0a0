#!/bin/sh
# Files the agent writes as root are never reached through a link planted by
# another user, never another kind of file truncated (issue 12, issue 15's
# `run -r rules.yaml`), and recordings and event streams are created 0600.
# fs.protected_symlinks is set to 0 for the test (the kernel would otherwise
# refuse root the planted link itself) and restored.
. tests/integration/lib.sh

PROTECTED=$(sysctl -n fs.protected_symlinks)
SHARED=$(mktemp -d /tmp/palisade-harden-outfiles.XXXXXX)
chmod 1777 "$SHARED" # a sticky, world-writable directory, as /tmp
restore() {
	sysctl -qw fs.protected_symlinks="$PROTECTED"
	rm -rf "$SHARED"
	cleanup
}
trap restore EXIT INT TERM
sysctl -qw fs.protected_symlinks=0

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
rules="$WORK/rules.yaml"
cat >"$rules" <<'EOF'
- rule: harden outfiles never
  desc: never fires
  condition: evt.type=execve and proc.name=palisade-harden-none
  output: never
  priority: WARNING
EOF
victim="$WORK/victim"
printf 'root only\n' >"$victim"
chmod 600 "$victim"
sum=$(md5sum <"$victim")
run_once() { timeout 20 ./palisade run --no-docker --rules "$rules" "$@" 2>"$WORK/run.err"; }

for opt in --record -e --output; do
	link="$SHARED/planted$opt"
	as_nobody ln -s "$victim" "$link"
	run_once "$opt" "$link"
	rc=$?
	check "$opt through a link planted by nobody: refused (exit $rc)" \
		sh -c "[ $rc -ne 0 ] && grep -q 'is a symbolic link' '$WORK/run.err'"
	check "$opt: the link's root-owned target is unchanged" [ "$(md5sum <"$victim")" = "$sum" ]
	run_once --force "$opt" "$link"
	check "$opt --force still refuses the link" [ "$(md5sum <"$victim")" = "$sum" ]
done

# A file nobody created in the shared directory, waiting for root's write.
as_nobody sh -c "printf 'PLSDREC\nbait' >'$SHARED/theirs.rec'"
run_once --record "$SHARED/theirs.rec"
check "--record onto another user's file: refused" grep -q 'owned by another user' "$WORK/run.err"

# Issue 15: Falco's -r names a rules file, and so does palisade's: read, never written.
cp "$rules" "$WORK/mine.yaml"
rsum=$(md5sum <"$WORK/mine.yaml")
run_once -r "$WORK/mine.yaml" --dry-run
check "run -r RULES.yaml loads the rules file (Falco's meaning) and leaves it as it was" \
	sh -c "grep -q 'rules: 1 loaded' '$WORK/run.err' && [ \"\$(md5sum <'$WORK/mine.yaml')\" = '$rsum' ]"
printf 'my notes\n' >"$WORK/notes.txt"
run_once -e "$WORK/notes.txt"
check "-e onto an existing text file: refused, kept" \
	sh -c "grep -q 'is not a palisade event stream' '$WORK/run.err' && grep -q 'my notes' '$WORK/notes.txt'"

# The audit log and a spool directory from the configuration, planted too.
as_nobody ln -s "$victim" "$SHARED/audit.log"
as_nobody mkdir "$SHARED/spool-theirs"
cat >"$WORK/cfg.yaml" <<EOF
outputs:
  - type: audit_log
    path: $SHARED/audit.log
EOF
run_once --config "$WORK/cfg.yaml"
check "audit_log path through a planted link: refused" grep -q 'is a symbolic link' "$WORK/run.err"
cat >"$WORK/cfg2.yaml" <<EOF
outputs:
  - type: file
    path: $WORK/alerts-spooled.json
    spool_dir: $SHARED/spool-theirs
EOF
run_once --config "$WORK/cfg2.yaml"
check "spool_dir owned by another user: refused" grep -q 'owned by another' "$WORK/run.err"
check "the victim survived every attempt" [ "$(md5sum <"$victim")" = "$sum" ]

# New files: recordings and event streams 0600, alerts 0640 (umask 022).
umask 022
start_agent_with --no-docker --rules "$rules" --record "$WORK/new.rec" -e "$WORK/new.json" \
	--output "$WORK/new-alerts.json" || exit 1
/bin/true
sleep 1
stop_agent
check "recording created 0600" [ "$(stat -c %a "$WORK/new.rec")" = 600 ]
check "event stream created 0600" [ "$(stat -c %a "$WORK/new.json")" = 600 ]
check "alert file created 0640" [ "$(stat -c %a "$WORK/new-alerts.json")" = 640 ]
# Its own outputs are reused without --force: a recording, an event stream.
chmod 644 "$WORK/new.rec"
start_agent_with --no-docker --rules "$rules" --record "$WORK/new.rec" -e "$WORK/new.json" || exit 1
stop_agent
check "a second run replaces its own recording and narrows it to 0600" \
	sh -c "head -c 7 '$WORK/new.rec' | grep -q PLSDREC && [ \"\$(stat -c %a '$WORK/new.rec')\" = 600 ]"
./palisade replay --output none -e "$WORK/notes.txt" "$WORK/new.rec" 2>"$WORK/replay.err"
check "replay -e onto a text file: refused" grep -q 'is not a palisade event stream' "$WORK/replay.err"
./palisade replay --output none --force -e "$WORK/notes.txt" "$WORK/new.rec" 2>"$WORK/replay.err"
check "replay --force -e replaces it" sh -c "! grep -q 'my notes' '$WORK/notes.txt'"
