# attack_egress: rules R9 and R10 of the isolation model (docs/design.md), holes 5 (spoofing)
# and 8 of issue 12: what an unprivileged stack may send, and where frames for the kernel go
# when the NIC is on the switch without its host port.
#
#   netns peer: 10.0.0.2 / fd00::2 (real netmap: veth1)       NIC MAC 02:00:00:00:00:01
#        |
#   NIC valem:veth0 --[ valem:, multistack ]-- valem:v1000: uid 1000, udp 10.0.0.1:7200,
#                                               udp [fd00::1]:7201 (exact)
#                                              valem:v1001: uid 1001, udp *:7300 (wildcard)
# uid 1001 also sends from uid 1000's tuples while uid 1000 holds them (IPv6 frames take the
# address index, IPv4 ones not).
# Part 2: the NIC attached with vale-ctl -a after uid 1000's port took switch port 0.
#
# With the double, each frame's destination is checked; with real netmap, the counters.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4
A6=$GUEST6
F=/ms/frames

attack_up
legit_use 1000 7400

# mstest's arguments, one a line, so that none needs quoting twice (as datapath.sh).
ARGS=/tmp/attack_egress.args
arg() { printf '%s\n' "$@" >>"$ARGS"; }
# out FILE DST [REASON N]: send FILE from the current port to DST and, with REASON, check that
# the egress drop counter REASON grew by N.
out() {
	if [ -n "${3:-}" ]; then
		arg sh "mscount snap" send "$F/$1.bin" "expect=$2" \
			sh "mscount delta '$1: dropped as $3' egress $3 drop $4"
	else
		arg send "$F/$1.bin" "expect=$2"
	fi
}
# run_args NAME: a check running mstest with the arguments gathered so far.
run_args() {
	what=$1
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$ARGS"
	check "$what" mstest "$@"
}

# R9, uid 1000: exact registrations; only its own addresses, with the NIC's MAC, leave.
export MSCOUNT_SNAP=/tmp/mscount.1000
: >"$ARGS"
# shellcheck disable=SC2086 # NIC_TAKE is a list of words
arg $NIC_TAKE setuid 1000 port valem:v1000 sock 4 udp "$A4" 7200 bind 4 udp "$A4" 7200 expect=OK \
	sock 6 udp "$A6" 7201 bind 6 udp "$A6" 7201 expect=OK
out from_7200 nic
arg sh "mscount snap" send "$F/from6_7201.bin" expect=nic \
	sh "mscount delta 'from6_7201: leaves for the NIC' egress tuple_hit nic 2"
arg sh "mscount snap" fromnic "$F/to6_7201.bin" expect=v1000 \
	sh "mscount delta 'to6_7201: reaches uid 1000' ingress tuple_hit port 2"
out mac_spoof_7200 drop mac_spoof 1
out arp_own_7200 nic
out arp_gateway drop arp_spoof 1
out arp_foreign_mac drop arp_spoof 1
out nd_own nic
out nd_foreign_mac drop nd_spoof 1
out nd_gateway drop nd_spoof 1
run_args "R9 uid 1000: egress limited to the NIC's MAC and its own exact addresses"
unset MSCOUNT_SNAP

