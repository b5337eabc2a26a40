#!/bin/sh
# Linux VM, step 4: build multistack.ko from the synced tree against this VM's kernel and
# netmap, as the tree's owner. Arguments go to the build (KSRC=, NSRC=, NBUILD= override
# the VM's defaults). The last line, "multistack-built PATH RELEASE", is for buildsys/vm.py.
set -eu
cd "${MS_TREE:-/home/vagrant/multistack}"
python3 - NSRC=/opt/netmap/src NBUILD=/opt/netmap/build "$@" <<'PY'
import sys

from buildsys import linux
from buildsys.errors import BuildError

try:
    result = linux.build(linux.parse_args(sys.argv[1:], {}))
except BuildError as err:
    sys.exit(f"multistack build failed: {err}")
print(result.log)
print(f"multistack-built {result.module} {result.release}")
PY
