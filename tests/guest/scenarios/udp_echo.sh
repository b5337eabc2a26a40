# udp_echo: a user-level UDP server and the kernel stack share one NIC (real netmap only).
#
#   +---------------------- guest, root netns ----------------------+     +- netns peer --+
#   | kernel: 10.0.0.1, ping, kernel UDP echo on :7100               |     |               |
#   |      | valem:veth0^ (host stack)                               |     |               |
#   | [ VALE switch valem: + multistack ] -- valem:veth0 (NIC) ======== veth1 10.0.0.2    |
#   |      | valem:vp0                                               |     |               |
#   | udp_echo (tools/examples/udp_echo): udp 10.0.0.1:7000          |     |               |
#   +----------------------------------------------------------------+     +---------------+
#
# Datagrams to 10.0.0.1:7000 are answered by udp_echo from its netmap port; ping and
# datagrams to 10.0.0.1:7100 are answered by the kernel, all through the same veth0.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh

check "netmap loads" insmod "$MS_KO/netmap.ko"
nic_up
check "ping crosses the switch before multistack" ip netns exec peer ping -c 2 -W 2 "$GUEST4"
check "multistack loads and takes over valem:" insmod "$MS_KO/multistack.ko"
check "ping crosses the switch with multistack" ip netns exec peer ping -c 2 -W 2 "$GUEST4"
if ! bg echo udp_echo -r /tmp/echo.ready valem:vp0 "$GUEST4" 7000; then
	fail "udp_echo starts and registers udp $GUEST4:7000"
	finish
fi
echo_pid=$BG_PID
pass "udp_echo starts and registers udp $GUEST4:7000"
run cat /proc/net/multistack
run mstest sock 4 udp "$GUEST4" 7100 kecho 2 &
kecho_pid=$!
usleep 200000

check "the user-level stack answers udp 10.0.0.1:7000" \
	ip netns exec peer mstest ask "$GUEST4" 7000 hello-user-stack 3000
check "... again" ip netns exec peer mstest ask "$GUEST4" 7000 hello-again 3000
check "the kernel still answers ping" ip netns exec peer ping -c 2 -W 2 "$GUEST4"
check "the kernel's own UDP socket answers on :7100" \
	ip netns exec peer mstest ask "$GUEST4" 7100 hello-kernel 3000
check "... again" ip netns exec peer mstest ask "$GUEST4" 7100 hello-kernel-again 3000
run cat /proc/net/multistack
check "the registration counted the datagrams" \
	sh -c 'grep "^reg .*port=7000 .*owner=vp0" /proc/net/multistack | grep -qv "packets=0 "'
check "egress from vp0 was allowed out" \
	sh -c '! grep -q "^counter dir=egress reason=tuple_hit verdict=nic packets=0$" /proc/net/multistack'

run kill "$echo_pid"
wait "$echo_pid"
check "udp_echo exits cleanly and unregisters" test $? = 0
check "no registration is left" sh -c '! grep -q "^reg " /proc/net/multistack'
stop "$kecho_pid"
check "multistack unloads" rmmod multistack
nic_down
check "netmap unloads" rmmod netmap
finish
