#!/bin/sh
# The pre-filter's cache (docs/prefilter.md, "The cache"): a path the kernel
# dropped is remembered by a fingerprint of its walk, so these must alert:
# a file read (and cached) outside the watched directory, then renamed into
# it; a file two directories down, cached, whose top directory is renamed
# into the watched one; a file cached under rules A, read again after a
# reload to rules B that watch it. The cache judges opens (its counter
# rises), and --no-prefilter-cache judges none.
. tests/integration/lib.sh

D=$WORK/pfc$$
mkdir -p "$D/watched" "$D/plain" "$D/deep/sub" "$D/other"
for f in "$D/plain/f1" "$D/deep/sub/f2" "$D/other/f3" "$D/plain/f4"; do echo x >"$f"; done

# rule NAME DIR: a rule on read-only opens below DIR.
rule() {
	printf -- '- rule: %s\n  desc: pre-filter cache test\n  condition: evt.type in (open, openat) and evt.is_open_read=true and fd.name startswith %s/\n  output: %s (file=%%fd.name)\n  priority: WARNING\n' \
		"$1" "$2" "$1"
}
rule "Cache test A" "$D/watched" >"$WORK/a.yaml"
rule "Cache test B" "$D/other" >"$WORK/b.yaml"
cp "$WORK/a.yaml" "$WORK/rules.yaml"

# reads N PATH: N reads of PATH, each in its own process (the first ones
# may be judged before the agent knows this shell's cgroup as the host's:
# another class, another key).
reads() {
	i=0
	while [ "$i" -lt "$1" ]; do
		cat "$2" >/dev/null
		i=$((i + 1))
	done
}

alert_on() {
	wait_alert ".rule == \"$1\" and .output_fields[\"fd.name\"] == \"$2\"" 20 "$2" >/dev/null
}

# cache_hits: the opens the cache judged so far (SIGUSR1's counters line).
cache_hits() {
	prefiltered_now >/dev/null
	grep 'palisade: counters: events' "$WORK/agent.err" | tail -1 |
		sed -n 's/.*of which by the cache \([0-9]*\).*/\1/p'
}

start_agent --fd-table off --rules "$WORK/rules.yaml" || exit 1
before=$(cache_hits)
reads 5 "$D/plain/f1"
reads 5 "$D/deep/sub/f2"
reads 5 "$D/other/f3"
after=$(cache_hits)
check "the cache judged opens ($before -> $after)" test "${after:-0}" -gt "${before:-0}"
check "no alert for reads outside the watched directory" sh -c \
	"! grep -Fq '$D/plain' '$WORK/alerts.json' && ! grep -Fq '$D/deep' '$WORK/alerts.json'"

mv "$D/plain/f1" "$D/watched/f1"
reads 1 "$D/watched/f1"
check "a cached file renamed into the watched directory alerts" \
	alert_on "Cache test A" "$D/watched/f1"

mv "$D/deep" "$D/watched/deep"
reads 1 "$D/watched/deep/sub/f2"
check "a cached file whose top directory is renamed into the watched one alerts" \
	alert_on "Cache test A" "$D/watched/deep/sub/f2"

cp "$WORK/b.yaml" "$WORK/rules.yaml"
check "reload to rules B" hup
reads 1 "$D/other/f3"
check "after the reload, the file rules A let the cache drop alerts under B" \
	alert_on "Cache test B" "$D/other/f3"
stop_agent

start_agent --fd-table off --no-prefilter-cache --rules "$WORK/a.yaml" || exit 1
reads 5 "$D/plain/f4"
check "--no-prefilter-cache: the cache judges no open" test "$(cache_hits)" = 0
reads 1 "$D/watched/f1"
check "--no-prefilter-cache: the watched file alerts" alert_on "Cache test A" "$D/watched/f1"
