#!/bin/sh
# Ordinary container workloads under the embedded default rules raise no
# alert at all: busybox httpd serving requests (its workers' stdio is the
# client's socket), a shell running a build, a `docker build` whose steps add
# a user and install files, health checks (Docker's HEALTHCHECK, and a
# `docker exec` probe the container allow-lists in its palisade.allow-exec
# label), an application appending to its logs.
. tests/integration/lib.sh

T=db$$
PORT=$((30000 + $$ % 10000))
# BENIGN_RULES="--rules FILE ..." measures another rule set on the same
# workloads (docs/rules.md compares Falco's files); the default: the embedded set.
start_agent ${BENIGN_RULES:-} || exit 1

# A web server, and clients fetching from it.
run_container $T-web "$IMAGE" sh -c "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p $PORT -h /www"
run_container $T-client "$IMAGE" sleep 120
WEB_IP=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' $T-web)
sleep 1
for i in 1 2 3 4 5; do
	docker exec $T-client wget -q -O /dev/null "http://$WEB_IP:$PORT/index.html" || true
done
check "httpd served the requests" sh -c "docker exec $T-client wget -q -O - http://$WEB_IP:$PORT/index.html | grep -q hello"

# A shell running a build: sources generated, compiled by stand-ins,
# archived, installed below /usr/local, the tree removed.
run_container $T-build "$IMAGE" sh -c '
	mkdir -p /build/src /usr/local/bin && cd /build &&
	for i in $(seq 1 40); do echo "int f$i(void) { return $i; }" > src/f$i.c; done &&
	sed -i s/int/long/ src/*.c && sort src/*.c > all.txt && md5sum all.txt > sums &&
	tar cf out.tar src && gzip -f out.tar && cp out.tar.gz /usr/local/lib/ 2>/dev/null;
	rm -rf /build/src && ls -la /build >/dev/null && sleep 2'

# docker build: a step adds a user, another installs a tarball's files.
mkdir -p "$WORK/ctx"
tar -C /bin -cf "$WORK/ctx/pkg.tar" busybox
cat >"$WORK/ctx/Dockerfile" <<DOCKERFILE
FROM $IMAGE
RUN adduser -D -H app && addgroup app users; : $T-step1
ADD pkg.tar /opt/pkg/
RUN mkdir -p /usr/local/lib/pkg && cp /opt/pkg/busybox /usr/local/lib/pkg/tool && echo "pkg=1" > /etc/pkg.conf.d 2>/dev/null; : $T-step2
DOCKERFILE
check "docker build of the image" sh -c "DOCKER_BUILDKIT=0 docker build -q --no-cache -t $T-img:latest '$WORK/ctx' >/dev/null"

# Health checks: Docker's HEALTHCHECK, and an exec probe the container
# allow-lists by label.
PROBE="wget -q -O /dev/null http://127.0.0.1:$PORT/"
run_container $T-hc --health-cmd "$PROBE" --health-interval 1s --label "palisade.allow-exec=sh -c $PROBE" \
	"$IMAGE" sh -c "mkdir -p /www /var/log && echo ok > /www/index.html && httpd -p $PORT -h /www && while :; do echo tick >> /var/log/app.log; sleep 0.5; done"
sleep 3
for i in 1 2 3; do docker exec $T-hc sh -c "$PROBE"; done
check "the HEALTHCHECK ran" sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $T-hc)\" = healthy ]"

sleep 2
docker rmi -f $T-img:latest >/dev/null 2>&1
check "no alert at all on the benign workloads" sh -c \
	"! grep -F '$T' '$WORK/alerts.json' | jq -e -s 'length > 0' >/dev/null"
grep -F "$T" "$WORK/alerts.json" | jq -c '{rule, c: .output_fields["container.name"], cmd: .output_fields["proc.cmdline"]}' >&2
# The build's step containers (named at random by the engine): those whose
# first process ran a step of this Dockerfile (each carries the marker).
STEPS=$(grep -F "$T-step" "$WORK/events.json" | jq -r 'select(.type=="execve" and .proc.vpid==1) | .container.id[0:12]' | sort -u | tr '\n' ' ')
check "the build ran its steps in containers ($STEPS)" [ "$(echo $STEPS | wc -w)" -ge 2 ]
for id in $STEPS; do
	check "no alert from build step container $id" sh -c \
		"! grep -F '$id' '$WORK/alerts.json' | jq -e -s 'length > 0' >/dev/null"
done
