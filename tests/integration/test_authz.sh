#!/bin/sh
# palisade authz, the deploy gate, in front of a real dockerd: a private one
# started by this test with --authorization-plugin, in a network namespace of
# its own (with a registry on its loopback). The baseline policy's refusals,
# signatures, every bypass class against the real daemon, reload on SIGHUP
# without a window, and the plugin down (docs/authz.md).
. tests/integration/lib.sh

for tool in dockerd ip nsenter docker-registry skopeo python3 curl; do
	command -v $tool >/dev/null || { skip "$(basename "$0"): $tool is not installed"; exit 0; }
done

# The plugin directory is shared by every dockerd here: a name of this test's own.
NAME=palisade-authz-$$
NS=palisade-authz-$$
PSOCK=/run/docker/plugins/$NAME.sock
PD=$WORK/pd
D="docker -H unix://$PD/docker.sock"
IN="nsenter --net=/run/netns/$NS"
REG=127.0.0.1:25000
AZ_PID=
PD_PID=
REG_PID=

authz_cleanup() {
	if [ -n "$PD_PID" ]; then
		$D rm -f $($D ps -aq) >/dev/null 2>&1
		kill -TERM "$PD_PID" 2>/dev/null
		wait "$PD_PID" 2>/dev/null
	fi
	[ -z "$AZ_PID" ] || { kill -TERM "$AZ_PID" 2>/dev/null; wait "$AZ_PID" 2>/dev/null; }
	[ -z "$REG_PID" ] || { kill "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null; }
	rm -f "$PSOCK"
	ip netns del "$NS" 2>/dev/null
	cleanup
}
trap authz_cleanup EXIT INT TERM

mkdir -p "$PD" /run/docker/plugins
ip netns add "$NS" && ip netns exec "$NS" ip link set lo up || { not_ok "a network namespace"; exit 1; }

# ---- a registry on the namespace's loopback, two signed images, one unsigned ----
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
	"$WORK/reg" "$REG" >"$WORK/reg.yml"
$IN docker-registry serve "$WORK/reg.yml" >"$WORK/reg.log" 2>&1 &
REG_PID=$!
printf 'pw' >"$WORK/pass"
chmod 600 "$WORK/pass"
./palisade image keygen --output-key-prefix "$WORK/prod" --passphrase-file "$WORK/pass" >/dev/null
./palisade image keygen --output-key-prefix "$WORK/other" --passphrase-file "$WORK/pass" >/dev/null
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$WORK/any.json"
sleep 1
for repo in signed unsigned other; do
	$IN skopeo --policy "$WORK/any.json" copy -q --dest-tls-verify=false "docker-daemon:$IMAGE" \
		"docker://$REG/supply-authz/$repo:v1" >>"$WORK/push.log" 2>&1
done
$IN ./palisade image sign --key "$WORK/prod.key" --passphrase-file "$WORK/pass" "$REG/supply-authz/signed:v1" >/dev/null
$IN ./palisade image sign --key "$WORK/other.key" --passphrase-file "$WORK/pass" "$REG/supply-authz/other:v1" >/dev/null

# The site's policy: these repositories must be signed.
cat >"$WORK/site.yaml" <<EOF
- list: palisade_authz_signed_repositories
  items: [$REG/supply-authz/signed, $REG/supply-authz/unsigned, $REG/supply-authz/other]
EOF

start_authz() {
	$IN ./palisade authz --socket "$PSOCK" --docker-socket "$PD/docker.sock" --key "prod=$WORK/prod.pub" \
		--rules "$WORK/site.yaml" >>"$WORK/authz.out" 2>>"$WORK/authz.err" &
	AZ_PID=$!
	i=0
	until [ -S "$PSOCK" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$WORK/authz.err"; return 1; }
		sleep 0.1
	done
}
start_authz || { not_ok "palisade authz starts"; exit 1; }

echo '{}' >"$PD/daemon.json"
$IN dockerd --data-root "$PD/root" --exec-root "$PD/exec" -H "unix://$PD/docker.sock" \
	--pidfile "$PD/docker.pid" --config-file "$PD/daemon.json" --bridge=none --iptables=false \
	--ip-masq=false --authorization-plugin="$NAME" >"$PD/log" 2>&1 &
PD_PID=$!
deadline=$(($(date +%s) + 60))
until $D info >/dev/null 2>&1; do
	[ "$(date +%s)" -lt $deadline ] || { tail -5 "$PD/log"; not_ok "the private dockerd starts"; exit 1; }
	sleep 0.5
done
check "dockerd runs with the plugin" sh -c "$D info 2>/dev/null | grep -q 'Authorization: $NAME'"
docker save "$IMAGE" | $D load >/dev/null

# refused RUN_ARGS... EXPECTED: docker run is refused with the policy's message, nothing created.
refused() {
	want=$1
	shift
	n0=$($D ps -aq | wc -l)
	$D run --rm --network none "$@" true >"$WORK/run.out" 2>&1 && return 1
	grep -q "authorization denied by plugin $NAME: palisade: $want" "$WORK/run.out" &&
		[ "$($D ps -aq | wc -l)" = "$n0" ]
}
check "a compliant docker run is allowed" $D run --rm --network none "$IMAGE" true
check "--privileged is refused at create, with the policy's message" refused "Privileged container refused" --privileged "$IMAGE"
check "a docker.sock mount is refused" refused "Docker socket or host root mount refused" -v /var/run/docker.sock:/s "$IMAGE"
check "a capability outside the allow-list is refused" refused "Capability outside the allow-list refused" --cap-add SYS_ADMIN "$IMAGE"
check "a capability in the allow-list is allowed" $D run --rm --network none --cap-add NET_BIND_SERVICE "$IMAGE" true
check "host pid is refused" refused "Host namespace refused" --pid host "$IMAGE"

# ---- signatures ----
for repo in signed unsigned other; do $D pull -q "$REG/supply-authz/$repo:v1" >/dev/null 2>&1; done
check "an image signed by the trusted key is allowed" $D run --rm --network none "$REG/supply-authz/signed:v1" true
check "an unsigned image is refused" refused "Unsigned image refused: image $REG/supply-authz/unsigned:v1 is not signed by a trusted key: no signature" "$REG/supply-authz/unsigned:v1"
check "an image signed by another key is refused" refused "Unsigned image refused: .*does not verify" "$REG/supply-authz/other:v1"
# Another image (its own content, never pulled), given the signed repository's name.
$D create --name authz-evil --network none "$IMAGE" true >/dev/null
$D commit -c 'LABEL evil=1' authz-evil "$REG/supply-authz/signed:local" >/dev/null
$D rm authz-evil >/dev/null
check "a local image tagged with a signed repository's name is refused (a tag is not trusted)" \
	refused "Unsigned image refused: .*not pulled from its repository" "$REG/supply-authz/signed:local"
check "an image not yet pulled is refused with what to do" refused "Unsigned image refused: .*pull it first" "$REG/supply-authz/signed:v9"

# ---- bypass classes, against the real dockerd ----
RAW="python3 tests/integration/docker_raw.py $PD/docker.sock"
PRIV="{\"Image\":\"$IMAGE\",\"HostConfig\":{\"Privileged\":true}}"
# bypass CONTAINER DESCRIPTION RAW_ARGS...: refused (403 with palisade's
# word), and no container of that name.
bypass() {
	b_name=$1
	b_desc=$2
	shift 2
	b_out=$($RAW "$@")
	echo "$b_desc: $b_out" >>"$WORK/bypass.log"
	case "$b_out" in
	"403 "*palisade*) [ -z "$($D ps -aq --filter "name=^$b_name\$")" ] ;;
	*) echo "$b_desc answered: $b_out" >&2; return 1 ;;
	esac
}
out=$($RAW POST "/v1.41/containers/create?name=bp-control" --body "{\"Image\":\"$IMAGE\",\"Cmd\":[\"true\"]}")
check "control: the raw client creates a benign container (201)" sh -c "echo '$out' | grep -q '^201 '"
check "bypass: %63reate (a percent-encoded path)" bypass bp-a "%63reate" \
	POST "/v1.41/containers/%63reate?name=bp-a" --body "$PRIV"
