#!/bin/sh
# Brings a fresh Debian 12 machine to where the integration tests can run:
# the file systems the agent and Docker need, a running dockerd, and the
# local test image (no registry is reachable, so it is imported from a
# busybox-static rootfs). Idempotent.
set -eu

IMAGE=${PALISADE_TEST_IMAGE:-palisade-test:latest}

mountpoint -q /sys/kernel/tracing 2>/dev/null ||
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
mountpoint -q /sys/fs/bpf 2>/dev/null || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true

if ! docker info >/dev/null 2>&1; then
	echo "test-env: starting dockerd (log: /tmp/palisade-dockerd.log)"
	# Cgroups must be mounted for dockerd; they are on this machine's images.
	nohup dockerd >/tmp/palisade-dockerd.log 2>&1 &
	i=0
	until docker info >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 60 ]; then
			echo "test-env: dockerd did not come up; see /tmp/palisade-dockerd.log" >&2
			tail -20 /tmp/palisade-dockerd.log >&2
			exit 1
		fi
		sleep 0.5
	done
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
	echo "test-env: building $IMAGE from busybox-static"
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
	cp /bin/busybox "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	chmod 755 "$root"
	tar -C "$root" -c . | docker import --change 'ENV PATH=/bin' - "$IMAGE" >/dev/null
	rm -rf "$root"
fi
