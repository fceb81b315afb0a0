#!/bin/sh
# Installs the Debian 12 packages palisade needs to build, run and test.
# Idempotent: installs only what is missing, so `make run` and `make check` can
# both call it on every invocation at almost no cost.
set -eu

BUILD_PKGS="make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
libjansson-dev libcurl4-openssl-dev libyaml-dev libpcre2-dev libmicrohttpd-dev libssl-dev
libsodium-dev libsystemd-dev help2man libnats-dev libseccomp-dev"
TEST_PKGS="libcmocka-dev libclang-rt-14-dev docker.io busybox-static procps iproute2 curl jq
golang-github-docker-docker-dev apparmor
openssl rsyslog rsyslog-openssl prometheus python3 libcap2-bin e2fsprogs debhelper nats-server
docker-registry skopeo golang-go golang-golang-x-crypto-dev golang-github-containers-image-dev
aide time liburing-dev chromium chromium-driver python3-selenium"
# The peers bench/run.sh measures beside the agent (make bench).
BENCH_PKGS="bpftrace libbpf-tools auditd valgrind"

missing=""
for p in $BUILD_PKGS ${PALISADE_TEST_DEPS:+$TEST_PKGS} ${PALISADE_BENCH_DEPS:+$BENCH_PKGS}; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (sudo) to install them" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The tests run their own registry on a private port; the package's own
# service would listen on :5000 of every interface: not started by us.
case " $missing " in
*" docker-registry "*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		systemctl disable --now docker-registry >/dev/null 2>&1 || true
		echo "install-deps: docker-registry's own service disabled (the tests start theirs)"
	fi
	;;
esac
