#!/bin/sh
# FreeBSD VM, step 4: build multistack.ko from the synced tree against /usr/src/sys, as the
# tree's owner. Arguments go to the build (--with-sctp, --without-sctp). The last line,
# "multistack-built PATH RELEASE", is for buildsys/vm.py.
set -eu
cd "${MS_TREE:-/home/vagrant/multistack}"
python3 - "$@" <<'PY'
import sys

from buildsys import freebsd

try:
    result = freebsd.build_native(freebsd.parse_args(sys.argv[1:]))
except freebsd.BuildError as err:
    sys.exit(f"multistack build failed: {err}")
print(result.log)
print(f"multistack-built {result.module} {result.release}")
PY
