#!/bin/sh
# palisade audit on the live host: every container check against a real
# container that violates it (the hardened flags below with one change) and
# a hardened one that complies, on the shared dockerd; images built here
# (USER, HEALTHCHECK, a setuid file, one whited out by a later layer, a
# secret in ENV); the daemon and host checks against what this host is;
# --fail-on's exit status; SARIF's structure; --suggest's line run for real
# and audited again.
#
# What cannot be created here, and where it is tested instead:
# - --privileged cannot start (the bounding set lacks CAP_SYS_RESOURCE): the
#   violating container is created, not started (the audit covers stopped
#   and created containers too); tests/unit/test_audit.c has its recorded
#   inspect JSON.
# - 5.2 cannot comply: no AppArmor LSM, so Docker applies no profile
#   whatever is asked (AppArmorProfile ""). Compliance: the compose and
#   Kubernetes fixtures.
# - 5.3 applies only where the daemon runs with SELinux: unit test.
. tests/integration/lib.sh

P=audit-it-$$
NET=$P-net
HARD="--user 10001:10001 --cap-drop ALL --read-only --memory 64m --cpus 0.5 --pids-limit 50
--ulimit nofile=1024:2048 --restart on-failure:5 --security-opt no-new-privileges
--health-cmd true --cgroupns private --network $NET"
IMAGES=
cleanup_audit() {
	for c in $CONTAINERS; do docker rm -f "$c" >/dev/null 2>&1; done
	CONTAINERS=
	docker network rm "$NET" >/dev/null 2>&1
	for i in $IMAGES; do docker rmi -f "$i" >/dev/null 2>&1; done
	[ -z "$SHARED" ] || { umount "$SHARED" 2>/dev/null; rmdir "$SHARED"; }
	cleanup
}
trap cleanup_audit EXIT INT TERM

docker network create "$NET" >/dev/null || { not_ok "cannot create network $NET"; exit 1; }
SHARED=$(mktemp -d /tmp/$P-shared.XXXXXX)
mount --bind "$SHARED" "$SHARED" && mount --make-shared "$SHARED"

