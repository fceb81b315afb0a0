#!/bin/sh
# palisade profile learn (docs/profiles.md): a workload container (busybox
# httpd serving files, as user www, and a shell script doing its job: fetch,
# checksum, log, rotate, chown) is learned from its start; the learning
# programs are attached only while learning; then the same workload runs
# under the generated seccomp profile with only the learned capabilities and
# the limits, and the actions it never did fail with EPERM inside the
# container (a static probe built here), where Docker's default profile lets
# some of them through. The allowed syscall count is compared with Docker's
# default profile's.
. tests/integration/lib.sh

T=profile-it-$$
IMG=$T-img:latest
DOCKER_DEFAULT=/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
IMAGES=
trap 'cleanup; for i in $IMAGES; do docker rmi -f "$i" >/dev/null 2>&1; done' EXIT INT TERM

# The image: the test image, a www user, the job script and the probe.
mkdir -p "$WORK/ctx"
cc -static -O2 -o "$WORK/ctx/probe" tests/integration/profile_probe.c || exit 1
cat >"$WORK/ctx/job.sh" <<'EOF'
#!/bin/sh
mkdir -p /www /data
echo '<h1>palisade profile</h1>' >/www/index.html
chown -R www:www /www
httpd -f -p 8080 -h /www -u www:www &
i=0
while :; do
	i=$((i + 1))
	if wget -q -O /tmp/page.html http://127.0.0.1:8080/index.html; then
		md5sum /tmp/page.html >>/data/sums.log
		date >>/tmp/job.log
		[ "$(wc -l </data/sums.log)" -gt 2 ] && mv /data/sums.log /data/sums.old
		echo "job $i ok" >/tmp/status
	else
		echo "job $i failed" >/tmp/status
	fi
	sleep 1
done
EOF
cat >"$WORK/ctx/Dockerfile" <<EOF
FROM $IMAGE
RUN echo 'www:x:1000:1000::/www:/bin/false' >>/etc/passwd && echo 'www:x:1000:' >>/etc/group
COPY probe job.sh /
CMD ["/bin/sh", "/job.sh"]
EOF
chmod 755 "$WORK/ctx/job.sh" "$WORK/ctx/probe"
if ! DOCKER_BUILDKIT=0 docker build -q -t "$IMG" "$WORK/ctx" >/dev/null 2>"$WORK/build.err"; then
	not_ok "docker build of the workload image: $(cat "$WORK/build.err")"
	exit 1
fi
IMAGES=$IMG

# learn_progs: the learning programs loaded now (bpftool; names cut at 15).
learn_progs() { bpftool prog show --json | jq -r '.[] | select(.name | startswith("learn_")) | .name' | sort | tr '\n' ' '; }
learn_links() { bpftool link show --json | jq -r '.[].prog_id' | while read -r id; do bpftool prog show id "$id" --json | jq -r 'select(.name | startswith("learn_")) | .name'; done | sort | tr '\n' ' '; }

# gone: no learning program loaded (the kernel frees a program after an RCU
# grace period, so a few seconds are allowed).
gone() {
	i=0
	while [ -n "$(learn_progs)" ]; do
		i=$((i + 1))
		[ $i -le 50 ] || return 1
		sleep 0.1
	done
}

jqe() { jq -e "$1" "$2" >/dev/null; }

# job_ok C N: the job of container C reports success at iteration >= N.
job_ok() {
	deadline=$(( $(date +%s) + 30 ))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		s=$(docker exec "$1" cat /tmp/status 2>/dev/null)
		case $s in "job "*" ok") [ "${s#job }" != "$s" ] && [ "$(echo "$s" | cut -d' ' -f2)" -ge "$2" ] && return 0 ;; esac
		sleep 0.5
	done
	echo "job of $1: '${s:-no status}'" >&2
	return 1
}

# What the workload does, also through docker exec (which the learned
# profile must allow: runc's setns init runs under it).
exercise() {
	docker exec "$1" wget -q -O - http://127.0.0.1:8080/index.html | grep -q 'palisade profile' &&
		docker exec "$1" /probe none | grep -q '^none: ok'
}

P=$WORK/prof
./palisade profile learn --container "$T-learn" --wait --duration 120s --output "$P" \
	>"$WORK/learn.out" 2>"$WORK/learn.err" &
