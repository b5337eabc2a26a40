# reload: multistack unloaded while a stack still holds its port, then loaded again.
#
#   process A: udp 10.0.0.1:7000 registered (its socket handed over to the kernel)
#   process B: holds valem:vp0, registers and unbinds (stays open across the unload)
#        |  valem:vp0
#   [ VALE switch valem: ]   <- created by multistack (no NIC), so exclusive to it
#
# While A's registration lives the module is in use; once A has gone it unloads.  The switch
# cannot be destroyed at unload while B's vp0 is on it; the next load must still be able to
# serve it, both while B holds vp0 and after B has gone.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4

addresses_on_lo
check "netmap loads" insmod "$MS_KO/netmap.ko"
check "multistack loads" insmod "$MS_KO/multistack.ko"
run chmod 666 /dev/netmap
if bg owner mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK \
	ready /tmp/owner.ready pause; then
	check_fails "multistack is in use while a registration lives" rmmod multistack
	stop "$BG_PID"
	wait_for_no_registrations
else
	fail "start a process with a registration"
fi
if bg holder mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK \
	unbind 4 udp "$A4" 7000 expect=OK ready /tmp/holder.ready pause; then
	check "multistack unloads while a stack holds its port (its registration unbound)" \
		rmmod multistack
	check "multistack loads again while the old owner still holds its port" \
		insmod "$MS_KO/multistack.ko"
	check "... and starts empty" sh -c '! grep -q "^reg " /proc/net/multistack'
	stop "$BG_PID"
	check "the owner's exit after the reload is harmless" \
		grep -q '^multistack-status 1' /proc/net/multistack
	run rmmod multistack
	check "multistack loads after the old owner has gone" insmod "$MS_KO/multistack.ko"
	check "multistack unloads" rmmod multistack
else
	fail "start a process holding its port"
fi
check "netmap unloads" rmmod netmap
finish