check "bypass: an absolute-form request URI" bypass bp-b "absolute URI" \
	POST "http://docker/v1.41/containers/create?name=bp-b" --body "$PRIV"
check "bypass: a chunked body (not passed to plugins)" bypass bp-c "chunked" \
	POST "/v1.41/containers/create?name=bp-c" --body "$PRIV" --chunked
check "bypass: no Content-Type (body not passed to plugins)" bypass bp-d "no content type" \
	POST "/v1.41/containers/create?name=bp-d" --body "$PRIV" --no-content-type
check "bypass: a body over 1 MiB (not passed to plugins)" bypass bp-e "large body" \
	POST "/v1.41/containers/create?name=bp-e" --body-size 1100000 "$IMAGE"
check "bypass: Privileged false, then privileged true (Go: the last key wins, any case)" \
	bypass bp-f "duplicate key" POST "/v1.41/containers/create?name=bp-f" \
	--body "{\"Image\":\"$IMAGE\",\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}"
check "bypass: Bind<long s> (Go folds U+017F to s)" bypass bp-g "long s" \
	POST "/v1.41/containers/create?name=bp-g" \
	--body "{\"Image\":\"$IMAGE\",\"HostConfig\":{\"Bind\\u017f\":[\"/var/run/docker.sock:/s\"]}}"
