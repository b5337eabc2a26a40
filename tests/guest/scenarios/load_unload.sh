# load_unload: the module loads and unloads cleanly, also while registrations are active.
#
#   process A: udp 10.0.0.1:7000, tcp [fd00::1]:8080
#        |  valem:vp0
#   [ VALE switch valem: ]   <- multistack takes it over at load, gives it back at unload
#
# No frames flow.  Any WARN, BUG or lockdep report in the kernel log fails the scenario.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4

addresses_on_lo
check "netmap loads" insmod "$MS_KO/netmap.ko"
for i in 1 2 3; do
	check "multistack loads (round $i)" insmod "$MS_KO/multistack.ko"
	check "the status file exists" grep -q '^multistack-status 1' /proc/net/multistack
	check "multistack unloads (round $i)" rmmod multistack
done
check "the status file is gone" test ! -e /proc/net/multistack
check_fails "a bad switch name is refused" insmod "$MS_KO/multistack.ko" switch_name=nocolon

check "multistack loads on another switch" insmod "$MS_KO/multistack.ko" switch_name=vale9:
check "it serves vale9:" grep -q 'name=vale9:' /proc/net/multistack
check "multistack unloads" rmmod multistack

check "multistack loads" insmod "$MS_KO/multistack.ko"
run chmod 666 /dev/netmap
if bg owner mstest port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK close-sock \
	sock 6 tcp "$GUEST6" 8080 bind 6 tcp "$GUEST6" 8080 expect=OK close-sock \
	ready /tmp/owner.ready pause; then
	run cat /proc/net/multistack
	# shellcheck disable=SC2016 # expanded by the inner shell
	check "two registrations are active" sh -c '[ "$(grep -c "^reg " /proc/net/multistack)" = 2 ]'
	data refcount_with_registrations "$(mod_refcount multistack)"
	check "multistack unloads with registrations active" rmmod multistack
	check "the pinned sockets are let go: the ports can be bound again" \
		mstest sock 4 udp "$A4" 7000 sock 6 tcp "$GUEST6" 8080
	stop "$BG_PID"
else
	fail "start a process with registrations"
fi
check "netmap unloads after multistack" rmmod netmap
finish
