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

# _capture CMD...: runs CMD with its output shown as it comes (a hung command still shows how
# far it got) and kept in $out; its status is in $rc.
_capture() {
	{
		"$@" 2>&1
		echo $? >/tmp/ms.rc
	} | tee /tmp/ms.out
	rc=$(cat /tmp/ms.rc)
	out=$(tail -c 2000 /tmp/ms.out)
}

# check NAME CMD...: a check that holds when CMD succeeds.
check() {
	name=$1
	shift
	echo "+ $*"
	_capture "$@"
	if [ "$rc" = 0 ]; then pass "$name" "$out"; else fail "$name" "status $rc: $out"; fi
	return 0
}

# check_fails NAME CMD...: a check that holds when CMD fails.
check_fails() {
	name=$1
	shift
	echo "+ ! $*"
	_capture "$@"
	if [ "$rc" = 0 ]; then fail "$name" "unexpectedly succeeded: $out"; else pass "$name" "$out"; fi
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

# status_counter DIR REASON VERDICT [FILE]: packets of one counter line of /proc/net/multistack,
# or of a copy of it (0 if absent).
status_counter() {
	awk -v d="dir=$1" -v r="reason=$2" -v v="verdict=$3" '
		$1 == "counter" && $2 == d && $3 == r && $4 == v { split($5, p, "="); n += p[2] }
		END { print n + 0 }' "${4:-/proc/net/multistack}"
}

# status_regs: the number of registration lines.
status_regs() { grep -c '^reg ' /proc/net/multistack || true; }

# wait_for_no_registrations: a killed owner's registrations end as its fds close; wait up to 5 s.
wait_for_no_registrations() {
	i=0
	while [ "$(status_regs)" != 0 ] && [ $i -lt 50 ]; do
		usleep 100000
		i=$((i + 1))
	done
	check "no registration is left" test "$(status_regs)" = 0
}

finish() { exit "$MS_FAILED"; }

# Addresses the user-level stacks and the kernel share (see guestlib/frames.py).
GUEST4=10.0.0.1
GUEST6=fd00::1

# addresses_on_lo: the shared addresses, for scenarios without a NIC.
addresses_on_lo() {
	run ip addr replace "$GUEST4/32" dev lo
	run ip -6 addr replace "$GUEST6/128" dev lo nodad
}

# veth_peer_up: the wire of the NIC scenarios: veth0 (02:00:00:00:00:01, $GUEST4/24) here,
# veth1 (02:00:00:00:00:02, 10.0.0.2/24) in netns peer, both up, offloads off.
veth_peer_up() {
	run ip link add veth0 type veth peer name veth1
	run ip link set veth0 address 02:00:00:00:00:01
	run ip netns add peer
	run ip link set veth1 netns peer
	run ip -n peer link set veth1 address 02:00:00:00:00:02
	run ip addr add "$GUEST4/24" dev veth0
	run ip link set veth0 up
	run ip -n peer addr add 10.0.0.2/24 dev veth1
	run ip -n peer link set veth1 up
	run ip -n peer link set lo up
	# Frames copied through a switch (netmap's or the double's) never get the checksum a
	# transmit offload would have added: no offload may leave one unfinished.
	run mstest offloads-off veth0
	run ip netns exec peer mstest offloads-off veth1
}

# nic_up [-a]: the NIC of valem: before multistack loads (a module's own switch takes no NIC);
# -a attaches it without its host port (vale-ctl -a; real netmap only, see attack_up).
#   real netmap: veth0 (10.0.0.1, host stack) attached with vale-ctl -h, veth1 in netns peer;
#   the double:  nothing here: the mstest process that sends frames attaches valem:veth0
#                itself (NIC_ARG), since the double's NIC lives as long as its fd.
# shellcheck disable=SC2034 # NIC_ARG is read by the scenarios that source this file
nic_up() {
	if [ "$NETMAP_BACKEND" = netmap ]; then
		veth_peer_up
		run ip -6 addr add "$GUEST6/64" dev veth0 nodad
		run ip -n peer -6 addr add fd00::2/64 dev veth1 nodad
		run vale-ctl "${1:--h}" valem:veth0
		NIC_ARG="nic valem:veth0 via=peer/veth1"
	else
		addresses_on_lo
		NIC_ARG="nic valem:veth0"
	fi
}

nic_down() {
	if [ "$NETMAP_BACKEND" = netmap ]; then
		run vale-ctl -d valem:veth0
		run ip link del veth0
		run ip netns del peer
	fi
	return 0
}

# bg NAME CMD...: start CMD in the background; it signals readiness by creating /tmp/NAME.ready
# (mstest's "ready" operation).  Waits up to 20 s for it; the pid is in BG_PID.
bg() {
	name=$1
	shift
	rm -f "/tmp/$name.ready"
	echo "+ $* &"
	"$@" &
	BG_PID=$!
	i=0
	while [ ! -e "/tmp/$name.ready" ] && [ $i -lt 200 ]; do
		kill -0 "$BG_PID" 2>/dev/null || break
		usleep 100000
		i=$((i + 1))
	done
	[ -e "/tmp/$name.ready" ]
}

# wait_for_file PATH TENTHS: waits until PATH exists, for at most TENTHS tenths of a second.
wait_for_file() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt "$2" ]; do
		usleep 100000
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# stop PID: kill -9 and reap.
stop() {
	run kill -9 "$1"
	wait "$1" 2>/dev/null
	return 0
}

