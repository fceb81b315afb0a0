#!/bin/sh
# The parts of docs/*.md that the binary prints from its tables (the settings
# table, the sink types, Falco's keys and flags), between a line
#   <!-- generated: ARGS -->
# and a line
#   <!-- end generated -->
# are the output of `./palisade ARGS`. This rewrites them; with --check it
# only says which differ (exit 1), so that the docs cannot disagree with the
# table (tests/integration/test_docs.sh).
set -u
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = --check ] && check=true
status=0
for doc in docs/*.md; do
	grep -q '^<!-- generated: ' "$doc" || continue
	new=$(mktemp)
	awk -v bin=./palisade '
		/^<!-- generated: .* -->$/ {
			print
			cmd = $0
			sub(/^<!-- generated: /, "", cmd)
			sub(/ -->$/, "", cmd)
			c = bin " " cmd
			while ((c | getline line) > 0)
				print line
			close(c)
			skip = 1
			next
		}
		/^<!-- end generated -->$/ { skip = 0 }
		!skip { print }
	' "$doc" >"$new"
	if cmp -s "$doc" "$new"; then
		rm -f "$new"
	elif $check; then
		echo "$doc: the generated parts differ from ./palisade's output (run sh scripts/gen-docs.sh):" >&2
		diff -u "$doc" "$new" | head -20 >&2
		rm -f "$new"
		status=1
	else
		mv "$new" "$doc"
		echo "updated $doc"
	fi
done
exit $status
