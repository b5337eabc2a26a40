# attack_ports: rules R1-R3 of the isolation model (docs/design.md), holes 1 and 2 of issue 12.
# Unprivileged users (uid 1000, 1001), some in their own user + network namespace, go after a
# victim stack's port; every attack must be refused, and the legitimate use must still work.
#
#   netns init                                           uid 1001's own netns (unshare -Urn)
#   victim uid 1000: valem:vp0, udp 10.0.0.1:7200         [ valem: ] vp0  (another switch)
#   NIC valem:veth0 --[ valem:, multistack ]-- attackers' fds on valem:vp0, without rings
#
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4
F=/ms/frames

attack_up
legit_use 1000 7300

if ! bg victim mstest setuid 1000 port valem:vp0 sock 4 udp "$A4" 7200 bind 4 udp "$A4" 7200 \
	expect=OK ready /tmp/victim.ready pause; then
	fail "start the victim stack (uid 1000, valem:vp0, udp 7200)"
	finish
fi
victim=$BG_PID

# R1 / hole 1: a second opener of the victim's port.
for uid in 1000 1001; do
	check "R1 uid $uid: opening the victim's port with rings: EBUSY (netmap)" \
		mstest setuid $uid port valem:vp0 expect=EBUSY
	check "R1 uid $uid: opening it shared on RX rings only: EBUSY (netmap)" \
		mstest setuid $uid port valem:vp0 excl=0 rings=rx expect=EBUSY
	check "R1 uid $uid: a holder of no ring cannot UNBIND the victim's tuple: EPERM" \
		mstest setuid $uid port valem:vp0 rings=none unbind 4 udp "$A4" 7200 expect=EPERM
	check "R1 uid $uid: ... nor BIND its own socket on the victim's port: EPERM" \
		mstest setuid $uid port valem:vp0 rings=none sock 4 udp "$A4" 7201 \
		bind 4 udp "$A4" 7201 expect=EPERM
	check "R1 uid $uid: ... nor QUERY through it: EPERM" \
		mstest setuid $uid port valem:vp0 rings=none query 4 udp "$A4" 7200 expect=EPERM
	check_fails "R1 uid $uid: ... nor send from the victim's tuple (it has no TX ring)" \
		mstest setuid $uid port valem:vp0 rings=none send "$F/from_7200.bin"
	check "R1 uid $uid: in its own namespace, valem:vp0 is another switch's: EINVAL" \
		mstest setuid $uid unshare port valem:vp0 unbind 4 udp "$A4" 7200 expect=EINVAL
	# A port of one's own, but not held as the spec asks.
	check "R1 uid $uid: own port opened without NR_EXCLUSIVE: EPERM" \
		mstest setuid $uid port valem:vp$uid excl=0 sock 4 udp "$A4" 7202 \
		bind 4 udp "$A4" 7202 expect=EPERM
	check "R1 uid $uid: own port holding its TX rings only: EPERM" \
		mstest setuid $uid port valem:vp$uid rings=tx sock 4 udp "$A4" 7202 \
		bind 4 udp "$A4" 7202 expect=EPERM
	check "R1 uid $uid: own port holding its RX rings only: EPERM" \
		mstest setuid $uid port valem:vp$uid rings=rx sock 4 udp "$A4" 7202 \
		bind 4 udp "$A4" 7202 expect=EPERM
	check "R1 uid $uid: own port holding no ring, NR_EXCLUSIVE: EPERM" \
		mstest setuid $uid port valem:vp$uid rings=none sock 4 udp "$A4" 7202 \
		bind 4 udp "$A4" 7202 expect=EPERM
	check "R1 uid $uid: a /dev/netmap fd registered nowhere: EPERM" \
		mstest setuid $uid bare valem:vp$uid sock 4 udp "$A4" 7202 bind 4 udp "$A4" 7202 \
		expect=EPERM
	check "R1 uid $uid: the NIC's port is nobody's: EPERM" \
		mstest setuid $uid port valem:vp$uid sock 4 udp "$A4" 7202 \
		bind 4 udp "$A4" 7202 as=valem:veth0 expect=EPERM
done
check "R1: the victim's registration survived every attack" \
	sh -c "grep '^reg .*port=7200 ' /proc/net/multistack"
# shellcheck disable=SC2086 # NIC_TAKE is a list of words
check "R1: a frame for the victim still reaches the victim" \
	mstest $NIC_TAKE fromnic "$F/to_7200.bin" expect=vp0

# R3 / hole 2: a port of valem: in another namespace, handed to a process in init's.
for uid in 1000 1001; do
	if bg nsport mstest setuid $uid unshare port valem:vp0 ready /tmp/nsport.ready \
		give /tmp/nsport.sock what=port; then
		check "R3 uid $uid: valem:vp0 of another namespace's switch is not this switch's: EPERM" \
			mstest setuid $uid take /tmp/nsport.sock port=valem:vp0 \
			unbind 4 udp "$A4" 7200 expect=EPERM sock 4 udp "$A4" 7203 \
			bind 4 udp "$A4" 7203 expect=EPERM query 4 udp "$A4" 7200 expect=EPERM
		stop "$BG_PID"
	else
		fail "R3 uid $uid: open valem:vp0 in an own namespace"
	fi
done
check "R3: the victim's registration survived" \
	sh -c "grep '^reg .*port=7200 ' /proc/net/multistack"

# R2 / hole 1: registrations end with the owner's rings, whoever else holds the port.
if bg holder mstest setuid 1001 port valem:vp0 rings=none ready /tmp/holder.ready pause; then
	stop "$victim"
	check "R2: the victim died; a holder of no ring keeps the port, the registration is gone" \
		sh -c "! grep '^reg .*port=7200 ' /proc/net/multistack"
	# shellcheck disable=SC2086 # NIC_TAKE is a list of words
	check "R2: ... frames for its tuple go to the kernel, not to the port it held" \
		mstest $NIC_TAKE fromnic "$F/to_7200.bin" expect=host
	check "R2: ... and its kernel port is free again" mstest sock 4 udp "$A4" 7200
	check "R2: ... and another stack registers the tuple" \
		mstest setuid 1000 port valem:vp5 sock 4 udp "$A4" 7200 bind 4 udp "$A4" 7200 expect=OK
	stop "$BG_PID"
else
	fail "R2: start uid 1001 holding valem:vp0 without rings"
	stop "$victim"
fi
if bg holder2 mstest setuid 1001 port valem:vp6 rings=none ready /tmp/holder2.ready pause; then
	check "R2: the owner closes its port fd, still alive: its registration ends at once" \
		mstest setuid 1000 port valem:vp6 sock 4 udp "$A4" 7204 bind 4 udp "$A4" 7204 \
		expect=OK close-port sh "! grep '^reg .*port=7204 ' /proc/net/multistack"
	stop "$BG_PID"
else
	fail "R2: start uid 1001 holding valem:vp6 without rings"
fi

legit_use 1001 7400
attack_down
finish
