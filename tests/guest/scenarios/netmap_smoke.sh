# netmap_smoke: the harness and real netmap alone, without multistack.
#
#   +--------------- guest (root netns) ----------------+        +-- netns peer --+
#   |  host stack 10.0.0.1                              |        |                |
#   |      |  (veth0^)                                  |        |                |
#   |  [ VALE switch valem: ] --- veth0 =================== veth1  10.0.0.2      |
#   +---------------------------------------------------+        +----------------+
#
# netmap.ko loads, veth0 joins valem: with its host stack, and ping from the peer
# namespace crosses the switch to the kernel stack and back; then everything unloads.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh

check "netmap loads" insmod "$MS_KO/netmap.ko"
run ip link add veth0 type veth peer name veth1
run ip netns add peer
run ip link set veth1 netns peer
run ip addr add 10.0.0.1/24 dev veth0
run ip link set veth0 up
run ip -n peer addr add 10.0.0.2/24 dev veth1
run ip -n peer link set veth1 up
run ip -n peer link set lo up
check "veth0 attaches to valem: with its host stack" vale-ctl -h valem:veth0
run vale-ctl
check "ping crosses the switch" ip netns exec peer ping -c 3 -W 2 10.0.0.1
check "veth0 detaches" vale-ctl -d valem:veth0
run ip link del veth0
run ip netns del peer
check "netmap unloads" rmmod netmap
finish
