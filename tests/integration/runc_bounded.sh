#!/bin/sh
# An OCI runtime for the private dockerd of test_falco_rules2.sh: runc, after
# removing from the spec the capabilities this host's bounding set lacks.
#
# Why: `docker run --privileged` asks runc for every capability the kernel
# knows (cap_last_cap). Where the bounding set of dockerd lacks one (here
# CAP_SYS_RESOURCE: /proc/self/status CapBnd 000001fffeffffff), runc cannot
# raise it and the start fails with "unable to apply caps: operation not
# permitted". The container stays privileged in every other respect (all
# devices, no seccomp, no AppArmor, HostConfig.Privileged=true): it holds what
# any process on this host can hold.
#
# runc reads the container's capabilities from BUNDLE/config.json (create,
# run) and an exec'd process's from the --process file (docker exec).
set -eu

last=$(cat /proc/sys/kernel/cap_last_cap)
bnd=0x$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
lacking=$(((1 << (last + 1)) - 1 & ~bnd))
names=$(capsh --decode="$(printf '0x%x' "$lacking")" | sed 's/^[^=]*=//' | tr '[:lower:]' '[:upper:]')
drop=$(printf '%s' "$names" | jq -R 'split(",") | map(select(length > 0))')

bundle='' process='' prev=''
for a in "$@"; do
	case $prev in
	--bundle | -b) bundle=$a ;;
	--process | -p) process=$a ;;
	esac
	case $a in
	--bundle=*) bundle=${a#--bundle=} ;;
	--process=*) process=${a#--process=} ;;
	esac
	prev=$a
done

# strip FILE JQ_PATH: removes the lacking capabilities from each set there.
strip() {
	[ -f "$1" ] || return 0
	jq --argjson drop "$drop" \
		"if $2 then $2 |= with_entries(.value |= (. // [] | map(select(. as \$c | \$drop | index(\$c) | not)))) else . end" \
		"$1" >"$1.bounded" && mv "$1.bounded" "$1"
}
if [ "$lacking" -ne 0 ]; then
	[ -z "$bundle" ] || strip "$bundle/config.json" .process.capabilities
	[ -z "$process" ] || strip "$process" .capabilities
fi
exec runc "$@"