# CHECK VERB [-x FLAGS] EXTRA-FLAGS... IMAGE [COMMAND]: a container named
# $P-check with the hardened flags less FLAGS (a sed pattern: a list flag
# cannot be undone by a later one), then EXTRA-FLAGS (later flags win).
# VERB: run (started, -d) or create (never started).
violator() {
	id=$1 verb=$2 hard=$HARD
	shift 2
	if [ "$1" = -x ]; then
		hard=$(echo "$HARD" | sed "s|$2||")
		shift 2
	fi
	name=$P-$(echo "$id" | tr 'A-Z.' 'a-z-')
	[ "$verb" = run ] && verb="run -d"
	# shellcheck disable=SC2086
	if docker $verb --name "$name" $hard "$@" >/dev/null 2>"$WORK/err"; then
		CONTAINERS="$CONTAINERS $name"
		echo "$id $name" >>"$WORK/violators"
	else
		not_ok "cannot $verb the container violating $id: $(cat "$WORK/err")"
	fi
}
: >"$WORK/violators"
touch /tmp/$P-containerd.sock
# shellcheck disable=SC2086
docker run -d --name "$P-ok" $HARD "$IMAGE" sleep 600 >/dev/null && CONTAINERS="$CONTAINERS $P-ok"
violator 4.1 run --user 0:0 "$IMAGE" sleep 600
violator 5.4 create --cap-add SYS_ADMIN "$IMAGE" sleep 600
violator PAL-CAP-DROP-ALL create -x '--cap-drop ALL' --cap-drop NET_RAW "$IMAGE" sleep 600
violator 5.5 create --privileged "$IMAGE" sleep 600
violator 5.6 create -v /etc:/host-etc "$IMAGE" sleep 600
violator PAL-HOST-MOUNT create -v /etc/ssl:/ssl:ro "$IMAGE" sleep 600
# sshd: a process named sshd (a shell script's name), seen through /proc.
violator 5.7 run --tmpfs /dev/shm:rw,exec "$IMAGE" sh -c 'printf "#!/bin/sh\nsleep 600\n" >/dev/shm/sshd; chmod +x /dev/shm/sshd; exec /dev/shm/sshd'
violator 5.8 run -p 127.0.0.1:999:80 "$IMAGE" sleep 600
violator 5.9 run -p 127.0.0.1:29999:80 "$IMAGE" sleep 600
violator 5.10 create -x "--network $NET" --network host "$IMAGE" sleep 600
violator 5.11 create --memory 0 "$IMAGE" sleep 600
violator 5.12 create --cpus 0 "$IMAGE" sleep 600
violator 5.13 create --read-only=false "$IMAGE" sleep 600
violator 5.14 run -p 29998:80 "$IMAGE" sleep 600
violator 5.15 create --restart always "$IMAGE" sleep 600
violator 5.16 create --pid host "$IMAGE" sleep 600
violator 5.17 create --ipc host "$IMAGE" sleep 600
violator 5.18 create --device /dev/null:/dev/xnull "$IMAGE" sleep 600
violator 5.19 create -x '--ulimit nofile=1024:2048' "$IMAGE" sleep 600
violator 5.20 create --mount "type=bind,src=$SHARED,dst=/t,bind-propagation=shared" "$IMAGE" sleep 600
violator 5.21 create --uts host "$IMAGE" sleep 600
violator 5.22 create --security-opt seccomp=unconfined "$IMAGE" sleep 600
violator 5.25 create --cgroup-parent /$P "$IMAGE" sleep 600
violator 5.26 create --security-opt no-new-privileges=false "$IMAGE" sleep 600
violator 5.27 create -x '--health-cmd true' --no-healthcheck "$IMAGE" sleep 600
violator 5.29 create --pids-limit 0 "$IMAGE" sleep 600
violator 5.30 create -x "--network $NET" --network bridge "$IMAGE" sleep 600
violator 5.31 create --userns host "$IMAGE" sleep 600
violator 5.32 create -v /var/run/docker.sock:/var/run/docker.sock "$IMAGE" sleep 600
violator PAL-RUNTIME-SOCK create -v /tmp/$P-containerd.sock:/run/containerd/containerd.sock "$IMAGE" sleep 600
violator PAL-CGROUPNS-HOST create --cgroupns host "$IMAGE" sleep 600
violator PAL-ENV-SECRET create -e DB_PASSWORD=do-not-print-me "$IMAGE" sleep 600

# Images: one hardened, one with every image violation.
mkdir -p "$WORK/img-ok" "$WORK/img-bad"
printf 'FROM %s\nUSER 10001\nHEALTHCHECK CMD true\n' "$IMAGE" >"$WORK/img-ok/Dockerfile"
printf 'FROM %s\nRUN touch /bin/suidtool /bin/gone && chmod 4755 /bin/suidtool /bin/gone && touch /bin/sgidtool && chmod 2755 /bin/sgidtool\nRUN rm /bin/gone && chmod g-s /bin/sgidtool\nENV API_TOKEN=do-not-print-me\n' "$IMAGE" >"$WORK/img-bad/Dockerfile"
for t in ok bad; do
	DOCKER_BUILDKIT=0 docker build -q -t "$P-img-$t:1" "$WORK/img-$t" >/dev/null 2>"$WORK/err" &&
		IMAGES="$IMAGES $P-img-$t:1" || not_ok "docker build $t: $(cat "$WORK/err")"
done

# securityfs: the agent mounts it when it needs it; so does this test.
grep -q ' /sys/kernel/security securityfs' /proc/mounts ||
	mount -t securityfs none /sys/kernel/security 2>/dev/null

./palisade audit -f json >"$WORK/audit.json" 2>"$WORK/audit.err"
rc=$?
check "palisade audit exits 0 without --fail-on" [ "$rc" -eq 0 ]
has() { jq -e --arg o "$1" --arg c "$2" '[.findings[] | select(.object==$o and .id==$c)] | length > 0' "$WORK/audit.json" >/dev/null; }
while read -r id name; do
	[ -n "$id" ] || continue
	check "$id: the violating container $name is reported" has "$name" "$id"
	check "$id: the hardened container $P-ok is not" sh -c "! jq -e --arg o '$P-ok' --arg c '$id' '[.findings[] | select(.object==\$o and .id==\$c)] | length > 0' '$WORK/audit.json' >/dev/null"