LEARN=$!
i=0
until grep -q 'waiting for container' "$WORK/learn.err" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
before=$(learn_progs)
check "learning: both programs attached while learning ($(learn_links))" \
	[ "$(learn_links)" = "learn_cap_capable learn_sys_enter " ]
run_container "$T-learn" "$IMG"
check "learning: the workload runs" job_ok "$T-learn" 3
check "learning: httpd answers and the probe starts (docker exec)" exercise "$T-learn"
sleep 2
kill -INT $LEARN
wait $LEARN
rc=$?
check "learn exits 0 and writes the profile (rc $rc)" [ $rc -eq 0 -a -s "$P/seccomp.json" ]
cat "$WORK/learn.out"
check "nothing of learning stays loaded or attached (while learning: $before)" \
	sh -c '[ -n "$1" ]' - "$before"
check "nothing of learning stays loaded or attached (after: none)" gone
docker rm -f "$T-learn" >/dev/null

J=$P/profile.json
S=$P/seccomp.json
check "profile: learned from the container's start" jqe '.from_start == true' "$J"
check "profile: the runtime's post-filter syscalls were seen, and all are in palisade's runtime set ($(jq -c .runtime_syscalls_unlisted "$J"))" \
	jqe '(.runtime_syscalls_seen | length) > 5 and (.runtime_syscalls_unlisted | length) == 0' "$J"
check "profile: capabilities exercised: CHOWN, SETGID, SETUID ($(jq -c .capabilities "$J"))" \
	jqe '.capabilities | index("CHOWN") and index("SETUID") and index("SETGID")' "$J"
check "profile: memory and pids peaks read" jqe '.limits.memory_known and .limits.pids_known and .limits.memory_peak_bytes > 0' "$J"
check "seccomp: EPERM by default, the native architectures" \
	jqe '.defaultAction == "SCMP_ACT_ERRNO" and .defaultErrnoRet == 1 and (.architectures | index("SCMP_ARCH_X86_64"))' "$S"
check "seccomp: clone only without namespace flags (Docker's filter)" \
	jqe '[.syscalls[] | select(.names == ["clone"] and .args[0].op == "SCMP_CMP_MASKED_EQ" and .args[0].value == 2114060288 and .excludes.caps == ["CAP_SYS_ADMIN"])] | length == 1' "$S"
check "seccomp: clone3 answers ENOSYS" jqe '[.syscalls[] | select(.names == ["clone3"] and .errnoRet == 38)] | length == 1' "$S"
check "seccomp: no personality rule (never used)" jqe '[.syscalls[] | select(.names | index("personality"))] | length == 0' "$S"

# AppArmor: the file rules come from the sensor's file events (no rule
# loaded); every path the job is known to open is seen and covered.
A=$P/apparmor.profile
cat "$A"
# covered PATH MODE: a rule of apparmor.profile (not a deny) whose glob
# matches PATH (AppArmor's '*' stops at '/', as the shell's case does not:
# the rules written here hold no '*' but at a component's end) has MODE.
covered() {
	grep -E '^  (audit )?/[^ ]* [rwmlix]+,$' "$A" | sed 's/^  audit /  /' | while read -r g m; do
		case $1 in $g) case ${m%,} in *"$2"*) echo yes; break ;; esac ;; esac
	done | grep -q yes
}
if command -v apparmor_parser >/dev/null; then
	check "apparmor: the profile compiles (apparmor_parser -Q -K)" apparmor_parser -Q -K "$A"
	check "apparmor: learn says it compiled" grep -q 'compiled by apparmor_parser -Q -K' "$WORK/learn.out"
else
	skip "apparmor: apparmor_parser not installed (Debian package apparmor): not compiled"
fi
if ! grep -qw apparmor /sys/kernel/security/lsm 2>/dev/null; then
	check "apparmor: learn says this kernel has no AppArmor LSM, so the load is not tested" \
		grep -q 'this kernel has no AppArmor LSM' "$WORK/learn.out"
fi
check "apparmor: learn checked that every path seen is covered" \
	grep -q 'every path seen is covered$' "$WORK/learn.out"
