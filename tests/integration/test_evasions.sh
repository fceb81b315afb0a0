#!/bin/sh
# The sensor-side evasions of issue 12, performed in a real container against
# Falco's stable rules loaded unchanged (and a few rules of the test's own
# for what Falco's rules do not name): a read of /etc/shadow by openat2, by
# io_uring (IORING_OP_OPENAT and OPENAT2, reported as openat and openat2) and
# by open_by_handle_at; an io_uring ring and connect; `cd /dev/shm && ./x`
# (proc.cwd with Falco's trailing slash). Near misses stay silent.
. tests/integration/lib.sh

need_falco_rules falco_rules.yaml
cc -static -O2 -pthread -o "$WORK/evasion_open" tests/integration/evasion_open.c -luring || {
	not_ok "building tests/integration/evasion_open.c (liburing-dev, scripts/install-deps.sh)"
	exit 1
}
# /dev/shm executable, as an attacker would ask for it.
run_container kernel-ev --tmpfs /dev/shm:rw,exec "$IMAGE" sleep 300
docker exec kernel-ev sh -c "echo 'root:*:19000:0:99999:7:::' > /etc/shadow"
docker cp "$WORK/evasion_open" kernel-ev:/evasion_open
# open_by_handle_at, as the "shocker" escape uses it: CAP_DAC_READ_SEARCH,
# and a host filesystem that decodes handles (overlayfs does not); Docker's
# default seccomp profile refuses name_to_handle_at, which the test uses to
# make its handle.
mkdir -p "$WORK/hostdir"
echo 'root:*:19000:0:99999:7:::' >"$WORK/hostdir/shadow"
run_container kernel-ev-h --cap-add DAC_READ_SEARCH --security-opt seccomp=unconfined \
	-v "$WORK/hostdir:/hostdir:ro" -v "$WORK/evasion_open:/evasion_open:ro" "$IMAGE" sleep 300
