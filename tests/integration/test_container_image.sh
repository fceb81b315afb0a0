#!/bin/sh
# The agent's container image (dist/image.sh, docs/container.md): built from
# the binary, run with the documented flags, it detects an attack in another
# container and names that container; with the documented minimum alone
# (CAP_SYS_ADMIN, the host's pid namespace, the cgroup tree) it still
# detects, and says what it lacks; without CAP_SYS_ADMIN it refuses with a
# clear message. `--privileged` is tried too, and reported skipped where the
# host cannot run it (DESIGN.md section 1: this one cannot).
. tests/integration/lib.sh

IMG=palisade-agent-it:$$
A=fr-img-agent-$$
V=fr-img-victim-$$
cleanup_image() {
	docker rm -f "$A" >/dev/null 2>&1
	docker rmi "$IMG" >/dev/null 2>&1
}
trap 'cleanup_image; cleanup' EXIT INT TERM

sh dist/image.sh "$IMG" >"$WORK/image.log" 2>&1
check "dist/image.sh builds the image from the binary and its libraries" sh -c \
	"docker image inspect '$IMG' >/dev/null 2>&1 || { cat '$WORK/image.log' >&2; false; }"
check "the image's entry point is palisade run with the generated configuration" sh -c \
	"docker image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' '$IMG' | grep -q '\"/usr/bin/palisade\",\"run\"\\].*/etc/palisade/palisade.yaml'"
run_container "$V" "$IMAGE" sleep 300

# agent ARGS...: the agent container with these docker flags; waits for its
# start-up line (or its exit). Its stdout (alerts) and stderr are in docker logs.
agent() {
	docker rm -f "$A" >/dev/null 2>&1
	docker run -d --name "$A" "$@" "$IMG" --config /etc/palisade/palisade.yaml \
		--status-socket none >/dev/null 2>"$WORK/run.err" || return 1
	i=0
	while [ $i -lt 300 ]; do
		docker logs "$A" 2>&1 | grep -q '^palisade: loaded' && return 0
		[ "$(docker inspect -f '{{.State.Running}}' "$A" 2>/dev/null)" = true ] || return 1
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
# attack TAG: a binary dropped into /tmp of the victim and run (a default rule).
attack() {
	docker exec "$V" sh -c "cp /bin/busybox /tmp/$1 && /tmp/$1 true" >/dev/null 2>&1
}
# detected TAG FIELD VALUE: the agent's alert for it, whose container.FIELD
# is VALUE (the name needs docker.sock, the id does not).
detected() {
	deadline=$(( $(date +%s) + 15 ))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		docker logs "$A" 2>/dev/null | grep -F "/tmp/$1" | jq -e --arg f "container.$2" --arg v "$3" \
			'select(.rule=="Program run from a temporary directory" and .output_fields[$f]==$v)' \
			>/dev/null 2>&1 && return 0
		sleep 0.3
	done
	docker logs "$A" 2>&1 | grep '^palisade' | tail -5 >&2
	return 1
}

# The documented flags (docs/container.md).
FULL="--cap-drop ALL --cap-add SYS_ADMIN --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH
	--cap-add SYS_NICE --cap-add KILL --cap-add NET_ADMIN --pid host
	-v /sys/fs/cgroup:/sys/fs/cgroup:ro -v /var/run/docker.sock:/var/run/docker.sock"
# shellcheck disable=SC2086 # the flags split on purpose
agent $FULL
check "the agent starts in a container with the documented flags" \
	sh -c "docker logs '$A' 2>&1 | grep -q '^palisade: loaded'"
attack "fr-img-full-$$"
check "it detects a binary run from /tmp in another container, and names that container" \
	detected "fr-img-full-$$" name "$V"
# (SCHED_FIFO stays refused in a container on cgroup v1 without
# --cpu-rt-runtime: the consumer runs at nice -20 then, and says so.)
check "it saw the full context: no capability it lacks is reported" sh -c \
	"! docker logs '$A' 2>&1 | sed 's/consumer nice -20 (SCHED_FIFO refused: [^)]*)//' | grep -E 'Permission denied|Operation not permitted|run with CAP_'"
check "its ring's consumer runs at least at nice -20 (CAP_SYS_NICE)" sh -c \
	"docker logs '$A' 2>&1 | grep -Eq 'consumer (realtime|nice -20)'"

# The minimum that still detects: CAP_SYS_ADMIN (BPF and perf on Docker
# 20.10, which knows no CAP_BPF/CAP_PERFMON), the host's pids, the cgroup tree.
agent --cap-drop ALL --cap-add SYS_ADMIN --pid host -v /sys/fs/cgroup:/sys/fs/cgroup:ro
check "with only CAP_SYS_ADMIN, --pid host and /sys/fs/cgroup it starts" \
	sh -c "docker logs '$A' 2>&1 | grep -q '^palisade: loaded'"
attack "fr-img-min-$$"
ID=$(container_id "$V" | cut -c1-12)
check "and still detects the attack in the other container (by id: no docker.sock)" \
	detected "fr-img-min-$$" id "$ID"
check "and says what the missing CAP_DAC_READ_SEARCH costs" sh -c \
	"docker logs '$A' 2>&1 | grep -q 'run with CAP_DAC_READ_SEARCH'"

agent --cap-drop ALL --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH --pid host \
	-v /sys/fs/cgroup:/sys/fs/cgroup:ro
check "without CAP_SYS_ADMIN it refuses to start, naming the capabilities" sh -c \
	"[ \"\$(docker inspect -f '{{.State.Running}}' '$A')\" = false ] && docker logs '$A' 2>&1 | grep -q 'loading the BPF programs failed (Operation not permitted); run as root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)'"
check "its libbpf log is shown because it explains the failure" sh -c \
	"docker logs '$A' 2>&1 | grep -q \"^palisade: libbpf's log of the failure\""

if agent --privileged --pid host -v /sys/fs/cgroup:/sys/fs/cgroup:ro; then
	attack "fr-img-priv-$$"
	check "--privileged: it detects the attack too" detected "fr-img-priv-$$" id "$(container_id "$V" | cut -c1-12)"
else
	why=$(grep -o 'unable to apply caps[^:]*: [a-z ]*' "$WORK/run.err" | head -1)
	skip "--privileged: docker cannot run it on this host (${why:-$(tail -1 "$WORK/run.err")}; the shell's bounding set lacks CAP_SYS_RESOURCE); the capability sets above are tested instead"
fi