check "bypass: HostConfig twice (Go merges: CapAdd survives)" bypass bp-h "merge" \
	POST "/v1.41/containers/create?name=bp-h" \
	--body "{\"Image\":\"$IMAGE\",\"HostConfig\":{\"CapAdd\":[\"SYS_ADMIN\"]},\"HOSTCONFIG\":{\"Memory\":0}}"
check "bypass: no API version prefix" bypass bp-i "no version" \
	POST "/containers/create?name=bp-i" --body "$PRIV"
$RAW POST "/v1.41/containers/create?name=bp-j" --body "{\"Image\":\"$IMAGE\",\"Cmd\":[\"sleep\",\"60\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}" >/dev/null
check "bypass: API 1.23 start with a chunked HostConfig (Privileged)" bypass bp-nothing "legacy start chunked" \
	POST "/v1.23/containers/bp-j/start" --body '{"Privileged":true}' --chunked
check "bypass: API 1.23 start with a HostConfig (Privileged)" bypass bp-nothing "legacy start" \
	POST "/v1.23/containers/bp-j/start" --body '{"Privileged":true}'
sed "s/^/# /" "$WORK/bypass.log" # what dockerd passed on, and what palisade answered
check "no container of the bypass attempts runs, none is privileged" sh -c \
	"! $D ps -aq | xargs -r $D inspect -f '{{.Name}} {{.HostConfig.Privileged}} {{.State.Running}}' | grep -q 'true'"

# ---- reload on SIGHUP without a window ----
# Requests straight to the plugin, a benign create each, while the policy is
# reloaded five times: every one must be answered, and allowed.
BENIGN=$(printf '{"Image":"%s"}' "$IMAGE" | base64 -w0)
req="{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/containers/create\",\"RequestBody\":\"$BENIGN\"}"
(
	i=0
	while [ $i -lt 300 ]; do
		curl -s --max-time 10 --unix-socket "$PSOCK" -X POST http://plugin/AuthZPlugin.AuthZReq -d "$req" ||
			echo FAILED
		echo
		i=$((i + 1))
	done
) >"$WORK/flood.out" &
flood=$!
cat >>"$WORK/site.yaml" <<'EOF'
- rule: Forbidden environment refused
  desc: a test rule added while the gate runs
  condition: evt.type = authz_request and docker.op = container_create and docker.env intersects ("FOO=forbidden")
  output: "FOO=forbidden is refused by the site policy"
  priority: WARNING
  source: docker
  action: deny
EOF
for i in 1 2 3 4 5; do kill -HUP "$AZ_PID"; sleep 0.2; done
wait $flood
check "reload x5 under 300 requests: every request answered and allowed" sh -c \
	"[ \$(grep -c '\"Allow\":true' $WORK/flood.out) = 300 ] && ! grep -q FAILED $WORK/flood.out"
check "after the reload the new rule applies" refused "Forbidden environment refused" -e FOO=forbidden "$IMAGE"
echo '- rule: broken' >>"$WORK/site.yaml"
kill -HUP "$AZ_PID"
sleep 1
check "a broken policy file is refused on reload; the running policy stays" sh -c \
	"grep -q 'reload failed: the running policy stays' $WORK/authz.err && $D run --rm --network none $IMAGE true"

# ---- the plugin down: refused (fail closed) ----
kill -TERM "$AZ_PID"
wait "$AZ_PID" 2>/dev/null
AZ_PID=
t0=$(date +%s.%N)
$D run --rm --network none "$IMAGE" true >"$WORK/down.out" 2>&1
rc=$?
t1=$(date +%s.%N)
secs=$(echo "$t1 - $t0" | bc 2>/dev/null || python3 -c "print(round($t1 - $t0, 1))")
check "plugin down: docker run is refused (fail closed) after ${secs} s: $(head -c 160 "$WORK/down.out" | tr '\n' ' ')" \
	sh -c "[ $rc != 0 ] && grep -qiE 'plugin|Internal Server Error' $WORK/down.out"
