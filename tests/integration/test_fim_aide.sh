#!/bin/sh
# palisade fim init/check against AIDE 0.18 on the same tree (a copy of part
# of /usr and /etc in a temporary directory, never the real ones) and the
# same prepared change set: both must report the same entries added, removed
# and changed, and the same attributes changed for each. Then: a rewritten
# baseline is detected (exit 3), update accepts the changes, JSON and text
# agree, the exit status says whether anything changed.
set -u
. tests/integration/lib.sh

if ! command -v aide >/dev/null 2>&1; then
	skip "test_fim_aide: aide is not installed (PALISADE_TEST_DEPS=1 sh scripts/install-deps.sh)"
	exit 0
fi
command -v setcap >/dev/null 2>&1 || { skip "test_fim_aide: setcap (libcap2-bin) missing"; exit 0; }

T=$WORK/tree
mkdir -p "$T/bin" "$T/lib" "$T/etc/sub"
# A small real tree: binaries (one setuid), libraries and their symlinks, configuration.
for b in ls cat cp mv ln chmod chown passwd su mount date; do
	cp -a "/usr/bin/$b" "$T/bin/" 2>/dev/null
done
for l in libz.so.1 libcap.so.2 libacl.so.1; do
	real=$(readlink -f "/usr/lib/x86_64-linux-gnu/$l") && cp -a "$real" "$T/lib/" &&
		ln -s "$(basename "$real")" "$T/lib/$l"
done
for e in hostname hosts passwd group nsswitch.conf; do cp -a "/etc/$e" "$T/etc/"; done
echo "key=value" >"$T/etc/sub/app.conf"
# AIDE keeps times to the second: the changes must be in another second.
find "$T" -exec touch -h -d '2024-01-02 03:04:05' {} +

# Same attributes on both sides.
cat >"$WORK/aide.conf" <<EOF
database_in=file:$WORK/aide.db.gz
database_out=file:$WORK/aide.db.new.gz
report_format=json
report_url=stdout
Full = p+u+g+s+m+c+i+n+l+ftype+xattrs+caps+sha256
$T Full
EOF
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/fim.key"
chmod 600 "$WORK/fim.key"
cat >"$WORK/fim.yaml" <<EOF
database: $WORK/fim.db
key_file: $WORK/fim.key
paths:
  - {path: $T, class: binary}
EOF

aide -c "$WORK/aide.conf" --init >/dev/null 2>"$WORK/aide-init.err"
check "aide --init" test $? -eq 0
mv "$WORK/aide.db.new.gz" "$WORK/aide.db.gz"
check "fim init" ./palisade fim init -c "$WORK/fim.yaml" 2>"$WORK/init.err"
./palisade fim check -c "$WORK/fim.yaml" >"$WORK/clean.txt" 2>/dev/null
check "fim check on an unchanged tree exits 0" test $? -eq 0
check "fim check says no changes" grep -q '^palisade fim: no changes' "$WORK/clean.txt"
sleep 1.2

# The change set.
dd if=/dev/urandom of="$T/bin/date" bs=1 count=16 seek=4096 conv=notrunc 2>/dev/null # content, same size
echo "new" >"$T/bin/added"                                                             # added
rm "$T/etc/hostname"                                                                   # removed
chmod 0700 "$T/bin/cp"                                                                 # mode
chmod u+s "$T/bin/date"                                                                # setuid added
chown 1000:1000 "$T/etc/sub/app.conf"                                                  # owner
ln -sfn libcap.so.2.66 "$T/lib/libz.so.1"                                              # symlink retargeted
setcap cap_net_raw+ep "$T/bin/ls"                                                      # capability
ln "$T/bin/cat" "$T/bin/cat.hard"                                                      # hardlink added

aide -c "$WORK/aide.conf" --check >"$WORK/aide.json" 2>"$WORK/aide.err"
check "aide --check reports changes (non-zero exit)" test $? -ne 0
./palisade fim check -c "$WORK/fim.yaml" --format json >"$WORK/fim.json" 2>"$WORK/check.err"
check "fim check exits 1 on changes" test $? -eq 1
./palisade fim check -c "$WORK/fim.yaml" >"$WORK/fim.txt" 2>/dev/null

# Both reports as one comparable list: "added PATH", "removed PATH",
# "changed PATH ATTR,ATTR". AIDE names its attributes its way; it reports a
# capability under xattrs, palisade under xattrs and caps.
python3 - "$WORK/aide.json" "$WORK/fim.json" "$WORK/aide.list" "$WORK/fim.list" <<'EOF'
import json, sys
aide_names = {"perm": "mode", "uid": "uid", "gid": "gid", "size": "size",
              "modify_time": "mtime", "change_time": "ctime", "inode": "inode",
              "link_count": "nlink", "link_name": "target", "xattrs": "xattrs",
              "sha256": "hash", "ftype": "type"}
a = json.load(open(sys.argv[1]))
out = [f"added {p}" for p in a.get("added", {})] + [f"removed {p}" for p in a.get("removed", {})]
for p in a.get("changed", {}):
    attrs = sorted({aide_names.get(k, "aide:" + k) for k in a.get("details", {}).get(p, {})})
    out.append(f"changed {p} {','.join(attrs)}")