done <"$WORK/violators"
check "the hardened container has no finding but 5.2 (no AppArmor here)" \
	sh -c "[ \"\$(jq -r --arg o '$P-ok' '[.findings[] | select(.object==\$o) | .id] | unique | join(\" \")' '$WORK/audit.json')\" = 5.2 ]"
check "a secret's value is never printed" sh -c "! grep -q do-not-print-me '$WORK/audit.json'"
check "the remediation is the exact flag" sh -c "jq -e --arg o '$P-5-5' '.findings[] | select(.object==\$o and .id==\"5.5\") | .remediation==\"remove --privileged\"' '$WORK/audit.json' >/dev/null"

# Images
check "4.1-image: image without USER reported" has "$P-img-bad:1" 4.1-image
check "4.6: image without HEALTHCHECK reported" has "$P-img-bad:1" 4.6
check "4.10: ENV secret in the image reported" has "$P-img-bad:1" 4.10
check "4.8: the setuid file in a layer reported" sh -c "jq -e --arg o '$P-img-bad:1' '[.findings[] | select(.object==\$o and .id==\"4.8\") | .evidence] == [\"/bin/suidtool (mode 4755, setuid)\"]' '$WORK/audit.json' >/dev/null"
# Without root (the docker group only), the layer directories cannot be
# read: the same search goes through docker save's stream, same answer.
if command -v setpriv >/dev/null && getent group docker >/dev/null; then
	NR=$(mktemp -d /tmp/$P-nr.XXXXXX)
	chmod 755 "$NR"
	cp palisade "$NR/"
	setpriv --reuid=65534 --regid="$(getent group docker | cut -d: -f3)" --clear-groups \
		"$NR/palisade" audit --only images -f json >"$WORK/nr.json" 2>"$WORK/err"
	rm -rf "$NR"
	nr_list() { jq -r --arg o "$P-img-bad:1" '[.findings[] | select(.object==$o and .id=="4.8") | .evidence] | join(",")' "$1"; }
	nr_list "$WORK/nr.json" >"$WORK/nr.list"
	nr_list "$WORK/audit.json" >"$WORK/r.list"
	same_nonempty() { [ -n "$(cat "$1")" ] && cmp -s "$1" "$2"; }
	check "4.8 without root (docker save) finds what root finds in the layer directories" \
		same_nonempty "$WORK/r.list" "$WORK/nr.list"
	no_note() { ! grep -q 'not checked' "$WORK/nr.json"; }
	check "without root, no image is left unchecked" no_note
fi
check "the hardened image has no finding" sh -c "[ \"\$(jq --arg o '$P-img-ok:1' '[.findings[] | select(.object==\$o)] | length' '$WORK/audit.json')\" = 0 ]"

# The daemon and the host, as this host is.
check "2.2: icc is on here" has daemon 2.2
check "3.16: docker.sock is 0660 here: no finding" sh -c "! jq -e '.findings[] | select(.id==\"3.16\")' '$WORK/audit.json' >/dev/null"
check "1.1.1: /var/lib/docker is not its own partition here" has host 1.1.1
if [ -r /sys/kernel/security/lsm ]; then
	lsm=$(cat /sys/kernel/security/lsm)
	check "PAL-HOST-LSM names the active LSMs ($lsm)" sh -c "jq -e --arg l '$lsm' '.findings[] | select(.id==\"PAL-HOST-LSM\") | .evidence | contains(\$l)' '$WORK/audit.json' >/dev/null"
fi

# --fail-on
./palisade audit --only containers --container "$P-ok" --fail-on high >/dev/null 2>&1
check "--fail-on high: the hardened container passes (exit 0)" [ $? -eq 0 ]
./palisade audit --only containers --container "$P-5-5" --fail-on high >/dev/null 2>&1
check "--fail-on high: a privileged container fails (exit 1)" [ $? -eq 1 ]
./palisade audit --socket /nonexistent.sock >/dev/null 2>"$WORK/err"
check "an unreachable daemon is an error (exit 2) that says so" sh -c "[ $? -eq 2 ] && grep -q 'cannot reach the Docker daemon' '$WORK/err'"

