#!/bin/sh
# Builds the agent's container image from the built binary and the shared
# libraries it links (no registry: `docker import` of a rootfs assembled
# here, as scripts/test-env.sh does for the test image). How to run it, and
# why each flag: docs/container.md.
# usage: sh dist/image.sh [IMAGE]   (default palisade:VERSION, also tagged :latest)
set -eu
cd "$(dirname "$0")/.."
version=$(sed -n 's/.*PALISADE_VERSION "\(.*\)"/\1/p' src/version.h)
image=${1:-palisade:$version}
[ -x ./palisade ] || { echo "image: ./palisade is missing: run make" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/etc/palisade/rules.d" "$root/etc/ssl/certs" "$root/tmp" \
	"$root/proc" "$root/sys" "$root/dev" "$root/run/palisade" "$root/var/lib/palisade" \
	"$root/var/log/palisade"
chmod 1777 "$root/tmp"
cp ./palisade "$root/usr/bin/palisade"
# The binary's libraries and the dynamic loader, at the paths it was linked for.
for lib in $(ldd ./palisade | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
# libcurl's TLS trust store, for https webhooks.
[ -r /etc/ssl/certs/ca-certificates.crt ] &&
	cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
cp rules/palisade_rules.yaml "$root/etc/palisade/rules.d/"
./palisade config example 'rules.files=[/etc/palisade/rules.d]' >"$root/etc/palisade/palisade.yaml"
# Checked as it will run, with the image's rules.d.
sed "s|/etc/palisade/rules.d|$root/etc/palisade/rules.d|" "$root/etc/palisade/palisade.yaml" \
	>"$root/check.yaml"
./palisade config check "$root/check.yaml" >/dev/null
rm "$root/check.yaml"
echo "root:x:0:0:root:/root:/sbin/nologin" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
chmod 755 "$root"
tar -C "$root" -c . | docker import \
	--change 'ENTRYPOINT ["/usr/bin/palisade", "run"]' \
	--change 'CMD ["--config", "/etc/palisade/palisade.yaml"]' \
	--change "LABEL org.opencontainers.image.title=palisade org.opencontainers.image.version=$version" \
	- "$image" >/dev/null
[ "${1:-}" ] || docker tag "$image" palisade:latest
echo "image: $image ($(docker image inspect -f '{{.Size}}' "$image") bytes)"