# slab_total: bytes in all slab caches (active objects times object size), for leak checks.
slab_total() {
	awk 'NR > 2 { n += $2 * $4 } END { print n + 0 }' /proc/slabinfo
}

# attack_up [-a] [MODULE PARAMS...]: the attack scenarios' start: netmap, /dev/netmap open to
# users (as an administrator allows), the NIC on valem: (-a: without its host port), then
# multistack.  Sets NIC_TAKE, mstest's words that give a process the NIC's side, to use as
# root before it drops privileges:
#   real netmap: a packet socket on veth1 in netns peer (frames enter through the veth);
#   the double:  a copy of the fd of the process holding the NIC (NIC_PID), over SCM_RIGHTS.
attack_up() {
	how=-h
	if [ "${1:-}" = -a ]; then
		how=-a
		shift
	fi
	check "netmap loads" insmod "$MS_KO/netmap.ko"
	run chmod 666 /dev/netmap
	if [ "$NETMAP_BACKEND" = netmap ]; then
		nic_up "$how"
		NIC_TAKE="nic valem:veth0 via=peer/veth1"
	else
		addresses_on_lo
		host=1
		[ "$how" = -a ] && host=0
		bg nic mstest nic valem:veth0 host=$host ready /tmp/nic.ready \
			give /tmp/nic.sock what=nic count=0 || fail "attach the NIC"
		NIC_PID=$BG_PID
		NIC_TAKE="take /tmp/nic.sock nic=valem:veth0"
	fi
	check "multistack loads" insmod "$MS_KO/multistack.ko" "$@"
}

attack_down() {
	check "no registrations left" sh -c '! grep "^reg " /proc/net/multistack'
	check "multistack unloads" rmmod multistack
	if [ "$NETMAP_BACKEND" = netmap ]; then nic_down; else stop "$NIC_PID"; fi
	check "netmap unloads" rmmod netmap
}

# legit_use UID PORT: the legitimate use beside the attacks: an unprivileged stack
# (uid UID) opens its port valem:vUID with NR_EXCLUSIVE, registers its own socket's tuple udp
# GUEST4:PORT, receives from the NIC (real netmap: at least one of the two frames; a veth
# through netmap's generic adapter once lost one under emulation) and sends to it.
# shellcheck disable=SC2086 # NIC_TAKE is a list of words
legit_use() {
	check "uid $1: a stack registers its own socket, receives and sends" \
		mstest $NIC_TAKE setuid "$1" port "valem:v$1" sock 4 udp "$GUEST4" "$2" \
		bind 4 udp "$GUEST4" "$2" expect=OK fromnic "/ms/frames/to_$2.bin" "expect=v$1" \
		recv 1000 min=1 send "/ms/frames/from_$2.bin" expect=nic
}

# reg_line TUPLE-REGEX: the /proc/net/multistack line of a registration ("" if none).
reg_line() { grep "^reg .*$1" /proc/net/multistack || true; }