for pm in /www/index.html:r /www/index.html:w /tmp/page.html:w /data/sums.log:w /tmp/status:w \
	/etc/passwd:r /etc/group:r /job.sh:r /bin/busybox:ix /data/sums.old:w; do
	p=${pm%:*} m=${pm#*:}
	check "apparmor: the job's $p was seen (profile.json)" \
		jqe "[.files[] | select(.path == \"$p\")] | length == 1" "$J"
	check "apparmor: a file rule covers $p $m" covered "$p" "$m"
done
check "apparmor: network families: inet stream (wget, httpd)" grep -q '^  network inet stream,$' "$A"
check "apparmor: capabilities: chown, setgid, setuid" \
	sh -c "grep -q '^  capability chown,$' $A && grep -q '^  capability setuid,$' $A && grep -q '^  capability setgid,$' $A"
check "apparmor: deny rules for /etc/shadow r, /proc/sys/** w, /sys/** w" \
	sh -c "grep -qF '  deny /etc/shadow r,' $A && grep -qF '  deny /proc/sys/** w,' $A && grep -qF '  deny /sys/** w,' $A"
check "apparmor: writes to /tmp are audit rules" grep -qE '^  audit /tmp/[^ ]+ [rw]*w[rw]*,$' "$A"
check "apparmor: no /tmp write outside the audit rules" sh -c "! grep -qE '^  /tmp/[^ ]* [a-z]*w' $A"

# The allowed count, against Docker's default profile for a container with
# Docker's default capabilities on x86-64.
allowed=$(jq '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | unique | length' "$S")
if [ -r "$DOCKER_DEFAULT" ]; then
	docker_allowed=$(jq '["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"] as $caps
		| [.syscalls[] | select(.action == "SCMP_ACT_ALLOW")
		   | select(((.includes.caps // []) - $caps) == [])
		   | select(((.excludes.caps // []) - ((.excludes.caps // []) - $caps)) == [])
		   | select((.includes.arches // ["amd64"]) | index("amd64"))
		   | select((.excludes.arches // []) | index("amd64") | not)
		   | .names[]] | unique | length' "$DOCKER_DEFAULT")
	check "seccomp: $allowed syscalls allowed, Docker's default profile allows $docker_allowed" \
		[ "$allowed" -gt 0 -a "$allowed" -lt "$docker_allowed" ]
else
	skip "seccomp: $allowed syscalls allowed; Docker's default profile to compare with: $DOCKER_DEFAULT missing (golang-github-docker-docker-dev)"
fi

# The same workload under the profile: seccomp, only the learned
# capabilities, the limits.
flags=$(sed 1d "$P/docker-flags.txt")
echo "# docker run $flags $IMG"
# shellcheck disable=SC2086
run_container "$T-run" $flags "$IMG"
check "under the profile: the workload runs" job_ok "$T-run" 3
check "under the profile: httpd answers, docker exec works" exercise "$T-run"
check "under the profile: no capability beyond the learned ones ($(docker inspect -f '{{.HostConfig.CapAdd}}' "$T-run"))" \
	sh -c "docker exec $T-run grep CapEff /proc/1/status | grep -q 00000000000000c1"
docker exec "$T-run" /probe mount personality unshare ptrace keyctl bpf raw >"$WORK/probe.out" 2>&1
cat "$WORK/probe.out"
for a in mount personality unshare ptrace keyctl bpf raw; do
	check "under the profile: $a fails with EPERM" grep -q "^$a: errno 1 " "$WORK/probe.out"
done

# Docker's default profile and capabilities let some of these through: the
# learned profile is what refuses them.
run_container "$T-default" "$IMG"
docker exec "$T-default" /probe personality ptrace raw >"$WORK/default.out" 2>&1
check "Docker's default profile allows personality, ptrace, raw sockets ($(tr '\n' ' ' <"$WORK/default.out"))" \
	[ "$(grep -c ': ok$' "$WORK/default.out")" -eq 3 ]

# The learned capabilities are needed: without them the job fails.
run_container "$T-nocaps" --security-opt "seccomp=$S" --cap-drop ALL "$IMG"
sleep 3
check "with --cap-drop ALL and no learned capability the job fails (httpd cannot switch to www)" \
	sh -c "docker exec $T-nocaps cat /tmp/status | grep -q failed"
