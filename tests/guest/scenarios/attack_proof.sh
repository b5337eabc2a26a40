# attack_proof: rules R4 and R5 of the isolation model (docs/design.md), holes 3, 4 and the
# non-local half of 5 of issue 12: what a socket proves at BIND, and that a BIND hands it over.
#
#   uid 1000/1001, own port valem:vUID (NR_EXCLUSIVE), in init's namespace
#      proofs tried: sockets from its own user+net namespace, raw, connected TCP, wildcard or
#      IP_FREEBIND sockets for addresses that are not local, sockets with other holders
#   [ valem:, multistack ] -- NIC valem:veth0
#
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4
A6=$GUEST6

attack_up
legit_use 1000 7200

for uid in 1000 1001; do
	p=valem:v$uid
	# R4 / hole 3: a socket of the user's own namespace, where it is root, handed over.
	check "R4 uid $uid: udp *:53 bound in its own namespace proves nothing here: EPERM" \
		mstest setuid $uid port $p nssock 4 udp '*' 53 bind 4 udp '*' 53 expect=EPERM
	check "R4 uid $uid: tcp *:22 bound in its own namespace proves nothing here: EPERM" \
		mstest setuid $uid port $p nssock 4 tcp '*' 22 bind 4 tcp '*' 22 expect=EPERM
	check "R4 uid $uid: udp6 [::]:5353 of its own namespace: EPERM" \
		mstest setuid $uid port $p nssock 6 udp '*' 5353 bind 6 udp '*' 5353 expect=EPERM
	# R4: the socket's kind and state.
	check "R4 uid $uid: a TCP socket proves nothing for UDP: EPERM" \
		mstest setuid $uid port $p sock 4 tcp "$A4" 7210 bind 4 udp "$A4" 7210 expect=EPERM
	check "R4 uid $uid: a connected TCP socket (it can be reset away): EPERM" \
		mstest setuid $uid port $p sock 4 tcp "$A4" 7211 sock 4 tcp "$A4" 7212 listen=0 \
		connect "$A4" 7211 bind 4 tcp "$A4" 7212 expect=EPERM
	check "R4 uid $uid: a TCP socket bound, not connected, not listening: registered" \
		mstest setuid $uid port $p sock 4 tcp "$A4" 7213 listen=0 bind 4 tcp "$A4" 7213 expect=OK
	# R4 / hole 5: exact tuples only on local addresses.
	check "R4 uid $uid: a wildcard socket for the gateway's address: EADDRNOTAVAIL" \
		mstest setuid $uid port $p sock 4 udp '*' 7214 bind 4 udp 10.0.0.254 7214 \
		expect=EADDRNOTAVAIL
	check "R4 uid $uid: an IP_FREEBIND socket on the gateway's address: EADDRNOTAVAIL" \
		mstest setuid $uid port $p sock 4 udp 10.0.0.254 7215 freebind=1 \
		bind 4 udp 10.0.0.254 7215 expect=EADDRNOTAVAIL
	check "R4 uid $uid: an IPV6_FREEBIND socket on a foreign IPv6 address: EADDRNOTAVAIL" \
		mstest setuid $uid port $p sock 6 udp fd00::254 7216 freebind=1 \
		bind 6 udp fd00::254 7216 expect=EADDRNOTAVAIL
	check "R4 uid $uid: a wildcard socket for a local exact tuple: registered" \
		mstest setuid $uid port $p sock 4 udp '*' 7217 bind 4 udp "$A4" 7217 expect=OK
	# R5: BIND takes the socket, and only an unshared one.
	check "R5 uid $uid: after BIND the caller's descriptor is gone (EBADF)" \
		mstest setuid $uid port $p sock 6 udp "$A6" 7218 bind 6 udp "$A6" 7218 expect=OK \
		sockname expect=EBADF disconnect expect=EBADF
	check "R5 uid $uid: a socket with a dup(): EBUSY" \
		mstest setuid $uid port $p sock 4 udp "$A4" 7219 dup bind 4 udp "$A4" 7219 expect=EBUSY
	check "R5 uid $uid: a socket shared with a child: EBUSY" \
		mstest setuid $uid port $p sock 4 udp "$A4" 7219 fork-hold \
		bind 4 udp "$A4" 7219 expect=EBUSY
	check "R5 uid $uid: a socket in flight on a unix socket: EBUSY" \
		mstest setuid $uid port $p sock 4 udp "$A4" 7219 inflight \
		bind 4 udp "$A4" 7219 expect=EBUSY
	check "R5 uid $uid: ... its last holder gone, the same socket registers" \
		mstest setuid $uid port $p sock 4 udp "$A4" 7219 dup close-dup \
		bind 4 udp "$A4" 7219 expect=OK
done

check "R4: a raw socket proves nothing (root, init's namespace): EPERM" \
	mstest port valem:vraw rawsock 4 udp "$A4" bind 4 udp "$A4" 17 expect=EPERM

# R5 / hole 4: a kernel-picked port, registered, cannot be let go and taken by another user.
for proto in udp tcp; do
	rm -f /tmp/auto.port
	if bg auto mstest setuid 1000 port valem:vauto sock 4 $proto "$A4" 0 save-port /tmp/auto.port \
		bind 4 $proto "$A4" auto expect=OK disconnect expect=EBADF ready /tmp/auto.ready pause; then
		auto=$(cat /tmp/auto.port)
		data "auto_$proto" "$auto"
		check "R5: $proto port $auto picked by the kernel and registered stays taken: EADDRINUSE" \
			mstest setuid 1001 sock 4 $proto "$A4" "$auto" expect=EADDRINUSE
		check "R5: ... and registered" sh -c "grep '^reg .*port=$auto ' /proc/net/multistack"
		stop "$BG_PID"
		check "R5: its owner gone, the $proto port is free" mstest sock 4 $proto "$A4" "$auto"
	else
		fail "R5: register a kernel-picked $proto port"
	fi
done

legit_use 1001 7300
attack_down
finish
