#!/bin/sh
# The long fuzzing routine (issue 12): every libFuzzer target for a long time
# (default 30 minutes each), one after the other, on corpora kept between runs
# in build/fuzz-long/corpus/NAME (seeded from tests/fuzz/corpus/NAME the first
# time). Not part of `make check`, which fuzzes 20 s each on a fresh corpus.
#
# Each input is bounded: an input taking more than 10 s (-timeout) or a run
# above 2 GB (-rss_limit_mb) is a finding, as a crash or a sanitizer report
# is. Findings are kept in build/fuzz-long/artifacts/NAME/ (reproduce one
# with: build/fuzz/NAME FILE). It ends with one line per fuzzer: corpus
# files and bytes, coverage (libFuzzer's cov and ft), executions, findings.
# Record the table in docs/fuzzing.md.
#
# usage: sh bench/fuzz_long.sh [SECONDS_PER_FUZZER (1800)] [NAME...]
#        make fuzz-long [FUZZ_LONG_SECONDS=N]
set -u
cd "$(dirname "$0")/.."

secs=${1:-1800}
[ $# -gt 0 ] && shift
out=build/fuzz-long
make -s fuzz-bins || exit 1
mkdir -p "$out/corpus" "$out/artifacts" "$out/logs"
names=${*:-$(for f in build/fuzz/fuzz_*; do basename "$f"; done)}
printf '%-22s %8s %10s %7s %8s %12s %s\n' fuzzer files bytes cov ft execs findings >"$out/summary"
for name in $names; do
	bin=build/fuzz/$name
	corpus=$out/corpus/$name
	art=$out/artifacts/$name
	log=$out/logs/$name.log
	seeds=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus" "$art"
	[ -d "$seeds" ] && [ -z "$(ls -A "$corpus")" ] && cp -R "$seeds"/. "$corpus"/
	echo "$name: ${secs}s ..." >&2
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/" "$corpus" >"$log" 2>&1
	files=$(find "$corpus" -type f | wc -l)
	bytes=$(du -sb "$corpus" | cut -f1)
	stats=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
	cov=$(printf '%s' "$stats" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s' "$stats" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	found=$(find "$art" -type f | wc -l)
	printf '%-22s %8s %10s %7s %8s %12s %s\n' "$name" "$files" "$bytes" "${cov:-?}" "${ft:-?}" \
		"${execs:-?}" "$found" >>"$out/summary"
done
cat "$out/summary"
