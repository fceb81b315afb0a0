#!/bin/sh
# Rules loading at scale (issue 12): generates the hostile and the merely huge
# rules files and times `palisade rules check` on each, with peak RSS.
#
#   rules N      N rules, each using a macro, a list and its own name
#                (Falco's files define and reference names by the thousand)
#   appends N    one rule and N `override: {condition: append}` to it
#   output MB    one rule whose output is MB megabytes of %field references
#
# CPU time (user + sys) is reported next to wall time: on a shared machine
# wall time is noisy, CPU time much less so. The ratio of the 100k-rule run
# to the 10k-rule run shows whether loading is linear (about 10) or not.
# It only reports: nothing here asserts on time. Figures: docs/performance.md.
#
# usage: sh bench/rules_scale.sh [N_RULES (100000)] [N_APPENDS (10000)] [OUTPUT_MB (5)]
set -u
cd "$(dirname "$0")/.."

N=${1:-100000}
A=${2:-10000}
MB=${3:-5}
DIR=$(mktemp -d /tmp/palisade-rules-scale.XXXXXX)
trap 'rm -rf "$DIR"' EXIT INT TERM
[ -x ./palisade ] || { echo "build ./palisade first (make)" >&2; exit 1; }

gen_rules() {
	awk -v n="$1" 'BEGIN {
		print "- list: shells\n  items: [sh, bash]\n- macro: spawned\n  condition: evt.type=execve"
		for (i = 0; i < n; i++)
			printf "- rule: rule %d\n  desc: d\n  condition: spawned and proc.name in (shells) and proc.pname=p%d\n  output: \"x %%proc.name\"\n  priority: WARNING\n", i, i
	}'
}

gen_appends() {
	awk -v n="$1" 'BEGIN {
		print "- rule: r\n  desc: d\n  condition: evt.type=execve\n  output: o\n  priority: WARNING"
		for (i = 0; i < n; i++)
			printf "- rule: r\n  condition: and proc.name != name%d\n  override:\n    condition: append\n", i
	}'
}

gen_output() {
	awk -v mb="$1" 'BEGIN {
		printf "- rule: r\n  desc: d\n  condition: evt.type=execve\n  priority: WARNING\n  output: \""
		for (i = 0; i < mb * 1048576 / 11; i++)
			printf " %%proc.name"
		print "\""
	}'
}

# measure NAME FILE: one line of figures; the rules must load.
measure() {
	size=$(stat -c %s "$2")
	/usr/bin/time -f '%e %U %S %M' -o "$DIR/time" ./palisade rules check "$2" >"$DIR/out" 2>&1 ||
		{ echo "$1: rules check failed:" >&2; tail -3 "$DIR/out" >&2; return 1; }
	read -r wall user sys rss <"$DIR/time"
	cpu=$(echo "$user $sys" | awk '{ printf "%.2f", $1 + $2 }')
	printf '%-16s %9.1f MB in  %6.2f s wall  %6.2f s cpu  %8.1f MB peak RSS (%.0fx the input)\n' \
		"$1" "$(echo "$size" | awk '{ print $1 / 1048576 }')" "$wall" "$cpu" \
		"$(echo "$rss" | awk '{ print $1 / 1024 }')" "$(echo "$rss $size" | awk '{ print $1 * 1024 / $2 }')"
	echo "$cpu" >"$DIR/cpu.$1"
}

gen_rules $((N / 10)) >"$DIR/small.yaml"
gen_rules "$N" >"$DIR/rules.yaml"
gen_appends "$A" >"$DIR/appends.yaml"
gen_output "$MB" >"$DIR/output.yaml"
echo "palisade rules check, $(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg)"
measure "rules-$((N / 10))" "$DIR/small.yaml" || exit 1
measure "rules-$N" "$DIR/rules.yaml" || exit 1
measure "appends-$A" "$DIR/appends.yaml" || exit 1
measure "output-${MB}MB" "$DIR/output.yaml" || exit 1
awk -v a="$(cat "$DIR/cpu.rules-$((N / 10))")" -v b="$(cat "$DIR/cpu.rules-$N")" \
	'BEGIN { if (a > 0) printf "cpu ratio rules-%d / rules-%d: %.1f (linear: about 10)\n", '"$N"', '"$((N / 10))"', b / a }'
