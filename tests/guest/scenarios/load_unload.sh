# load_unload: the module loads and unloads cleanly; while registrations are active it is in
# use (it watches their owners through a hook into itself) and unloads once they have gone.
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
	check_fails "multistack is in use while registrations are active" rmmod multistack
	check "the sockets handed over still hold their ports" \
		mstest sock 4 udp "$A4" 7000 expect=EADDRINUSE sock 6 tcp "$GUEST6" 8080 expect=EADDRINUSE
	stop "$BG_PID"
	wait_for_no_registrations
	check "multistack unloads once the owner has gone" rmmod multistack
	check "the sockets are let go: the ports can be bound again" \
		mstest sock 4 udp "$A4" 7000 sock 6 tcp "$GUEST6" 8080
else
	fail "start a process with registrations"
fi
check "netmap unloads after multistack" rmmod netmap
finish
