#!/bin/sh
# File integrity in real time (issue 19, docs/fim.md "Real time"): palisade
# run --fim judges the sensor's file syscalls with the FIM rules. Real files,
# a real container, the real fanotify guard:
#  - a change made while the agent was stopped is reported at start;
#  - a write to a watched binary by a shell: alert, writer named;
#  - the same under a verified package manager (by path and baseline hash):
#    logged as the package manager's; under one whose executable no longer
#    has its baseline content: alert; a real dpkg installing a package (into
#    a root of its own, --root: the system's package database is untouched);
#  - chmod u+s, a rename over a watched file: alerts;
#  - a configuration file changed by an unknown user: record-and-audit notice;
#  - a drift write in a container: the container named;
#  - a denied write: EPERM for the writer, the file unchanged; a verified
#    package manager's write to the same directory goes through.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

command -v setpriv >/dev/null || { skip "test_fim_live: setpriv missing (util-linux)"; exit 0; }
BB=$(command -v busybox) || { skip "test_fim_live: busybox missing (busybox-static)"; exit 0; }

# Others must reach the files as nobody (mktemp -d makes WORK 0700).
chmod 755 "$WORK"
T=$WORK/tree
mkdir -p "$T/bin" "$T/protected" "$T/pm/good" "$T/pm/bad" "$T/etc"
for f in tool tool2 tool3 tool4 tool5 offline; do
	printf 'binary %s\n' "$f" >"$T/bin/$f"
	chmod 755 "$T/bin/$f"
done
printf 'protected\n' >"$T/protected/tool"
printf 'protected\n' >"$T/protected/tool2"
cp "$T/protected/tool" "$WORK/protected.orig"
printf 'setting=1\n' >"$T/etc/app.conf"
chmod 666 "$T/etc/app.conf"
# Two "package managers" by path (static busybox, named busybox so that its
# applets run: its sh runs anything): good keeps its baseline content, bad is
# changed after the init.
PM=$T/pm/good/busybox
BAD=$T/pm/bad/busybox
cp "$BB" "$PM"
cp "$BB" "$BAD"
# A package for dpkg: it replaces bin/pkgtool of its root.
DPKG=$(command -v dpkg || true)
if [ -n "$DPKG" ]; then
	mkdir -p "$WORK/pkg/DEBIAN" "$WORK/pkg/bin" "$T/dpkgroot/bin" "$T/dpkgroot/var/lib/dpkg/info" \
		"$T/dpkgroot/var/lib/dpkg/updates"
	: >"$T/dpkgroot/var/lib/dpkg/status"
	printf 'Package: palisade-fimtest\nVersion: 1\nArchitecture: all\nMaintainer: palisade tests <t@example.invalid>\nDescription: palisade FIM test\n' \
		>"$WORK/pkg/DEBIAN/control"
	printf 'new\n' >"$WORK/pkg/bin/pkgtool"
	chmod 755 "$WORK/pkg/bin/pkgtool"
	printf 'old\n' >"$T/dpkgroot/bin/pkgtool"
	dpkg-deb --build --root-owner-group "$WORK/pkg" "$WORK/fimtest.deb" >/dev/null || DPKG=
fi
DPKG_PATHS=
[ -z "$DPKG" ] || DPKG_PATHS="  - {path: $DPKG, class: binary}
  - {path: $T/dpkgroot/bin, class: binary}"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/fim.key"
chmod 600 "$WORK/fim.key"
cat >"$WORK/fim.yaml" <<EOF
database: $WORK/fim.db
key_file: $WORK/fim.key
package_managers: [$PM, $BAD${DPKG:+, $DPKG}]
paths:
$DPKG_PATHS
  - {path: $T/bin, class: binary}
  - {path: $T/protected, class: binary}
  - {path: $T/pm, class: binary}
  - {path: $T/etc, class: config}
EOF
# The protect rule, enabled for this tree only.
cat >"$WORK/extra.yaml" <<EOF
- macro: fim_protected_binaries
  condition: (fd.name startswith $T/protected/)
- rule: FIM - unsanctioned write to a binary denied
  enabled: true
EOF

./palisade fim init -c "$WORK/fim.yaml" >"$WORK/init.out" 2>&1 ||
	{ cat "$WORK/init.out"; not_ok "fim init"; exit 1; }
printf 'tampered\n' >>"$BAD"
printf 'changed while stopped\n' >>"$T/bin/offline"

start_agent --fim "$WORK/fim.yaml" -r "$WORK/extra.yaml" --enforce ||
	{ not_ok "agent starts with --fim"; exit 1; }