cat >"$WORK/extra.yaml" <<'EOF'
- rule: kernel-ev shadow by handle
  desc: open_by_handle_at reads a credential file (Falco's open_read does not name the call)
  condition: evt.type = open_by_handle_at and evt.is_open_read = true and fd.name = /hostdir/shadow and container.id != host
  output: by handle %fd.name %evt.arg.flags
  priority: WARNING
- rule: kernel-ev io_uring ring in container
  desc: a process in a container sets up an io_uring ring
  condition: evt.type = io_uring_setup and container.id != host
  output: ring %proc.name %evt.res
  priority: NOTICE
- rule: kernel-ev race file
  desc: keeps the race test's opens past the pre-filter
  condition: evt.type = openat2 and fd.name = /tmp/race and evt.failed = true
  output: race %fd.name
  priority: DEBUG
- rule: kernel-ev io_uring connect
  desc: a connect that went through io_uring
  condition: evt.type = connect and evt.is_io_uring = true and container.id != host
  output: io_uring connect %fd.rip %fd.rport %evt.res
  priority: NOTICE
EOF
start_agent --rules "$F/falco_rules.yaml" --rules "$WORK/extra.yaml" || exit 1
grep -q 'tp_btf/io_uring_complete' "$WORK/agent.err"
check "the io_uring completion hook is attached" test $? = 0
R='Read sensitive file untrusted'

docker exec kernel-ev /evasion_open openat2 /etc/shadow
a=$(wait_alert ".rule==\"$R\" and .output_fields[\"evt.type\"]==\"openat2\"")
check "openat2(/etc/shadow, O_RDONLY) in a container: Falco's '$R' fires" expect "$a" \
	'.output_fields["fd.name"]=="/etc/shadow" and .output_fields["container.name"]=="kernel-ev"'
e=$(wait_event '.type=="openat2" and .path=="/etc/shadow"' 10 '"openat2"')
# flags 0 (O_RDONLY), not the pointer to the caller's struct open_how
check "the openat2 event carries struct open_how's flags" expect "$e" \
	'.args.flags==0 and .args.resolve==0 and (.io_uring|not)'

# Another thread flips the struct's access mode while openat2 runs: the
# event must say what the kernel did (the opened file's mode), not what the
# struct holds when the sensor reads it.
docker exec kernel-ev sh -c "echo x > /tmp/race"
got=$(docker exec kernel-ev /evasion_open openat2-race /tmp/race 3000)
race_modes() {
	grep -F '"/tmp/race"' "$WORK/events.json" |
		jq -c 'select(.type=="openat2" and .path=="/tmp/race" and .res >= 0) | .args.flags % 4' |
		grep -c "^$1\$"
}
deadline=$(($(date +%s) + 20)) # every event in, however loaded the machine
while :; do
	ev_reads=$(race_modes 0)
	ev_writes=$(race_modes 1)
	[ "$got" = "reads=$ev_reads writes=$ev_writes" ] || [ "$(date +%s)" -ge $deadline ] && break
	sleep 0.5
done
check "openat2 whose struct changes under it: the events' access modes are the kernel's ($got; events reads=$ev_reads writes=$ev_writes)" \
	test "$got" = "reads=$ev_reads writes=$ev_writes"

docker exec kernel-ev /evasion_open uring-open /etc/shadow
e=$(wait_event '.type=="openat" and .io_uring==true and .path=="/etc/shadow"' 10 '"io_uring"')
check "io_uring IORING_OP_OPENAT: an openat event, flagged io_uring, with the resolved path" \
	expect "$e" '.res >= 0 and .container.name=="kernel-ev"'
a=$(wait_alert ".rule==\"$R\" and .output_fields[\"evt.type\"]==\"openat\"")
check "io_uring IORING_OP_OPENAT of /etc/shadow: '$R' fires" expect "$a" \
	'.output_fields["fd.name"]=="/etc/shadow"'
docker exec kernel-ev /evasion_open uring-open2 /etc/shadow
e=$(wait_event '.type=="openat2" and .io_uring==true and .path=="/etc/shadow"' 10 '"io_uring"')
check "io_uring IORING_OP_OPENAT2: an openat2 event with the resolved path" expect "$e" '.res >= 0'
a=$(wait_alert '.rule=="kernel-ev io_uring ring in container"')
check "io_uring_setup in a container is an event rules can name" expect "$a" \
	'.output_fields["container.name"]=="kernel-ev"'

docker exec kernel-ev /evasion_open uring-connect 127.0.0.1 27999
a=$(wait_alert '.rule=="kernel-ev io_uring connect"')
check "io_uring IORING_OP_CONNECT: a connect event with the address" expect "$a" \
	'.output_fields["fd.rport"]==27999 and .output_fields["fd.rip"]=="127.0.0.1"'

docker exec kernel-ev-h /evasion_open handle /hostdir/shadow
a=$(wait_alert '.rule=="kernel-ev shadow by handle"')
check "open_by_handle_at: in the syscall table, with the opened file's path" expect "$a" \
	'.output_fields["fd.name"]=="/hostdir/shadow" and (.output|contains("O_RDONLY"))'

docker exec kernel-ev sh -c "cp /bin/busybox /dev/shm/kx && mkdir -p /tmp/shmx && cp /bin/busybox /tmp/shmx/kx"
docker exec kernel-ev sh -c "cd /dev/shm && ./kx true" >/dev/null 2>&1
a=$(wait_alert '.rule=="Execution from /dev/shm"')
check "cd /dev/shm && ./x: Falco's 'Execution from /dev/shm' fires (proc.cwd /dev/shm/)" \
	expect "$a" '.output_fields["proc.exepath"]=="/dev/shm/kx"'
docker exec kernel-ev sh -c "cd /tmp/shmx && ./kx true" >/dev/null 2>&1
docker exec kernel-ev /evasion_open openat2 /etc/hostname
# A last alert after the near misses: once it is in, they were judged.
docker exec kernel-ev sh -c "cd /dev/shm && ./kx true kernel-ev-last" >/dev/null 2>&1
a=$(wait_alert '.rule=="Execution from /dev/shm" and (.output_fields["proc.cmdline"]|tostring|contains("kernel-ev-last"))' 20)
check "the alert after the near misses came" expect "$a" '.rule=="Execution from /dev/shm"'
check "near misses: ./x in another directory, openat2 of /etc/hostname raise nothing" sh -c "
	! jq -e 'select(.output_fields[\"proc.exepath\"]==\"/tmp/shmx/kx\" or
		.output_fields[\"fd.name\"]==\"/etc/hostname\")' '$WORK/alerts.json' >/dev/null"
