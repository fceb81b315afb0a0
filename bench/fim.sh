#!/bin/sh
# File integrity baselines: palisade fim init/check against AIDE's
# --init/--check on the same tree, with the same attributes (docs/fim.md,
# docs/performance.md "File integrity baselines").
#
# One run measures both tools, each command once with a cold page cache
# (sync; echo 3 > /proc/sys/vm/drop_caches before it) and once warm (right
# after the cold run of the same command), in the order
#   cold: aide init, aide check, palisade init, palisade check
#   warm: the same four again
# so that drift of a shared machine touches both tools alike. AIDE runs with
# one worker per CPU (-W), palisade with its default (two threads per CPU).
# Reports wall and CPU seconds and AIDE / palisade ratios. It only reports:
# nothing here asserts on time.
#
#   TREE=/usr sh bench/fim.sh      (the tree to scan; default /usr)
set -eu

TREE=${TREE:-/usr}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=$(mktemp -d /tmp/palisade-fim-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "bench: needs root (drop_caches)" >&2; exit 1; }
[ -x "$root/palisade" ] || { echo "bench: build ./palisade first (make)" >&2; exit 1; }
command -v aide >/dev/null || { echo "bench: aide is not installed (apt-get install --no-install-recommends aide)" >&2; exit 1; }
cpus=$(nproc)

cat >"$dir/aide.conf" <<EOF
database_in=file:$dir/aide.db.gz
database_out=file:$dir/aide.db.new.gz
report_url=file:$dir/aide.report
Full = p+u+g+s+m+c+i+n+l+ftype+xattrs+caps+sha256
$TREE Full
EOF
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/fim.key"
chmod 600 "$dir/fim.key"
cat >"$dir/fim.yaml" <<EOF
database: $dir/fim.db
key_file: $dir/fim.key
paths: [$TREE]
EOF

drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# measure NAME CMD...: wall and CPU seconds of CMD into $dir/NAME.time
measure() {
	name=$1
	shift
	/usr/bin/env time -f '%e %U %S' -o "$dir/$name.time" "$@" >"$dir/$name.out" 2>"$dir/$name.err" || true
}

run_all() {
	c=$1
	[ "$c" = warm ] || drop
	measure "aide-init-$c" sh -c "$(command -v aide) -c $dir/aide.conf -W $cpus --init && mv $dir/aide.db.new.gz $dir/aide.db.gz"
	[ "$c" = warm ] || drop
	measure "aide-check-$c" aide -c "$dir/aide.conf" -W "$cpus" --check
	[ "$c" = warm ] || drop
	measure "palisade-init-$c" "$root/palisade" fim init -c "$dir/fim.yaml" --force
	[ "$c" = warm ] || drop
	measure "palisade-check-$c" "$root/palisade" fim check -c "$dir/fim.yaml"
}

command -v /usr/bin/time >/dev/null || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
echo "tree $TREE: $(find "$TREE" -xdev | wc -l) entries, $(du -sh "$TREE" 2>/dev/null | cut -f1); $cpus CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
run_all cold
run_all warm
grep -h 'scanned' "$dir"/palisade-init-cold.err || true

printf '\n%-6s %-6s %12s %12s %12s %12s %8s %8s\n' cache phase "aide wall" "aide cpu" "pal. wall" "pal. cpu" "wall x" "cpu x"
for c in cold warm; do
	for p in init check; do
		# (time first prints "Command exited with non-zero status N" when the
		# command did: aide --check does when it finds changes)
		set -- $(tail -1 "$dir/aide-$p-$c.time") $(tail -1 "$dir/palisade-$p-$c.time")
		aw=$1 au=$2 as=$3 pw=$4 pu=$5 ps=$6
		awk -v c="$c" -v p="$p" -v aw="$aw" -v ac="$(echo "$au $as" | awk '{print $1+$2}')" \
			-v pw="$pw" -v pc="$(echo "$pu $ps" | awk '{print $1+$2}')" 'BEGIN {
			printf "%-6s %-6s %11.2fs %11.2fs %11.2fs %11.2fs %7.1fx %7.1fx\n", c, p, aw, ac, pw, pc,
				aw / (pw > 0 ? pw : 0.01), ac / (pc > 0 ? pc : 0.01) }'
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