# R9, uid 1001 beside uid 1000, which holds udp A4:7200 and udp [A6]:7201: another stack's
# tuples, IPv4 and IPv6, do not leave through uid 1001's port, nor reach it from the NIC.
rm -f /tmp/holder.bound
if bg holder mstest setuid 1000 port valem:v1000 ready /tmp/holder.ready \
	sock 4 udp "$A4" 7200 bind 4 udp "$A4" 7200 expect=OK \
	sock 6 udp "$A6" 7201 bind 6 udp "$A6" 7201 expect=OK ready /tmp/holder.bound pause; then
	holder=$BG_PID
	check "R9: uid 1000 holds udp $A4:7200 and udp [$A6]:7201" \
		wait_for_file /tmp/holder.bound 100
	export MSCOUNT_SNAP=/tmp/mscount.1001
	: >"$ARGS"
	# shellcheck disable=SC2086
	arg $NIC_TAKE setuid 1001 port valem:v1001 sock 4 udp "$A4" 7300 bind 4 udp "$A4" 7300 \
		expect=OK
	out from_7200 drop not_owner 2
	out from6_7201 drop not_owner 2
	arg sh "mscount snap" fromnic "$F/to6_7201.bin" expect=v1000 \
		sh "mscount delta 'to6_7201: reaches uid 1000, not 1001' ingress tuple_hit port 2"
	run_args "R9 uid 1001: another stack's IPv4 and IPv6 tuples are not its to send from"
	unset MSCOUNT_SNAP
	stop "$holder"
else
	fail "R9: uid 1000 holds its tuples in the background"
fi

# R9, uid 1001 in its own namespace has no way in; in init's, a wildcard never answers ARP/ND.
check "R9 uid 1001: from its own namespace, no port of this switch: nothing to send from" \
	mstest setuid 1001 unshare port valem:v1001 sock 4 udp '*' 7300 \
	bind 4 udp '*' 7300 expect=EINVAL
export MSCOUNT_SNAP=/tmp/mscount.1001
: >"$ARGS"
# shellcheck disable=SC2086
arg $NIC_TAKE setuid 1001 port valem:v1001 sock 4 udp '*' 7300 bind 4 udp '*' 7300 expect=OK
out from_7300 nic
out arp_own_7200 drop arp_spoof 1
out nd_own drop nd_spoof 1
run_args "R9 uid 1001: a wildcard registration answers no ARP or ND"
unset MSCOUNT_SNAP
attack_down

# R10 / hole 8: without a host port, frames for the kernel are dropped and counted, never
# sent to switch port 0 (here uid 1000's port, opened before the NIC was attached).
check "netmap loads" insmod "$MS_KO/netmap.ko"
run chmod 666 /dev/netmap
rm -f /tmp/early.bound
if bg early mstest setuid 1000 port valem:v1000 ready /tmp/early.ready \
	sh 'while [ "$(cat /sys/module/multistack/initstate 2>/dev/null)" != live ]; do usleep 100000; done' \
	sock 4 udp "$A4" 7200 bind 4 udp "$A4" 7200 expect=OK ready /tmp/early.bound pause; then
	early=$BG_PID
	if [ "$NETMAP_BACKEND" = netmap ]; then
		nic_up -a
		NIC_TAKE="nic valem:veth0 via=peer/veth1"
	else
		addresses_on_lo
		bg nic mstest nic valem:veth0 host=0 ready /tmp/nic.ready \
			give /tmp/nic.sock what=nic count=0 || fail "attach the NIC without host port"
		# shellcheck disable=SC2034 # attack_down stops it
		NIC_PID=$BG_PID
		NIC_TAKE="take /tmp/nic.sock nic=valem:veth0"
	fi
	check "multistack loads" insmod "$MS_KO/multistack.ko"
	check "R10: uid 1000 registered 7200 once multistack was live" \
		wait_for_file /tmp/early.bound 300
	# shellcheck disable=SC2086
	check "R10: frames for the kernel are dropped and counted, not sent to port 0" \
		mstest $NIC_TAKE sh "mscount snap" fromnic "$F/udp4_miss.bin" expect=drop \
		fromnic "$F/ping4.bin" expect=drop \
		sh "mscount delta 'R10: counted as no_host_port' ingress no_host_port drop 4" \
		sh "mscount snap" fromnic "$F/to_7200.bin" expect=v1000 \
		sh "mscount delta 'R10: the registered tuple still reaches its stack' ingress tuple_hit port 2"
	stop "$early"
	attack_down
else
	fail "R10: open uid 1000's port before the NIC"
fi
finish
