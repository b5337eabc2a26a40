# nic_path: real frames through a real NIC (a veth), the switch and multistack, both ways.
#
#   +----------------- guest (root netns) ------------------+        +-- netns peer --+
#   |  kernel stack 10.0.0.1 (veth0)                        |        |                |
#   |      |  valem:veth0^                                  |        |                |
#   |  [ VALE switch valem:, lookup by multistack ] -- valem:veth0 ===== veth1        |
#   |      |  valem:vs                                      |        |   10.0.0.2     |
#   |  stack: udp 10.0.0.1:7100 (mstest read/reply/write)   |        |                |
#   +-------------------------------------------------------+        +----------------+
#
# (a) ping from the peer reaches the kernel stack through the NIC's and the host port;
# (b) a stack that registered udp 10.0.0.1:7100 reads a datagram the peer sent and writes
#     the reply the peer waits for; (c) of two frames it writes to the peer, the one from a
#     tuple it never registered is dropped.  The double (CI) attaches veth0 by an mstest
#     process and its counters (/proc/netmap_double) are checked too; real netmap attaches it
#     with vale-ctl.  Also the double's data-path errors (EPERM, EINVAL, ENXIO, EAGAIN).
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
F=/ms/frames

# nmd NAME FIELD: a counter of the double's port NAME (tx tx_drop rx rx_drop queued).
nmd() {
	awk -v p="$1" -v f="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == p { print $col[f]; found = 1 } END { if (!found) print 0 }' /proc/netmap_double
}
# grew NAME FIELD BEFORE MIN: the counter grew by MIN or more since BEFORE.
grew() {
	now=$(nmd "$1" "$2")
	check "$1 $2 grew by $4 or more ($3 -> $now)" test $((now - $3)) -ge "$4"
}
# egress_drops: frames from stacks multistack dropped, all reasons.
egress_drops() {
	awk '$1 == "counter" && $2 == "dir=egress" && $4 == "verdict=drop" { split($5, p, "="); n += p[2] }
		END { print n + 0 }' /proc/net/multistack
}

data backend "$NETMAP_BACKEND"
check "netmap loads" insmod "$MS_KO/netmap.ko"
if [ "$NETMAP_BACKEND" = double ]; then
	check "write from an fd holding no TX ring: EPERM; read with nothing queued: EAGAIN" \
		mstest port valem:rxonly rings=rx write "$F/dpath_to_peer.bin" expect=EPERM \
		read 0 expect=EAGAIN
	check "read on an fd holding no RX ring: EPERM; a 10-byte frame: EINVAL" \
		mstest port valem:txonly rings=tx read 0 expect=EPERM \
		write "$F/truncated_l2.bin" expect=EINVAL
	check "write and read on an fd registered nowhere: ENXIO" \
		mstest bare valem:none write "$F/dpath_to_peer.bin" expect=ENXIO read 0 expect=ENXIO
fi

veth_peer_up
if [ "$NETMAP_BACKEND" = double ]; then
	bg nic mstest nic valem:veth0 host=1 ready /tmp/nic.ready pause ||
		fail "veth0 attaches to valem: with its host stack"
	NIC_PID=$BG_PID
else
	check "veth0 attaches to valem: with its host stack" vale-ctl -h valem:veth0
fi
check "multistack loads" insmod "$MS_KO/multistack.ko"
[ "$NETMAP_BACKEND" = double ] && run cat /proc/netmap_double

# (a) the kernel stack, reached through the switch
nic_tx=$(nmd valem:veth0 tx)
nic_rx=$(nmd valem:veth0 rx)
host_rx=$(nmd valem:veth0^ rx)
host_tx=$(nmd valem:veth0^ tx)
pings=$(status_counter ingress no_ports host)
check "(a) ping from the peer reaches the kernel through the switch" \
	ip netns exec peer ping -c 3 -W 2 "$GUEST4"
check "(a) multistack sent the pings to the host port" \
	test $(($(status_counter ingress no_ports host) - pings)) -ge 3
if [ "$NETMAP_BACKEND" = double ]; then
	grew valem:veth0 tx "$nic_tx" 3
	grew valem:veth0^ rx "$host_rx" 3
	# the kernel's replies go back through the switch where its kernel lets the double see them
	data host_tx "$(cat /sys/module/netmap/parameters/host_tx)"
	if [ "$(cat /sys/module/netmap/parameters/host_tx)" = Y ]; then
		grew valem:veth0^ tx "$host_tx" 3
		grew valem:veth0 rx "$nic_rx" 3
	fi
fi

# (b) a user-level stack on udp 10.0.0.1:7100 answers the peer; (c) its spoofed frame is not sent
nic_rx=$(nmd valem:veth0 rx)
bg peer_rx ip netns exec peer mstest sock 4 udp 10.0.0.2 7200 ready /tmp/peer_rx.ready \
	krecv 10000 expect=1 text=legit || fail "the peer's receiver starts"
PEER_RX=$BG_PID
bg stack mstest port valem:vs sock 4 udp "$GUEST4" 7100 bind 4 udp "$GUEST4" 7100 expect=OK \
	ready /tmp/stack.ready read 20000 udp=7100 reply write "$F/dpath_to_peer.bin" \
	ready /tmp/stack.done pause ||
	fail "the stack registers udp $GUEST4:7100"
STACK=$BG_PID
drops=$(egress_drops)
check "(b) the peer's datagram reaches the stack, whose reply reaches the peer" \
	ip netns exec peer mstest ask "$GUEST4" 7100 hello 5000
i=0
while [ ! -e /tmp/stack.done ] && [ $i -lt 100 ] && kill -0 "$STACK" 2>/dev/null; do
	usleep 100000
	i=$((i + 1))
done
check "(b) the stack read the datagram, replied and wrote its two frames" test -e /tmp/stack.done
# (wait, not check: check runs its command in a subshell, which has no children)
wait "$PEER_RX"
check "(c) the peer's first datagram is the registered tuple's, written after the spoofed one" \
	test $? = 0
check "(c) multistack dropped the frame from the unregistered tuple" \
	test $(($(egress_drops) - drops)) -ge 1
if [ "$NETMAP_BACKEND" = double ]; then
	check "valem:vs sent 3 frames (reply, legit, spoof)" test "$(nmd valem:vs tx)" = 3
	grew valem:vs rx 0 1
	grew valem:veth0 rx "$nic_rx" 2
fi
stop "$STACK"
[ "$NETMAP_BACKEND" = double ] && run cat /proc/netmap_double
run cat /proc/net/multistack

wait_for_no_registrations
check "multistack unloads" rmmod multistack
# the NIC leaves the switch before its device goes (the double holds the device)
if [ "$NETMAP_BACKEND" = double ]; then stop "$NIC_PID"; else run vale-ctl -d valem:veth0; fi
run ip link del veth0
run ip netns del peer
check "netmap unloads" rmmod netmap
finish
