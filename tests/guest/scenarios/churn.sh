# churn: thousands of port open/close and BIND/UNBIND cycles while frames flow.
#
#                        netns peer (real netmap: veth1) -- frames to udp 10.0.0.1:7000/7001
#                               |
#                        NIC valem:veth0 ------ host stack valem:veth0^
#                               |
#   [--------------- VALE switch valem:, lookup by multistack ---------------]
#        |  valem:vp0 (2000 cycles; 150 on real netmap) |  valem:vp1 (the same)
#   churner A: udp 10.0.0.1:7000                       churner B: udp 10.0.0.1:7001
#
# Each cycle: open the port, bind a socket, BIND/UNBIND pairs (2, or 33 on real netmap),
# BIND again every other cycle, then close port and socket in varying order (closing the
# port must release what is left). Both ways that is at least 10,000 BIND/UNBIND cycles in
# all (10,000 on the double, 10,050 on real netmap); MS_CHURN_CYCLES and MS_CHURN_BINDS on
# the host (/ms/churn here) choose other counts.
# Afterwards nothing may remain: no registration, no extra module reference, no UDP socket
# kept alive by a pinned file, no large slab growth, and no kernel complaint.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4
F=/ms/frames
# Opening a real netmap port maps its memory (about 0.1 s under emulation): fewer port
# cycles there, more BIND/UNBIND pairs in each.
if [ "$NETMAP_BACKEND" = netmap ]; then CYCLES=150 BINDS=33; else CYCLES=2000 BINDS=2; fi
if [ -s /ms/churn ]; then read -r CYCLES BINDS </ms/churn; fi
# Per churner: BINDS pairs a cycle, one more BIND every other cycle.
data bind_cycles $((2 * (CYCLES * BINDS + CYCLES / 2)))

# Sockets in use in this namespace; a socket file the module failed to let go stays counted.
udp_socks() { awk '$1 == "UDP:" { print $3 }' /proc/net/sockstat; }
all_socks() { awk '$1 == "sockets:" { print $3 }' /proc/net/sockstat; }

check "netmap loads" insmod "$MS_KO/netmap.ko"
nic_up
# The sender holds the NIC (for the double, its NIC lives as long as this process) and loads
# multistack once the NIC is on the switch; it sends until it is killed.
# shellcheck disable=SC2086 # NIC_ARG is a list of words
if ! bg sender mstest $NIC_ARG sh "insmod $MS_KO/multistack.ko" ready /tmp/sender.ready \
	fromnic "$F/udp4_hit.bin" repeat=1000000 pace=2000; then
	fail "start the sender"
	finish
fi
sender=$BG_PID
sleep 1
ms_refs=$(mod_refcount multistack)
nm_refs=$(mod_refcount netmap)
slab0=$(slab_total)
udp0=$(udp_socks)
socks0=$(all_socks)
data before "multistack refs $ms_refs, netmap refs $nm_refs, slab $slab0, UDP $udp0, sockets $socks0"

t0=$(cut -d' ' -f1 /proc/uptime)
run mstest churn "$CYCLES" "$BINDS" valem:vp0 4 udp "$A4" 7000 >/tmp/churn_a.log 2>&1 &
a=$!
run mstest churn "$CYCLES" "$BINDS" valem:vp1 4 udp "$A4" 7001 >/tmp/churn_b.log 2>&1 &
b=$!
wait $a
ra=$?
wait $b
rb=$?
t1=$(cut -d' ' -f1 /proc/uptime)
run cat /tmp/churn_a.log /tmp/churn_b.log
check "churner A completed $CYCLES cycles" test "$ra" = 0
check "churner B completed $CYCLES cycles" test "$rb" = 0
data churn_seconds "$(echo "$t1 $t0" | awk '{ print $1 - $2 }')"
check "the sender is still running" kill -0 "$sender"
run grep -E '^(counter dir=ingress reason=tuple_hit|switch)' /proc/net/multistack

sleep 2 # sockets are freed after an RCU grace period
check "no registration is left" sh -c '! grep -q "^reg " /proc/net/multistack'
check "the switch counts no registration" grep -q "^switch name=valem: registrations=0$" /proc/net/multistack
check "no BIND was refused for a limit" grep -q "^limits .* refused=0$" /proc/net/multistack
check "multistack's reference count is unchanged ($ms_refs)" test "$(mod_refcount multistack)" = "$ms_refs"
check "netmap's reference count is unchanged ($nm_refs)" test "$(mod_refcount netmap)" = "$nm_refs"
udp1=$(udp_socks)
socks1=$(all_socks)
slab1=$(slab_total)
data after "multistack refs $(mod_refcount multistack), netmap refs $(mod_refcount netmap), slab $slab1, UDP $udp1, sockets $socks1"
check "no UDP socket kept alive (in use before $udp0, after $udp1)" test "$udp1" -le "$udp0"
check "no socket leaked (before $socks0, after $socks1)" test "$socks1" -le $((socks0 + 8))
check "slab growth under 4 MB (before $slab0, after $slab1)" test $((slab1 - slab0)) -lt 4194304
check "both ports can be bound by the kernel again" mstest sock 4 udp "$A4" 7000 sock 4 udp "$A4" 7001

stop "$sender"
check "multistack unloads" rmmod multistack
nic_down
check "netmap unloads" rmmod netmap
finish
