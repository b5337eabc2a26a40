#!/bin/sh
# Linux VM, step 4 (run by buildsys/vm.py over ssh, as the vagrant user): build
# multistack.ko from the synced tree against this VM's kernel. Arguments go to the build
# (KSRC=, NSRC=, NBUILD=); without NSRC it builds against the netmap test double and says so.
# The last line, "multistack-built PATH RELEASE", is for buildsys/vm.py.
set -eu
cd "${MS_TREE:-/home/vagrant/multistack}"
case " $* " in
*" NSRC="*) ;;
*)
	echo "no netmap tree given (NSRC): building against the netmap test double, tests/netmap_double"
	set -- "$@" NSRC=tests/netmap_double
	;;
esac
python3 - "$@" <<'PY'
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
