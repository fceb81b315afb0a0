#!/bin/sh
# Compares palisade audit with docker-bench-security on every check the two
# share, on the same live host: running containers that each violate one
# check, plus a hardened one. For each shared check, the set of containers
# each tool flags must be the same; differences are printed with the check
# id. docker-bench-security is not part of palisade: point DOCKER_BENCH_DIR
# at a checkout of it (nothing of it is copied here). Root, real dockerd.
#
#   DOCKER_BENCH_DIR=/path/to/docker-bench-security sh tests/tools/audit_vs_docker_bench.sh
set -u
cd "$(dirname "$0")/../.."
[ -n "${DOCKER_BENCH_DIR:-}" ] && [ -f "$DOCKER_BENCH_DIR/docker-bench-security.sh" ] || {
	echo "skipped: set DOCKER_BENCH_DIR to a docker-bench-security checkout" >&2
	exit 0
}
IMAGE=${PALISADE_TEST_IMAGE:-palisade-test:latest}
P=audit-dbs-$$
WORK=$(mktemp -d /tmp/$P.XXXXXX)
NAMES=
HARD="--user 10001:10001 --cap-drop ALL --read-only --memory 64m --cpus 0.5 --pids-limit 50
--ulimit nofile=1024:2048 --restart on-failure:5 --security-opt no-new-privileges
--health-cmd true --cgroupns private --network $P-net"
cleanup() {
	[ -n "${KEEP:-}" ] && cp -r "$WORK" /tmp/dbs-last
	for c in $NAMES; do docker rm -f "$c" >/dev/null 2>&1; done
	docker network rm "$P-net" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
docker network create "$P-net" >/dev/null

# NAME [-x FLAGS] DOCKER-RUN-FLAGS...: a running container
start() {
	name=$P-$1 hard=$HARD
	shift
	if [ "${1:-}" = -x ]; then
		hard=$(echo "$HARD" | sed "s|$2||")
		shift 2
	fi
	# shellcheck disable=SC2086
	docker run -d --name "$name" $hard "$@" "$IMAGE" sleep 600 >/dev/null && NAMES="$NAMES $name"
}
start ok
start root --user 0:0
start capadd --cap-add SYS_ADMIN
start etc -v /etc:/host-etc
start port80 -p 127.0.0.1:999:80
start wildcard -p 29996:80
start nethost -x "--network $P-net" --network host
start nomem --memory 0
start nocpu --cpus 0
start rw --read-only=false
start restart10 --restart on-failure:10
start pidhost --pid host
start ipchost --ipc host
start device --device /dev/null:/dev/xnull
start noulimit -x '--ulimit nofile=1024:2048'
start utshost --uts host
start seccomp --security-opt seccomp=unconfined
start cgparent --cgroup-parent /$P
start nnp --security-opt no-new-privileges=false
start nohealth -x '--health-cmd true' --no-healthcheck
start nopids --pids-limit 0
start bridge -x "--network $P-net" --network bridge
start userns --userns host
start sock -v /var/run/docker.sock:/var/run/docker.sock

# The checks both tools have for containers (docker-bench-security's ids).
CHECKS="4.1 5.2 5.4 5.6 5.8 5.9 5.10 5.11 5.12 5.13 5.14 5.15 5.16 5.17 5.18 5.19 5.20 5.21 5.22 5.25 5.26 5.27 5.29 5.31 5.32"
list=$(echo "$CHECKS" | sed 's/\([0-9.]*\)/check_\1/g; s/\./_/g; s/ /,/g')
(cd "$DOCKER_BENCH_DIR" && sh docker-bench-security.sh -c "$list" -i "$P-" -l "$WORK/dbs.log" \
	>"$WORK/dbs.out" 2>&1)
./palisade audit -f json --only containers --no-layers >"$WORK/pal.json"

# Where docker-bench-security is wrong (docs/audit.md): --user 0:0 is root
# (it only knows "0" and "root"), and --security-opt no-new-privileges=false
# contains the words it greps for.
KNOWN="4.1 $P-root
5.26 $P-nnp"
agree=0 differ=0 known=0
for c in $CHECKS; do
	# docker-bench: "items" of a WARN/INFO result, "name" or "name:detail"
	jq -r --arg id "$c" '.tests[] | select(.id==$id) | (.items // [])[]' \
		"$WORK/dbs.log.json" 2>/dev/null | sed 's/:.*//' | tr ' ' '\n' | grep "^$P-" |
		sort -u >"$WORK/d"
	jq -r --arg id "$c" --arg p "$P-" '.findings[] | select(.id==$id and (.object|startswith($p))) | .object' \
		"$WORK/pal.json" | sort -u >"$WORK/p"
	if cmp -s "$WORK/d" "$WORK/p"; then
		agree=$((agree + 1))
		echo "agree  $c ($(wc -l <"$WORK/p") containers)"
	elif [ "$(comm -3 "$WORK/d" "$WORK/p" | tr -d '\t' | sed "s/^/$c /")" = \
	       "$(echo "$KNOWN" | grep "^$c ")" ]; then
		known=$((known + 1))
		echo "known  $c: only palisade flags $(comm -13 "$WORK/d" "$WORK/p" | tr '\n' ' ')(docs/audit.md)"
	else
		differ=$((differ + 1))
		echo "DIFFER $c: docker-bench only: $(comm -23 "$WORK/d" "$WORK/p" | tr '\n' ' ') palisade only: $(comm -13 "$WORK/d" "$WORK/p" | tr '\n' ' ')"
	fi
done
echo "$agree checks agree, $known differ where docker-bench-security is wrong, $differ differ"
[ "$differ" -eq 0 ]