# The guard is up once it says so (its marks are in place).
i=0
until grep -q 'fanotify: guarding' "$WORK/agent.err" || [ $i -gt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done

B='.rule == "FIM - binary changed outside a package manager"'
F='.output_fields'

m=$(wait_alert ".rule == \"FIM - changed while the agent was not running\" and $F[\"fim.path\"] == \"$T/bin/offline\"" 60)
check "a change made while the agent was stopped is reported at start" \
	expect "$m" "$F[\"fim.change\"] == \"changed\" and ($F[\"fim.attributes\"] | test(\"hash\"))"

sh -c "printf 'evil\n' >>$T/bin/tool"
m=$(wait_alert "$B and $F[\"fim.path\"] == \"$T/bin/tool\"" 20)
check "a shell's write to a watched binary: alert, writer named" \
	expect "$m" "$F[\"fim.change\"] == \"write\" and ($F[\"proc.exepath\"] | test(\"/(da)?sh\$\")) and $F[\"fim.pkgmgr\"] == \"\" and $F[\"user.name\"] == \"root\" and $F[\"fim.baseline\"] == true"

"$PM" sh -c "/bin/sh -c 'printf upgrade >>$T/bin/tool2'; true"
m=$(wait_alert ".rule == \"FIM - binary changed by a package manager\" and $F[\"fim.path\"] == \"$T/bin/tool2\"" 20)
check "a write under a verified package manager: logged as its change" \
	expect "$m" "$F[\"fim.pkgmgr\"] == \"$PM\" and $F[\"proc.pexepath\"] == \"$PM\""
check "... and not alerted as an unsanctioned change" \
	sh -c "! grep -F '$T/bin/tool2' '$WORK/alerts.json' | grep -qF 'outside a package manager'"

if [ -n "$DPKG" ]; then
	dpkg --root="$T/dpkgroot" --force-script-chrootless -i "$WORK/fimtest.deb" >"$WORK/dpkg.out" 2>&1
	m=$(wait_alert ".rule == \"FIM - binary changed by a package manager\" and $F[\"fim.path\"] == \"$T/dpkgroot/bin/pkgtool\"" 20)
	check "dpkg installing a package: its change logged as dpkg's" \
		expect "$m" "$F[\"fim.pkgmgr\"] == \"$DPKG\" and $F[\"proc.exepath\"] == \"$DPKG\""
else
	skip "dpkg: not installed here"
fi

"$BAD" sh -c "/bin/sh -c 'printf upgrade >>$T/bin/tool3'; true"
m=$(wait_alert "$B and $F[\"fim.path\"] == \"$T/bin/tool3\"" 20)
check "a package manager whose executable differs from its baseline is not trusted" \
	expect "$m" "$F[\"fim.pkgmgr\"] == \"$BAD\""

chmod u+s "$T/bin/tool4"
m=$(wait_alert "$B and $F[\"fim.path\"] == \"$T/bin/tool4\"" 20)
check "chmod u+s of a watched binary: alert" \
	expect "$m" "$F[\"fim.change\"] == \"chmod\" and ($F[\"evt.args\"] | test(\"S_ISUID\"))"

printf 'replacement\n' >"$WORK/replacement"
mv "$WORK/replacement" "$T/bin/tool5"
m=$(wait_alert "$B and $F[\"fim.path\"] == \"$T/bin/tool5\"" 20)
check "a rename over a watched binary: alert" \
	expect "$m" "$F[\"fim.change\"] == \"rename\" and ($F[\"proc.exepath\"] | test(\"mv\$\"))"

setpriv --reuid 65534 --regid 65534 --clear-groups sh -c "printf 'setting=2\n' >>$T/etc/app.conf"
m=$(wait_alert ".rule == \"FIM - configuration changed by an unknown user\" and $F[\"fim.path\"] == \"$T/etc/app.conf\"" 20)
check "a configuration file changed by an unknown user: record-and-audit notice" \
	expect "$m" ".priority == \"Notice\" and $F[\"user.uid\"] == 65534"

# Denied: the writer gets EPERM, the file keeps its content.
if sh -c "printf 'evil\n' >>$T/protected/tool" 2>"$WORK/deny.err"; then
	not_ok "a write to a protected binary is refused"
else
	check "a write to a protected binary is refused with EPERM" grep -q 'not permitted' "$WORK/deny.err"
fi
check "... the file is unchanged" cmp -s "$T/protected/tool" "$WORK/protected.orig"
m=$(wait_alert ".rule == \"FIM - unsanctioned write to a binary denied\" and $F[\"fd.name\"] == \"$T/protected/tool\"" 20)
check "... and reported with the writer" \
	expect "$m" ".palisade_action.outcome != null and ($F[\"proc.exepath\"] | test(\"sh\$\"))"
"$PM" sh -c "/bin/sh -c 'printf upgrade >>$T/protected/tool2'; true" 2>"$WORK/pm.err"
check "a verified package manager writes to the protected directory" \
	grep -q upgrade "$T/protected/tool2"

# Drift in a container's writable layer, the container named.
name=fimlive-$$
run_container "$name" "$IMAGE" sh -c 'sleep 1; echo drift >/etc/fimlive-drift; sleep 60'
m=$(wait_alert ".rule == \"FIM - container drift below a system directory\" and $F[\"container.name\"] == \"$name\"" 30)
check "a drift write in a container: the container named" \
	expect "$m" "$F[\"fim.path\"] == \"/etc/fimlive-drift\" and $F[\"fim.change\"] == \"write\""
