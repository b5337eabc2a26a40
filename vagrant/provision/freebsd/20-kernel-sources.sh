#!/bin/sh
# FreeBSD VM, step 2: the kernel sources of the running release in /usr/src, from the
# release's src.txz. Their sys/dev/netmap is the netmap the module builds against.
set -eu
if [ -f /usr/src/sys/conf/newvers.sh ]; then
	echo "kernel sources present in /usr/src/sys"
	exit 0
fi
release=$(freebsd-version -k | sed 's/-p[0-9]*$//')
url="https://download.freebsd.org/releases/$(uname -m)/$release/src.txz"
fetch -o /tmp/src.txz "$url"
tar -C / -xf /tmp/src.txz
rm -f /tmp/src.txz
echo "kernel sources of $release in /usr/src/sys"
