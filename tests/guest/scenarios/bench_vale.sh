# bench_vale: pkt-gen through VALE alone and through VALE + multistack, side by side in one
# boot (real netmap only; run by `nox -s bench-guest`, not by the tests).
#
#   +----------------------------- guest, root netns -----------------------------+
#   | pkt-gen tx vale2:a --> [ vale2: VALE alone ] --> pkt-gen rx vale2:b          |
#   | pkt-gen tx vale1:a --> [ vale1: VALE alone ] --> pkt-gen rx vale1:b          |
#   |                                           \--> vale1:veth2 (NIC, -a) === veth3 (netns peer2)
#   | pkt-gen tx valem:a --> [ valem: + multistack ] --> pkt-gen rx valem:b        |
#   |                                           \--> valem:veth0 (NIC, -a) === veth1 (netns peer)
#   +-----------------------------------------------------------------------------+
#
# Each pair of runs sends the same 60-byte UDP frames through both switches at the same time,
# one pkt-gen on each guest CPU (swapped every round): TCG's speed follows whatever else the
# host runs, and two runs at once see the same host.  pkt-gen reports frames sent and seconds;
# the host divides each multistack run by its VALE partner and takes the median over rounds.
#   vale_ports / ms_no_nic    a -> b; multistack on its own switch without NIC, the tuple
#                             registered by a's owner: dropped (no_nic)
#   vale_ports_nic / ms_drop  a -> b (on vale2:, which has no NIC); multistack with its NIC,
#                             frames from a tuple nobody registered: dropped (no_match)
#   vale_nic / ms_nic         a -> the NIC; multistack: the tuple registered, every frame to it
# pkt-gen cannot register a tuple itself: it opens valem:a NR_EXCLUSIVE (valem:a/x) and waits;
# meanwhile mstest takes a copy of its netmap fd (pidfd_getfd), which proves the port is the
# caller's, and BINDs a socket of 10.0.0.1:5000 through it.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh

FRAMES=1000000	 # between ports: about 1 Mpps under TCG
NIC_FRAMES=60000 # to a veth driven by netmap's generic adapter: tens of thousands a second
ROUNDS=7
WAIT=4 # seconds pkt-gen waits before sending: registration happens meanwhile
NIC_MAC=02:00:00:00:00:01
PEER_MAC=02:00:00:00:00:02

# start NAME CPU PORT SRC_PORT FRAMES: a pkt-gen sender in the background (its pid in PG).
start() {
	pkt-gen -i "$3" -f tx -a "$2" -n "$5" -l 60 -w "$WAIT" -S "$NIC_MAC" -D "$PEER_MAC" \
		-s "$GUEST4:$4" -d "10.0.0.2:9" >"/tmp/$1.out" 2>&1 &
	PG=$!
}

# report NAME PID: waits for the sender and reports its result line.
report() {
	wait "$2"
	rc=$?
	sent=$(grep '^Sent ' "/tmp/$1.out" | tail -n 1)
	if [ $rc -ne 0 ] || [ -z "$sent" ]; then
		cat "/tmp/$1.out"
		fail "pkt-gen run $1" "exit $rc"
		return 1
	fi
	echo "MSBENCH run=$1 $sent"
}

# register PID: 10.0.0.1:5000 registered for the pkt-gen PID holding valem:a/x.
register() {
	fd=
	i=0
	while [ -z "$fd" ] && [ $i -lt 40 ]; do
		usleep 50000
		fd=$(ls -l "/proc/$1/fd" 2>/dev/null | awk '/\/dev\/netmap/ { print $9; exit }')
		i=$((i + 1))
	done
	[ -n "$fd" ] && run mstest grab "$1" "$fd" valem:a sock 4 udp "$GUEST4" 5000 \
		bind 4 udp "$GUEST4" 5000 expect=OK >/dev/null
}

# pair VALE_NAME VALE_SWITCH MS_NAME MS_PORT SRC_PORT FRAMES REGISTER: one run through each
# switch at once.
pair() {
	start "$1" "$cpu_vale" "$2a" 5000 "$6"
	vale_pid=$PG
	start "$3" "$cpu_ms" "$4" "$5" "$6"
	ms_pid=$PG
	if [ "$7" = 1 ] && ! register "$ms_pid"; then
		fail "register 10.0.0.1:5000 for pkt-gen ($3)"
	fi
	report "$1" "$vale_pid"
	report "$3" "$ms_pid"
}

# each_round COMMAND...: COMMAND ROUNDS times, the two pkt-gens' CPUs swapped every round.
each_round() {
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		cpu_vale=$((r % 2)) cpu_ms=$(((r + 1) % 2))
		"$@"
		r=$((r + 1))
	done
}

# receivers VALE_SWITCH: pkt-gen rx on port b of it and of valem:.
receivers() {
	pkt-gen -i "$1b" -f rx >/dev/null 2>&1 &
	RX1=$!
	pkt-gen -i valem:b -f rx >/dev/null 2>&1 &
	RX2=$!
	usleep 500000
}

receivers_stop() {
	stop "$RX1"
	stop "$RX2"
}

# vale1_nic_up: veth2 on vale1: (without host port), its peer veth3 in netns peer2, as
# nic_up -a does for veth0 on valem:.
vale1_nic_up() {
	run ip link add veth2 type veth peer name veth3
	run ip link set veth2 address "$NIC_MAC"
	run ip netns add peer2
	run ip link set veth3 netns peer2
	run ip -n peer2 link set veth3 address "$PEER_MAC"
	run ip link set veth2 up
	run ip -n peer2 addr add 10.0.0.2/24 dev veth3
	run ip -n peer2 link set veth3 up
	run mstest offloads-off veth2
	run ip netns exec peer2 mstest offloads-off veth3
	run vale-ctl -a vale1:veth2
}

check "netmap loads" insmod "$MS_KO/netmap.ko"
addresses_on_lo

# Without a NIC: multistack on its own switch.
check "multistack loads on its own switch (no NIC)" insmod "$MS_KO/multistack.ko"
no_nic_round() {
	receivers vale1:
	pair vale_ports vale1: ms_no_nic valem:a/x 5000 "$FRAMES" 1
	receivers_stop
}
each_round no_nic_round
check "frames with no NIC to go to were dropped as no_nic" \
	grep -q "^counter dir=egress reason=no_nic verdict=drop packets=[1-9]" /proc/net/multistack
check "multistack unloads" rmmod multistack

# With NICs: each switch sends to its own veth, attached without host port.
nic_up -a
vale1_nic_up
check "multistack loads and takes over valem: with its NIC" insmod "$MS_KO/multistack.ko"
nic_round() {
	receivers vale2:
	pair vale_ports_nic vale2: ms_drop valem:a 5001 "$FRAMES" 0
	receivers_stop
	pair vale_nic vale1: ms_nic valem:a/x 5000 "$NIC_FRAMES" 1
}
each_round nic_round
run cat /proc/net/multistack
check "frames of the unregistered tuple were dropped as no_match" \
	grep -q "^counter dir=egress reason=no_match verdict=drop packets=[1-9]" /proc/net/multistack
check "frames of the registered tuple went to the NIC" \
	grep -q "^counter dir=egress reason=tuple_hit verdict=nic packets=[1-9]" /proc/net/multistack
check "multistack unloads" rmmod multistack
run vale-ctl -d vale1:veth2
run ip link del veth2
run ip netns del peer2
nic_down
check "netmap unloads" rmmod netmap
finish
