# datapath: where frames from the NIC and from a stack's port go, and what is counted.
#
#                        netns peer: 10.0.0.2 / fd00::2 (real netmap: veth1)
#                               |
#                        NIC valem:veth0 ------ host stack valem:veth0^ (10.0.0.1 / fd00::1)
#                               |
#   [--------------- VALE switch valem:, lookup by multistack ---------------]
#        |  valem:vp0                                  |  valem:vp1
#   stack A: udp 10.0.0.1:7000, tcp [fd00::1]:8080     stack B: udp *:7001 (wildcard)
#
# Frames are built on the host (guestlib/frames.py).  With the double, every frame's
# destination is checked (expect=...); with real netmap they enter through veth1, stack A
# reads its port, and the counters of /proc/net/multistack are checked in both cases.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4
F=/ms/frames

data backend "$NETMAP_BACKEND"
check "netmap loads" insmod "$MS_KO/netmap.ko"
nic_up
cat >/tmp/stack_b.sh <<EOS
mstest port valem:vp1 sock 4 udp '*' 7001 bind 4 udp '*' 7001 expect=OK ready /tmp/stack_b.ready \
	pause >/tmp/stack_b.log 2>&1 &
echo \$! >/tmp/stack_b.pid
i=0; while [ ! -e /tmp/stack_b.ready ] && [ \$i -lt 100 ]; do usleep 100000; i=\$((i + 1)); done
[ -e /tmp/stack_b.ready ]
EOS

# mstest's arguments, one a line, so that none needs quoting twice.
ARGS=/tmp/datapath.args
: >"$ARGS"
arg() { printf '%s\n' "$@" >>"$ARGS"; }
# ingress FILE DST REASON VERDICT N: frames of FILE from the NIC go to DST and count N.
ingress() {
	arg sh "mscount snap" fromnic "$F/$1.bin" "expect=$2"
	arg sh "mscount delta '$1: ingress $3 to $4' ingress $3 $4 $5"
}
# egress FILE DST REASON VERDICT N: the same for frames stack A sends from its port.
egress() {
	arg sh "mscount snap" send "$F/$1.bin" "expect=$2"
	arg sh "mscount delta '$1: egress $3 $4' egress $3 $4 $5"
}
# recv_at_least N: stack A received N frames or more (real netmap; the double has no rings).
recv_at_least() { arg recv 300 "min=$1"; }

# One mstest process holds the NIC (the double's lives as long as its fd), loads multistack
# once the NIC is on the switch, opens stack A's port and registers, then sends everything.
# shellcheck disable=SC2086 # NIC_ARG is a list of words
arg $NIC_ARG sh "insmod $MS_KO/multistack.ko" sh "sh /tmp/stack_b.sh"
arg port valem:vp0 sock 4 udp "$A4" 7000 bind 4 udp "$A4" 7000 expect=OK
arg sock 6 tcp "$GUEST6" 8080 bind 6 tcp "$GUEST6" 8080 expect=OK
ingress udp4_hit vp0 tuple_hit port 4
recv_at_least 4
ingress tcp6_hit vp0 tuple_hit port 2
recv_at_least 2
ingress udp4_wild vp1 wildcard_hit port 2
ingress udp4_miss host no_match host 3
ingress tcp6_other_addr host no_match host 1
ingress ping4 host no_ports host 1
ingress arp all arp all 1
ingress nd all nd all 1
ingress icmp_err_hit vp0 icmp_error_hit port 1
recv_at_least 1
ingress icmp_err_miss host icmp_error_miss host 1
ingress ptb6_hit vp0 icmp_error_hit port 1
ingress frag_hit vp0 frag_hit port 2
ingress frag_miss host frag_miss host 1
# A packet socket cannot send a frame shorter than an Ethernet header: the double only.
[ "$NETMAP_BACKEND" = double ] && ingress truncated_l2 host truncated_l2 host 1
for bad in bad_ihl bad_length bad_ip_version truncated_l4 vlan_too_deep jumbogram; do
	ingress $bad host $bad host 1
done
egress egress_ok nic tuple_hit nic 2
egress egress_not_owner drop not_owner drop 2
egress egress_unregistered drop no_match drop 2
egress egress6_ok nic tuple_hit nic 2
egress egress6_unregistered drop no_match drop 2
egress egress6_other_addr drop no_match drop 1
egress egress_arp_spoof drop arp_spoof drop 1

set --
while IFS= read -r a; do set -- "$@" "$a"; done <"$ARGS"
check "frames reach their destinations (see the counter checks)" mstest "$@"
run cat /proc/net/multistack
[ -e /tmp/stack_b.pid ] && stop "$(cat /tmp/stack_b.pid)"
run cat /tmp/stack_b.log
# stack B is not this shell's child: wait until its exit has ended its registration.
wait_for_no_registrations
check "multistack unloads" rmmod multistack
nic_down
check "netmap unloads" rmmod netmap
finish
