#!/bin/sh
# `palisade log verify` on an audit log written independently of palisade,
# with sha256sum and the openssl CLI following docs/audit-log.md: the format
# is what the documentation says, and every tampering is named.
. tests/integration/lib.sh

KEY=0123456789abcdef0123456789abcdef
printf '%s\n' "$KEY" >"$WORK/key"
printf '%s\n' fedcba9876543210fedcba9876543210 >"$WORK/other-key"
chmod 600 "$WORK/key" "$WORK/other-key"
ZERO=0000000000000000000000000000000000000000000000000000000000000000

# mklog FILE N [KEY [PLAIN_FROM]]: N chained records (rule "R1".."RN"), HMAC
# when KEY, except on records PLAIN_FROM and later (HMACs stripped, chain
# recomputed: what someone without the key can do).
mklog() {
	prev=$ZERO
	: >"$1"
	n=1
	while [ "$n" -le "$2" ]; do
		body="{\"seq\":$n,\"prev\":\"$prev\",\"record\":{\"rule\":\"R$n\",\"output\":\"event $n\",\"priority\":\"Warning\"}"
		if [ -n "${3:-}" ] && [ "$n" -lt "${4:-999999}" ]; then
			mac=$(printf '%s' "$body" | openssl dgst -sha256 -mac HMAC -macopt "key:$3" | awk '{ print $NF }')
			line="$body,\"hmac\":\"$mac\"}"
		else
			line="$body}"
		fi
		printf '%s\n' "$line" >>"$1"
		prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
		n=$((n + 1))
	done
}

# verify EXPECTED_RC EXPECTED_TEXT ARGS...: runs the verifier, checks both.
verify() {
	want_rc=$1
	want=$2
	shift 2
	./palisade log verify "$@" >"$WORK/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want_rc" ] && grep -qF -- "$want" "$WORK/out"; then
		return 0
	fi
	echo "exit $rc (want $want_rc), output:" >&2
	cat "$WORK/out" >&2
	return 1
}

L=$WORK/audit.log
mklog "$L" 4
check "verify: an intact chain" verify 0 "OK: 4 records" "$L"
check "verify: prints the last record's hash to anchor elsewhere" \
	verify 0 "last: seq 4 sha256 $(sed -n 4p "$L" | tr -d '\n' | sha256sum | cut -d' ' -f1)" "$L"

sed 's/"rule":"R2"/"rule":"R7"/' "$L" >"$WORK/flipped.log"
check "verify: a modified record, named by file:line" verify 1 "flipped.log:2: modified" "$WORK/flipped.log"

sed 3d "$L" >"$WORK/removed.log"
check "verify: a removed record" verify 1 "removed.log:3: record removed: seq 3 is missing" "$WORK/removed.log"

for n in 1 3 2 4; do sed -n "${n}p" "$L"; done >"$WORK/swapped.log"
check "verify: two records swapped" verify 1 "swapped.log:2: records reordered: seq 3 where seq 2 was due" "$WORK/swapped.log"

head -c -7 "$L" >"$WORK/cut.log"
check "verify: a truncated tail" verify 1 "cut.log:4: truncated" "$WORK/cut.log"

: >"$WORK/empty.log"
check "verify: an empty log" verify 0 "OK: 0 records" "$WORK/empty.log"

H=$WORK/hmac.log
mklog "$H" 3 "$KEY"
check "verify: HMACs with the right key" verify 0 "OK: 3 records" "$H" --hmac-key "$WORK/key"
check "verify: HMACs present but not checked is said" verify 0 "HMACs not checked" "$H"
check "verify: the wrong key" verify 1 "hmac.log:1: bad HMAC" --hmac-key "$WORK/other-key" "$H"
# The last record edited and its chain hash unchanged: only the HMAC sees it.
sed '3s/event 3/event 9/' "$H" >"$WORK/last.log"
check "verify: chain alone cannot see an edit to the last record" verify 0 "OK: 3 records" "$WORK/last.log"
check "verify: the HMAC sees it" verify 1 "last.log:3: bad HMAC" --hmac-key "$WORK/key" "$WORK/last.log"
check "verify: a key on a chain-only log" verify 1 "audit.log:1: no HMAC" --hmac-key "$WORK/key" "$L"
# Issue 12: HMACs stripped and the chain recomputed, without a key to check.
mklog "$WORK/stripped-tail.log" 4 "$KEY" 3
check "verify: HMACs stripped from some records, no key: named" verify 1 \
	"stripped-tail.log:3: HMACs stripped or added" "$WORK/stripped-tail.log"
mklog "$WORK/stripped.log" 3 "$KEY" 1
check "verify: every HMAC stripped, no key: says the chain alone was checked" verify 0 \
	"OK: 3 records (chain only: no record carries an HMAC)" "$WORK/stripped.log"
check "verify: ... and that a log rewritten whole passes it" verify 0 \
	"a log rewritten whole (HMACs stripped, chain recomputed) passes too" "$WORK/stripped.log"
check "verify: with the key, every HMAC stripped is found" verify 1 \
	"stripped.log:1: no HMAC" --hmac-key "$WORK/key" "$WORK/stripped.log"
check "verify: with the key, OK says what was checked" verify 0 \
	"OK: 3 records (chain and HMACs checked)" "$H" --hmac-key "$WORK/key"

# logrotate: the new file continues the chain; both together verify.
head -n 2 "$L" >"$WORK/audit.log.1"
tail -n 2 "$L" >"$WORK/audit.log.0"
check "verify: a rotated continuation alone says so" verify 1 "audit.log.0:1: records removed: the log starts at seq 3" "$WORK/audit.log.0"
check "verify: rotated files together" verify 0 "OK: 4 records" "$WORK/audit.log.1" "$WORK/audit.log.0"

check "verify: a missing file is an error" verify 1 "cannot open $WORK/nope" "$WORK/nope"
check "verify: no file is a usage error" verify 2 "usage: palisade log verify" 
printf 'short\n' >"$WORK/short-key"
check "verify: a short key is refused" verify 1 "need at least 16" --hmac-key "$WORK/short-key" "$H"
