#!/bin/sh
# Linux VM, step 3 (run by buildsys/vm.py over ssh, as the vagrant user, when the host gave
# NSRC): build the netmap tree the host synced into NETMAP_SRC, out of tree in NETMAP_BUILD,
# with netmap's own configure and make, against the running kernel. The VM fetches nothing:
# the tree is the host's. Skipped when that tree (NETMAP_DIGEST, computed by the host) is
# already built for this kernel.
set -eu
src=${NETMAP_SRC:?NETMAP_SRC is not set: the folder the host synced its netmap tree into}
build=${NETMAP_BUILD:?NETMAP_BUILD is not set: where to build netmap}
want="${NETMAP_DIGEST:-unknown} $(uname -r)"
stamp="$build/.multistack-built-for"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$build/netmap.ko" ]; then
	echo "netmap from $src is already built for $(uname -r) in $build"
	exit 0
fi
rm -rf "$build"
mkdir -p "$build"
cd "$build"
"$src/LINUX/configure" --kernel-dir="/lib/modules/$(uname -r)/build" --no-drivers
make -j"$(nproc)"
printf '%s\n' "$want" >"$stamp"
echo "netmap from $src built for $(uname -r) in $build"
