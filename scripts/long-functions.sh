#!/bin/sh
# Functions longer than MAX lines (default 120: the team's bound, issue 14),
# longest first, as "LINES FILE:LINE NAME"; exit 1 when there is one.
# Usage: sh scripts/long-functions.sh [MAX] [FILE...] (default: src/ and bpf/).
# A function is a '{' in column 0 up to the next '}' in column 0, its name
# the identifier before '(' on the last line that began a declaration
# (the tree's style: clang-format, a function's braces in column 0).
set -u
cd "$(dirname "$0")/.."
max=${1:-120}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- $(find src bpf -name '*.c' | sort)
found=$(for f in "$@"; do
	awk -v max="$max" -v file="$f" '
		/^[A-Za-z_].*\(/ && !body { decl = $0; decl_line = NR }
		/^\{/ && !body { body = 1; start = decl_line ? decl_line : NR; name = decl; next }
		/^\}/ && body {
			body = 0
			if (NR - start + 1 > max) {
				sub(/\(.*/, "", name)
				sub(/.*[ *]/, "", name)
				printf "%d %s:%d %s\n", NR - start + 1, file, start, name
			}
			decl_line = 0
		}' "$f"
done | sort -rn)
[ -z "$found" ] && exit 0
printf '%s\n' "$found"
exit 1
