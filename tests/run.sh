#!/bin/sh
# Runs every test: unit tests (cmocka, sanitizers on), then the integration
# tests (root, real kernel, real dockerd). Ends with "N passed, N failed,
# N skipped"; a skipped test is listed with its reason (tests/README.md).
# TESTS="pattern ..." limits the unit tests, fuzzers and integration scripts
# run to those whose name contains one of the patterns (e.g. TESTS=process,
# TESTS="fim stop"; TESTS=fuzz_ runs the fuzzers only).
set -u
cd "$(dirname "$0")/.."

# selected NAME: true when TESTS is empty or one of its words is in the name.
selected() {
	[ -z "${TESTS:-}" ] && return 0
	for p in $TESTS; do
		case "$1" in *"$p"*) return 0 ;; esac
	done
	return 1
}

passed=0
failed=0
skipped=0
failures=""

# A binary whose source is gone (a renamed test left in an old build
# directory) is not run.
built() {
	[ -x "$1" ] && [ -f "tests/$2/$(basename "$1").c" ]
}

for t in build/tests/test_*; do
	built "$t" unit && selected "$t" || continue
	out=$("$t" 2>&1)
	rc=$?
	# A binary may run several groups: add up every group's summary.
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	p=${p:-0}
	f=${f:-0}
	s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, or a sanitizer stopped it
	fi
	echo "unit $(basename "$t"): $p passed, $f failed, $s skipped"
	# Each skipped test by name, with the reason it printed ("skip - why").
	# (cmocka's summary goes to stderr, in no fixed order with stdout.)
	[ "$s" -eq 0 ] || printf '%s\n' "$out" | awk -v bin="$(basename "$t")" '
		/^\[ RUN      \] / { test = $4 }
		/^skip - / { print "skip - " bin "/" test ": " substr($0, 8) }'
	# cmocka's own failure lines first: a sanitizer's leak report of the
	# aborted test would otherwise push them out of the tail.
	[ "$f" -eq 0 ] || { printf '%s\n' "$out" | grep -E '^\[ +(ERROR|LINE|FAILED) +\]' | head -20
		printf '%s\n' "$out" | tail -40; failures="$failures $(basename "$t")"; }
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

# Fuzzers, for a bounded time each (FUZZ_SECONDS), on a fresh corpus that
# starts from the seeds in tests/fuzz/corpus/NAME/ when there are any
# (NAME: the fuzzer's name without fuzz_).
for f in build/fuzz/fuzz_*; do
	built "$f" fuzz && selected "$f" || continue
	corpus=$(mktemp -d)
	name=$(basename "$f")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	[ -d "$seeds" ] && cp -R "$seeds"/. "$corpus"/
	if (cd "$corpus" && "$OLDPWD/$f" -max_total_time="${FUZZ_SECONDS:-20}" "$corpus" >fuzz.log 2>&1); then
		echo "fuzz $(basename "$f"): ok for ${FUZZ_SECONDS:-20}s"
		passed=$((passed + 1))
	else
		echo "fuzz $(basename "$f"): FAILED"
		tail -30 "$corpus/fuzz.log"
		failed=$((failed + 1))
		failures="$failures $(basename "$f")"
	fi
	rm -rf "$corpus"
done

if [ "$(id -u)" -ne 0 ]; then
	echo "integration tests skipped: they need root" >&2
	failed=$((failed + 1))
else
	sh scripts/test-env.sh || failed=$((failed + 1))
	for t in tests/integration/test_*.sh; do
		selected "$t" || continue
		log=$(mktemp)
		echo "integration $(basename "$t"):"
		sh "$t" >"$log" 2>&1
		rc=$?
		cat "$log"
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
		s=$(grep -c '^skip ' "$log")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
			echo "not ok - $(basename "$t") exited $rc"
		fi
		[ "$f" -eq 0 ] || failures="$failures $(basename "$t")"
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
		rm -f "$log"
	done
fi

[ -z "$failures" ] || echo "failing:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