open(sys.argv[3], "w").write("\n".join(sorted(out)) + "\n")
f = json.load(open(sys.argv[2]))
out = [f"added {e['path']}" for e in f["added"]] + [f"removed {e['path']}" for e in f["removed"]]
for c in f["changed"]:
    attrs = sorted({"xattrs" if k == "caps" else k for k in c["changes"]})
    out.append(f"changed {c['path']} {','.join(attrs)}")
open(sys.argv[4], "w").write("\n".join(sorted(out)) + "\n")
EOF
cat "$WORK/fim.list"
if diff -u "$WORK/aide.list" "$WORK/fim.list" >"$WORK/lists.diff"; then
	ok "palisade and AIDE report the same changes ($(wc -l <"$WORK/fim.list") entries)"
else
	not_ok "palisade and AIDE report the same changes"
	cat "$WORK/lists.diff"
fi
# Each change of the set is in the report, with its old and new value.
has() { jq -e "$1" "$WORK/fim.json" >/dev/null || { echo "missing: $1" >&2; return 1; }; }
check "content changed, size unchanged" has ".changed[] | select(.path == \"$T/bin/date\") | .changes | has(\"hash\") and (has(\"size\") | not)"
check "setuid added: mode 0755 -> 4755" has ".changed[] | select(.path == \"$T/bin/date\") | .changes.mode == {\"old\": \"0755\", \"new\": \"4755\"}"
check "mode change" has ".changed[] | select(.path == \"$T/bin/cp\") | .changes.mode.new == \"0700\""
check "owner change" has ".changed[] | select(.path == \"$T/etc/sub/app.conf\") | .changes.uid == {\"old\": 0, \"new\": 1000}"
check "symlink retargeted" has ".changed[] | select(.path == \"$T/lib/libz.so.1\") | .changes.target.new == \"libcap.so.2.66\""
check "capability added" has ".changed[] | select(.path == \"$T/bin/ls\") | .changes.caps == {\"old\": \"none\", \"new\": \"cap_net_raw=ep\"}"
check "hardlink added: the new name, and the link count" has "(.added[] | select(.path == \"$T/bin/cat.hard\")) and (.changed[] | select(.path == \"$T/bin/cat\") | .changes.nlink == {\"old\": 1, \"new\": 2})"
check "file added" has ".added[] | select(.path == \"$T/bin/added\" and .type == \"file\")"
check "file removed" has ".removed[] | select(.path == \"$T/etc/hostname\")"
check "text report: old and new value" grep -q '^    mode    0755 -> 4755$' "$WORK/fim.txt"

# A rewritten baseline: the attacker hides the setuid bit by writing the new
# mode into the database (and, separately, by re-signing with a key of their own).
cp "$WORK/fim.db" "$WORK/fim.db.orig"
sed -i "s|^\($(echo "$T" | sed 's|/|\\/|g')/bin/date\t[0-9a-f]*\tfile\t\)0755|\14755|" "$WORK/fim.db"
if cmp -s "$WORK/fim.db" "$WORK/fim.db.orig"; then
	not_ok "the test rewrote the baseline"
else
	./palisade fim check -c "$WORK/fim.yaml" >/dev/null 2>"$WORK/tamper.err"
	check "a rewritten baseline is detected (exit 3)" test $? -eq 3
	check "and said so" grep -q 'is not authentic: its hmac-sha256 does not verify' "$WORK/tamper.err"
fi
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/other.key"
chmod 600 "$WORK/other.key"
sed "s|$WORK/fim.key|$WORK/other.key|" "$WORK/fim.yaml" >"$WORK/other.yaml"
./palisade fim init -c "$WORK/other.yaml" --force 2>/dev/null # a baseline of the changed tree, another key
./palisade fim check -c "$WORK/fim.yaml" >/dev/null 2>&1
check "a baseline written with another key is refused (exit 3)" test $? -eq 3
head -c -20 "$WORK/fim.db.orig" >"$WORK/fim.db"
./palisade fim check -c "$WORK/fim.yaml" >/dev/null 2>&1
check "a cut baseline is refused (exit 3)" test $? -eq 3

# update accepts the changes; the next check is clean.
cp "$WORK/fim.db.orig" "$WORK/fim.db"
./palisade fim update -c "$WORK/fim.yaml" >/dev/null 2>&1
check "update exits 0" test $? -eq 0
./palisade fim check -c "$WORK/fim.yaml" >/dev/null 2>&1
check "check after update exits 0" test $? -eq 0
./palisade fim init -c "$WORK/fim.yaml" >/dev/null 2>"$WORK/init2.err"
check "init refuses to replace a baseline" grep -q 'exists: `palisade fim update`' "$WORK/init2.err"
# The database is written as outfile/ writes root's files: never through a link.
rm -f "$WORK/fim.db" && ln -s "$WORK/victim" "$WORK/fim.db"
./palisade fim init -c "$WORK/fim.yaml" --force >/dev/null 2>"$WORK/link.err"
check "a planted link at the database's path is refused (exit 2)" test $? -eq 2
check "and said so" grep -q 'symbolic link' "$WORK/link.err"
check "its target untouched" test ! -e "$WORK/victim"
