#!/bin/sh
# Linux VM, step 2: headers of the running kernel, which the module is built against.
set -eu
release=$(uname -r)
if [ ! -f "/lib/modules/$release/build/Makefile" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "linux-headers-$release"
fi
echo "kernel headers for $release: /lib/modules/$release/build"
