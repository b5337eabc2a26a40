# Shared by the scenario scripts (sourced).  Every command a scenario runs goes through `run`
# or `check`, so the console shows it; results go out as MSCHECK/MSDATA lines.
MS_KO=/ms/ko
NETMAP_BACKEND=$(cat /ms/backend)
MS_FAILED=0

# iproute2's ip (busybox's cannot make veth pairs or namespaces); a function, because
# Debian's busybox shell would run its own ip applet before looking at PATH.
ip() { /usr/sbin/ip "$@"; }

log() { echo "# $*"; }

# run CMD...: log and run a command; its status is returned.
run() {
	echo "+ $*"
	"$@"
}

json_str() { printf '%s' "$*" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  '; }

# pass/fail NAME [DETAIL]
pass() { echo "MSCHECK {\"check\": \"$(json_str "$1")\", \"ok\": true, \"detail\": \"$(json_str "${2:-}")\"}"; }
fail() {
	MS_FAILED=1
	echo "MSCHECK {\"check\": \"$(json_str "$1")\", \"ok\": false, \"detail\": \"$(json_str "${2:-}")\"}"
}

# check NAME CMD...: a check that holds when CMD succeeds.
check() {
	name=$1
	shift
	echo "+ $*"
	if out=$("$@" 2>&1); then pass "$name" "$out"; else fail "$name" "status $?: $out"; fi
	[ -n "$out" ] && echo "$out"
	return 0
}

# check_fails NAME CMD...: a check that holds when CMD fails.
check_fails() {
	name=$1
	shift
	echo "+ ! $*"
	if out=$("$@" 2>&1); then fail "$name" "unexpectedly succeeded: $out"; else pass "$name" "$out"; fi
	[ -n "$out" ] && echo "$out"
	return 0
}

# data KEY VALUE: an observation for the host side, as a JSON string.
data() { echo "MSDATA {\"key\": \"$(json_str "$1")\", \"value\": \"$(json_str "$2")\"}"; }

netmap_load() { run insmod "$MS_KO/netmap.ko"; }
ms_load() { run insmod "$MS_KO/multistack.ko" "$@"; }
ms_unload() { run rmmod multistack; }
netmap_unload() { run rmmod netmap; }

# The module's reference count, as lsmod shows it ("-" when not loaded).
mod_refcount() { awk -v m="$1" '$1 == m { print $3; found = 1 } END { if (!found) print "-" }' /proc/modules; }

# status_counter DIR REASON VERDICT: packets of one counter line of /proc/net/multistack (0 if absent).
status_counter() {
	awk -v d="dir=$1" -v r="reason=$2" -v v="verdict=$3" '
		$1 == "counter" && $2 == d && $3 == r && $4 == v { split($5, p, "="); n += p[2] }
		END { print n + 0 }' /proc/net/multistack
}

# status_regs: the number of registration lines.
status_regs() { grep -c '^reg ' /proc/net/multistack || true; }

finish() { exit "$MS_FAILED"; }