# SARIF 2.1.0: the structure code-scanning UIs require.
./palisade audit -f sarif --only containers >"$WORK/audit.sarif"
check "SARIF is valid against its required structure" python3 - "$WORK/audit.sarif" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0" and "sarif-schema-2.1.0" in d["$schema"]
run = d["runs"][0]
rules = run["tool"]["driver"]["rules"]
ids = [r["id"] for r in rules]
assert len(ids) == len(set(ids)) and run["tool"]["driver"]["name"] == "palisade"
for r in run["results"]:
    assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    assert r["level"] in ("error", "warning", "note", "none")
    assert r["message"]["text"]
    assert r["locations"][0]["logicalLocations"][0]["name"]
EOF

# --suggest: run the hardened line it prints, audit that container.
./palisade audit --suggest "$P-5-14" >"$WORK/suggest.sh"
sed -i "s/--name $P-5-14/--name $P-suggested/; s/-p 127.0.0.1:29998/-p 127.0.0.1:29997/" "$WORK/suggest.sh"
if sh "$WORK/suggest.sh" >/dev/null 2>"$WORK/err"; then
	CONTAINERS="$CONTAINERS $P-suggested"
	./palisade audit -f json --only containers --container "$P-suggested" >"$WORK/s.json"
	got=$(jq -r '[.findings[].id] | unique | join(" ")' "$WORK/s.json")
	# 5.2: no AppArmor here; 5.9: it keeps its published port; 5.19, 5.27:
	# ulimits and a health check only the user can choose (said in comments).
	check "the --suggest line runs and leaves only 5.19 5.2 5.27 5.9 ($got)" [ "$got" = "5.19 5.2 5.27 5.9" ]
else
	not_ok "the --suggest line does not run: $(cat "$WORK/err")"
fi
rm -f /tmp/$P-containerd.sock

# -o: a planted link is refused, an earlier report replaced.
ln -s /etc/passwd "$WORK/link.sarif"
./palisade audit -f sarif --only host -o "$WORK/link.sarif" 2>"$WORK/err"
check "-o refuses a symbolic link" sh -c "[ $? -eq 2 ] && grep -q 'symbolic link' '$WORK/err'"
./palisade audit -f sarif --only host -o "$WORK/r.sarif" && ./palisade audit -f json --only host -o "$WORK/r.sarif"
check "-o replaces an earlier report" sh -c "jq -e '.tool==\"palisade\"' '$WORK/r.sarif' >/dev/null"

# --watch: a container started in violation raises one Falco-schema alert;
# a hardened one raises none.
./palisade audit --watch --alert-on high >"$WORK/watch.out" 2>"$WORK/watch.err" &
WATCH=$!
i=0
until grep -q watching "$WORK/watch.err" || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
docker run -d --name "$P-w-bad" --cap-add SYS_ADMIN "$IMAGE" sleep 600 >/dev/null && CONTAINERS="$CONTAINERS $P-w-bad"
# shellcheck disable=SC2086
docker run -d --name "$P-w-ok" $HARD "$IMAGE" sleep 600 >/dev/null && CONTAINERS="$CONTAINERS $P-w-ok"
deadline=$(( $(date +%s) + 20 ))
until grep -q "\"$P-w-bad\"" "$WORK/watch.out" || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.2; done
sleep 2 # time for a wrong alert on the hardened one to show
kill -INT "$WATCH"
wait "$WATCH"
check "--watch stops on SIGINT" [ $? -eq 0 ]
check "--watch: the container started in violation raises an alert (5.4, Error)" sh -c "jq -e --arg n '$P-w-bad' 'select(.output_fields[\"container.name\"]==\$n) | .rule==\"Container started in violation of the audit baseline\" and .priority==\"Error\" and .output_fields[\"audit.checks\"]==\"5.4\" and .source==\"audit\"' '$WORK/watch.out' >/dev/null"
check "--watch: the hardened container raises none" sh -c "! grep -q '\"$P-w-ok\"' '$WORK/watch.out'"
