# attack_requests: rules R6-R8 of the isolation model (docs/design.md), holes 6 and 7 of
# issue 12: malformed requests and port 0, what QUERY and /proc/net/multistack reveal to whom,
# and the registration limits.
#
#   victim uid 1000: valem:vp0, udp 10.0.0.1:7200 and udp *:7201
#   attackers uid 1000/1001: their own ports, ports held without rings, bare fds, own netns
#   [ valem:, multistack ] -- NIC valem:veth0
#
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4

attack_up
legit_use 1000 7300

if ! bg victim mstest setuid 1000 port valem:vp0 sock 4 udp "$A4" 7200 bind 4 udp "$A4" 7200 \
	expect=OK sock 4 udp '*' 7201 bind 4 udp '*' 7201 expect=OK ready /tmp/victim.ready pause; then
	fail "start the victim stack (uid 1000, valem:vp0)"
	finish
fi
victim=$BG_PID

for uid in 1000 1001; do
	p=valem:v$uid
	# R6 / hole 7: EINVAL for a malformed request, before any other check.
	check "R6 uid $uid: port 0 in BIND (socket on a kernel-picked port): EINVAL" \
		mstest setuid $uid port $p sock 4 udp "$A4" 0 bind 4 udp "$A4" 0 expect=EINVAL
	check "R6 uid $uid: port 0 in BIND by search, wildcard: EINVAL" \
		mstest setuid $uid port $p bind 4 udp '*' 0 fd=search expect=EINVAL
	check "R6 uid $uid: port 0 in UNBIND and QUERY: EINVAL" \
		mstest setuid $uid port $p unbind 4 udp "$A4" 0 expect=EINVAL \
		query 4 udp "$A4" 0 expect=EINVAL
	check "R6 uid $uid: bad magic, version, command, flags, reserved, out_*: EINVAL" \
		mstest setuid $uid port $p sock 4 udp "$A4" 7210 \
		bind 4 udp "$A4" 7210 magic=0x1234 expect=EINVAL \
		bind 4 udp "$A4" 7210 version=9 expect=EINVAL \
		bind 4 udp "$A4" 7210 cmd=9 expect=EINVAL \
		bind 4 udp "$A4" 7210 flags=1 expect=EINVAL \
		bind 4 udp "$A4" 7210 reserved=1 expect=EINVAL \
		bind 4 udp "$A4" 7210 outflags=1 expect=EINVAL
	check "R6 uid $uid: bad family, bad protocol, fd below -1: EINVAL" \
		mstest setuid $uid port $p sock 4 udp "$A4" 7210 \
		bind 4 udp "$A4" 7210 family=5 expect=EINVAL \
		bind 4 udp "$A4" 7210 proto=1 expect=EINVAL \
		bind 4 udp "$A4" 7210 fd=-2 expect=EINVAL
	check "R6 uid $uid: malformed from a port that is not the caller's: still EINVAL" \
		mstest setuid $uid port valem:vp0 rings=none unbind 4 udp "$A4" 7200 version=9 \
		expect=EINVAL unbind 4 udp "$A4" 0 expect=EINVAL
	# R6: errnos of well-formed requests.
	check "R6 uid $uid: UNBIND of a tuple nobody registered: ENOENT" \
		mstest setuid $uid port $p unbind 4 udp "$A4" 7299 expect=ENOENT
	check "R6 uid $uid: UNBIND of the victim's tuple from its own port: EPERM" \
		mstest setuid $uid port $p unbind 4 udp "$A4" 7200 expect=EPERM \
		unbind 4 udp '*' 7201 expect=EPERM
	# Three sockets of one user on one port (SO_REUSEPORT), fds 4, 5, 6 after the port's 3.
	check "R6 uid $uid: a tuple held already: EEXIST by its port, EADDRINUSE by another" \
		mstest setuid $uid port $p sock 4 udp "$A4" 7211 reuseport=1 \
		sock 4 udp "$A4" 7211 reuseport=1 sock 4 udp "$A4" 7211 reuseport=1 \
		bind 4 udp "$A4" 7211 fd=4 expect=OK bind 4 udp "$A4" 7211 fd=5 expect=EEXIST \
		port valem:vx$uid bind 4 udp "$A4" 7211 fd=6 expect=EADDRINUSE
	# R7 / hole 6: QUERY needs the caller's port and tells owners only to themselves.
	check "R7 uid $uid: QUERY on a /dev/netmap fd registered nowhere: EPERM" \
		mstest setuid $uid bare valem:vp0 query 4 udp "$A4" 7200 expect=EPERM
	check "R7 uid $uid: QUERY through the victim's port held without rings: EPERM" \
		mstest setuid $uid port valem:vp0 rings=none query 4 udp "$A4" 7200 expect=EPERM
	check "R7 uid $uid: QUERY from its own namespace never reaches the switch: EINVAL" \
		mstest setuid $uid unshare port valem:vp0 query 4 udp "$A4" 7200 expect=EINVAL
	check "R7 uid $uid: QUERY of the victim's tuples: FOUND (+WILDCARD), nothing else" \
		mstest setuid $uid port $p query 4 udp "$A4" 7200 expect-flags=1 hidden=1 \
		query 4 udp "$A4" 7201 expect-flags=5 hidden=1
	check "R7 uid $uid: QUERY of its own tuple: FOUND|MINE" \
		mstest setuid $uid port $p sock 4 udp "$A4" 7212 bind 4 udp "$A4" 7212 expect=OK \
		query 4 udp "$A4" 7212 expect-flags=3
