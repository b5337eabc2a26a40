#!/bin/sh
# Linux VM, step 3: netmap at NETMAP_REF (vagrant/netmap.ref unless set), cloned into
# /opt/netmap/src and built out of tree in /opt/netmap/build with netmap's own configure
# and make. Nothing built here leaves the VM. Skipped when that ref is already built for
# the running kernel.
set -eu
ref=${NETMAP_REF:?NETMAP_REF is not set: name a netmap commit, tag or branch}
src=/opt/netmap/src
build=/opt/netmap/build
stamp=/opt/netmap/built-for
want="$ref $(uname -r)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "netmap $want is already built in $build"
	exit 0
fi
rm -rf "$src" "$build" "$stamp"
mkdir -p "$build"
git clone --quiet https://github.com/luigirizzo/netmap "$src"
git -C "$src" checkout --quiet "$ref"
cd "$build"
"$src/LINUX/configure" --kernel-dir="/lib/modules/$(uname -r)/build" --no-drivers
make -j2
printf '%s\n' "$want" >"$stamp"
echo "netmap $(git -C "$src" rev-parse HEAD) built in $build"
