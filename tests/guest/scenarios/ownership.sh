# ownership: who may register a tuple, and what is let go when its owner goes away.
#
#   process A (root)            process B (root)            process C (uid 1000)
#   udp 10.0.0.1:7000           udp 10.0.0.1:7100           udp 10.0.0.1:7200
#        |  valem:vp0                |  valem:vp1                |  valem:vp2
#   [------------------- VALE switch valem:, taken over by multistack -------------------]
#
# Addresses live on lo: no frames flow here.  Every mstest run states the result it expects
# (expect=...) and fails otherwise; each check below is one mstest run.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4

addresses_on_lo
check "netmap loads" insmod "$MS_KO/netmap.ko"
check "multistack loads on top" insmod "$MS_KO/multistack.ko"
# Unprivileged users open ports too (the "another user" cases).
run chmod 666 /dev/netmap

check "BIND after bind() succeeds, QUERY sees it as ours" \
	mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK \
	query 4 udp "$A4" 7000 expect-flags=3
check "BIND of an IPv6 TCP listener" \
	mstest port valem:vp0 sock 6 tcp "$GUEST6" 8080 bind 6 tcp "$GUEST6" 8080 expect=OK
check "BIND by descriptor search (fd=-1)" \
	mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 fd=search expect=OK
check "registrations go with the closed port" sh -c '! grep "^reg " /proc/net/multistack'

check "no socket: EPERM" mstest port valem:vp0 bind 4 udp "$A4" 7000 fd=search expect=EPERM
check "a descriptor that is not a socket: EPERM" \
	mstest port valem:vp0 bind 4 udp "$A4" 7000 fd=0 expect=EPERM
check "a socket bound to another port: EPERM" \
	mstest port valem:vp0 sock 4 udp "$A4" 7001 bind 4 udp "$A4" 7000 fd=cur expect=EPERM
check "a socket of another protocol: EPERM" \
	mstest port valem:vp0 sock 4 tcp "$A4" 7000 bind 4 udp "$A4" 7000 fd=cur expect=EPERM
check "a wildcard BIND with a socket bound to one address: EPERM" \
	mstest port valem:vp0 sock 4 udp "$A4" 7003 bind 4 udp '*' 7003 expect=EPERM

if bg holder mstest sock 4 udp "$A4" 7100 ready /tmp/holder.ready pause; then
	check "the socket is another process's: EPERM" \
		mstest port valem:vp0 bind 4 udp "$A4" 7100 fd=search expect=EPERM
	stop "$BG_PID"
else
	fail "start a process holding udp 7100"
fi
if bg user mstest setuid 1000 sock 4 udp "$A4" 7200 ready /tmp/user.ready pause; then
	check "the socket is another user's: EPERM" \
		mstest port valem:vp0 bind 4 udp "$A4" 7200 fd=search expect=EPERM
	stop "$BG_PID"
else
	fail "start a uid 1000 process holding udp 7200"
fi
if bg rootsock mstest sock 4 udp "$A4" 7300 ready /tmp/rootsock.ready pause; then
	check "uid 1000 cannot register root's socket: EPERM" \
		mstest setuid 1000 port valem:vp2 bind 4 udp "$A4" 7300 fd=search expect=EPERM
	stop "$BG_PID"
else
	fail "start a process holding udp 7300"
fi
check "uid 1000 registers its own socket" \
	mstest setuid 1000 port valem:vp2 sock 4 udp "$A4" 7201 bind 4 udp "$A4" 7201 expect=OK

if bg other mstest port valem:vp1 ready /tmp/other.ready pause; then
	check "BIND naming a port the caller does not hold: EPERM" \
		mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 as=valem:vp1 expect=EPERM
	stop "$BG_PID"
else
	fail "start a process holding valem:vp1"
fi

# Only SO_REUSEPORT lets one user bind a second socket to a tuple whose first one the kernel
# holds for a registration: that second socket's BIND is EADDRINUSE (another port) or EEXIST.
check "the same tuple from a second port: EADDRINUSE; again from the first: EEXIST" \
	mstest port valem:vp0 sock 4 udp "$A4" 7000 reuseport=1 bind 4 udp "$A4" 7000 expect=OK \
	port valem:vp1 sock 4 udp "$A4" 7000 reuseport=1 bind 4 udp "$A4" 7000 expect=EADDRINUSE \
	query 4 udp "$A4" 7000 expect-flags=1 \
	use valem:vp0 sock 4 udp "$A4" 7000 reuseport=1 bind 4 udp "$A4" 7000 expect=EEXIST
check "wildcard: registered with a wildcard socket, covers every address, taken once" \
	mstest port valem:vp0 sock 4 udp '*' 7002 reuseport=1 bind 4 udp '*' 7002 expect=OK \
	query 4 udp "$A4" 7002 expect-flags=7 \
	port valem:vp1 sock 4 udp '*' 7002 reuseport=1 bind 4 udp '*' 7002 expect=EADDRINUSE
check "UNBIND: gone after it, a second one is ENOENT" \
	mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK \
	unbind 4 udp "$A4" 7000 expect=OK query 4 udp "$A4" 7000 expect-flags=0 \
	unbind 4 udp "$A4" 7000 expect=ENOENT
check "UNBIND from a port that does not hold it: EPERM" \
	mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK \
	port valem:vp1 unbind 4 udp "$A4" 7000 expect=EPERM
check "malformed requests: EINVAL" \
	mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 flags=1 expect=EINVAL \
	bind 4 udp "$A4" 7000 reserved=1 expect=EINVAL bind 4 udp "$A4" 7000 version=9 expect=EINVAL

# BIND hands the socket over: the caller's descriptor is closed, the port stays taken until the
# registration goes.
check "a registered socket is the kernel's; closing the port lets its port go" \
	mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK \
	sockname expect=EBADF sh "! mstest sock 4 udp $A4 7000" close-port sh "mstest sock 4 udp $A4 7000"

if bg victim mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK \
	sock 6 udp '*' 7000 bind 6 udp '*' 7000 expect=OK ready /tmp/victim.ready pause; then
	run cat /proc/net/multistack
	check "the status shows the owner's pid" grep -q "pid=$BG_PID" /proc/net/multistack
	stop "$BG_PID"
	wait_for_no_registrations # killing the owner releases its registrations
	check "... and its sockets: the kernel ports can be bound again" \
		mstest sock 4 udp "$A4" 7000 sock 6 udp '*' 7000
else
	fail "start a process registering udp 7000"
fi

check "no registrations left" sh -c '! grep "^reg " /proc/net/multistack'
run cat /proc/net/multistack
check "multistack unloads" rmmod multistack
check "netmap unloads" rmmod netmap
finish
