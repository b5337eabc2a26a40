#!/bin/sh
# FreeBSD VM, step 3: netmap is in base (GENERIC has `device netmap`); check that the
# kernel has it and that the sources carry its headers.
set -eu
if [ ! -c /dev/netmap ]; then
	kldload -n netmap
fi
header=/usr/src/sys/net/netmap.h
test -f /usr/src/sys/dev/netmap/netmap_bdg.h
api=$(sed -n 's/^#define[[:space:]]*NETMAP_API[[:space:]]*\([0-9]*\).*/\1/p' "$header")
echo "netmap in base: /dev/netmap present, NETMAP_API ${api:-unknown} in $header"
