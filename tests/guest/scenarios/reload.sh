# reload: multistack unloaded while a stack still holds its port, then loaded again.
#
#   process A: udp 10.0.0.1:7000 registered, then its socket closed (the module pins it)
#        |  valem:vp0  (stays open across the unload)
#   [ VALE switch valem: ]   <- created by multistack (no NIC), so exclusive to it
#
# The switch cannot be destroyed at unload while vp0 is on it; the next load must still be
# able to serve it, both while A holds vp0 and after A has gone.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4

addresses_on_lo
check "netmap loads" insmod "$MS_KO/netmap.ko"
check "multistack loads" insmod "$MS_KO/multistack.ko"
run chmod 666 /dev/netmap
if bg owner mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK close-sock \
	ready /tmp/owner.ready pause; then
	check "multistack unloads with a registration active" rmmod multistack
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
	fail "start a process with a registration"
fi
check "netmap unloads" rmmod netmap
finish