done

# R7: /proc/net/multistack shows pid= and uid= only to root and to the owner's uid.
run cat /proc/net/multistack
check "R7: root sees the victim's pid" grep -q "port=7200 .*pid=$victim " /proc/net/multistack
check "R7: the owner's uid sees its pid" \
	mstest setuid 1000 sh "grep -q 'port=7200 .*pid=$victim ' /proc/net/multistack"
check "R7: another user sees pid=- uid=-" \
	mstest setuid 1001 sh "grep 'port=7200 ' /proc/net/multistack | grep -q 'pid=- uid=-'"
check "R7: ... and no pid of anyone else's registration" \
	mstest setuid 1001 sh "! grep '^reg ' /proc/net/multistack | grep -q 'pid=[0-9]'"
check "R7: another user, root of its own namespace, reading init's status: no pid" \
	mstest setuid 1001 unshare sh "! grep -s '^reg ' /proc/1/net/multistack | grep -q 'pid=[0-9]'"
stop "$victim"

# R8: limits, as module parameters; exceeding one is ENOSPC.
check "multistack unloads" rmmod multistack
check "multistack loads with max_registrations=3 max_per_port=2" \
	insmod "$MS_KO/multistack.ko" max_registrations=3 max_per_port=2
if bg full mstest setuid 1000 port valem:v1000 sock 4 udp "$A4" 7220 bind 4 udp "$A4" 7220 expect=OK \
	sock 4 udp "$A4" 7221 bind 4 udp "$A4" 7221 expect=OK \
	sock 4 udp "$A4" 7222 bind 4 udp "$A4" 7222 expect=ENOSPC ready /tmp/full.ready pause; then
	pass "R8 uid 1000: a third registration on one port: ENOSPC (max_per_port=2)"
	check "R8 uid 1001: the fourth on the switch: ENOSPC (max_registrations=3)" \
		mstest setuid 1001 port valem:v1001 sock 4 udp "$A4" 7230 bind 4 udp "$A4" 7230 expect=OK \
		sock 4 udp "$A4" 7231 bind 4 udp "$A4" 7231 expect=ENOSPC
	run grep '^limits ' /proc/net/multistack
	check "R8: both refusals are counted in the limits record (refused=2)" \
		grep -q '^limits max_registrations=3 max_per_port=2 refused=2$' /proc/net/multistack
	stop "$BG_PID"
	check "R8: room again once registrations end" \
		mstest setuid 1001 port valem:v1001 sock 4 udp "$A4" 7230 bind 4 udp "$A4" 7230 expect=OK \
		sock 4 udp "$A4" 7231 bind 4 udp "$A4" 7231 expect=OK
else
	fail "R8 uid 1000: a third registration on one port: ENOSPC (max_per_port=2)"
fi

legit_use 1001 7400
attack_down
finish
