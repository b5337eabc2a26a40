# http_lwip: a user-level TCP stack (lwIP, tools/examples/http_lwip) and the kernel's stack
# serve HTTP on the same address, one NIC, through multistack.
#
#   +-------------------------- guest, root netns --------------------------+   +- netns peer -+
#   | kernel: 10.0.0.1, httpbench serve :8080 (kernel sockets)              |   | httpbench get|
#   |      | valem:veth0^ (host stack)                                      |   | httpbench    |
#   | [ VALE switch valem: + multistack ] -- valem:veth0 (NIC) ================ veth1 10.0.0.2 |
#   |      | valem:vp0                                                      |   |              |
#   | http_lwip: lwIP on vp0, tcp 10.0.0.1:80 (its kernel socket handed in) |   |              |
#   +-----------------------------------------------------------------------+   +--------------+
#
# Real netmap attaches veth0 with vale-ctl -h; the double attaches it as a NIC from an mstest
# process that holds it (its data path moves the veth's frames through the switch).  The
# client in netns peer makes 1,000 requests, 10 at once (1 KiB bodies), and fetches one
# 10 MB body from each server; every body byte is checked.  The rates are printed as data
# (a benchmark output, never asserted).  Then: bad frames from the peer, the kernel's bind()
# of port 80 refused while lwIP holds it, and SIGKILL of the server releasing it.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
SMALL=1024
BIG=10485760

data backend "$NETMAP_BACKEND"
check "netmap loads" insmod "$MS_KO/netmap.ko"

# The NIC: a veth pair whose peer lives in netns peer; veth0 holds the shared address.
veth_peer_up
if [ "$NETMAP_BACKEND" = netmap ]; then
	check "veth0 joins valem: as its NIC, with its host stack" vale-ctl -h valem:veth0
else
	bg nic mstest nic valem:veth0 host=1 ready /tmp/nic.ready pause ||
		fail "veth0 joins valem: as its NIC, with its host stack"
	NIC_PID=$BG_PID
fi
check "multistack loads" insmod "$MS_KO/multistack.ko"

# start_servers BODY_BYTES: lwIP on :80 and the kernel on :8080, the same body each.
start_servers() {
	if bg lwip http_lwip -r /tmp/lwip.ready -s "$1" valem:vp0 "$GUEST4/24" 80; then
		pass "http_lwip serves $1 bytes on $GUEST4:80 from valem:vp0"
	else
		fail "http_lwip serves $1 bytes on $GUEST4:80 from valem:vp0"
	fi
	LWIP_PID=$BG_PID
	bg kweb httpbench serve "$GUEST4" 8080 "$1" /tmp/kweb.ready ||
		fail "the kernel serves $1 bytes on $GUEST4:8080"
	KWEB_PID=$BG_PID
}

# fetch WHO PORT REQUESTS CONNECTIONS BODY_BYTES: the client in netns peer; its rates as data.
fetch() {
	check "$1: $3 requests, $4 at once, $5-byte bodies checked" \
		ip netns exec peer httpbench get "$GUEST4" "$2" "$3" "$4" "$5"
	[ "$rc" = 0 ] && data "$1 $3x$5" "$(echo "$out" | grep '^requests=')"
}

start_servers $SMALL
run cat /proc/net/multistack
check "lwIP's tuple is registered for vp0" \
	sh -c 'grep "^reg " /proc/net/multistack | grep "proto=tcp" | grep "port=80 " | grep -q "owner=vp0"'
check "the kernel cannot bind $GUEST4:80 while lwIP holds it (EADDRINUSE)" \
	httpbench kbind "$GUEST4" 80 EADDRINUSE
check "the kernel cannot bind *:80 either" httpbench kbind 0.0.0.0 80 EADDRINUSE

fetch lwip 80 1000 10 $SMALL
fetch kernel 8080 1000 10 $SMALL
check "lwIP's frames went through its registration" \
	sh -c 'grep "^reg .*port=80 .*owner=vp0" /proc/net/multistack | grep -qv " packets=0 "'
check "lwIP's frames left through the NIC" \
	test "$(status_counter egress tuple_hit nic)" -gt 1000

for port in 80 8080; do
	check "$port: GET of another path: 404" ip netns exec peer httpbench status "$GUEST4" $port \
		404 'GET /missing HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n'
	check "$port: POST: 405" ip netns exec peer httpbench status "$GUEST4" $port \
		405 'POST / HTTP/1.1\r\nHost: 10.0.0.1\r\nContent-Length: 0\r\n\r\n'
	check "$port: HTTP/1.1 without Host: 400" ip netns exec peer httpbench status "$GUEST4" \
		$port 400 'GET / HTTP/1.1\r\n\r\n'
	check "$port: not HTTP: 400" ip netns exec peer httpbench status "$GUEST4" $port \
		400 'hello there\r\n\r\n'
done

# Bad frames from the client's side, sent raw on veth1.  A well-formed SYN is answered (the
# control); a SYN with a wrong TCP or IP checksum, cut short, or a runt, reaches neither
# server's TCP (no answer) and crashes nothing.  The malformed ones go to the kernel (as
# without multistack), which drops them; the checksums are for each stack to verify.
truncated=$(status_counter ingress truncated_l3 host)
bad_length=$(status_counter ingress bad_length host)
for port in 80 8080; do
	check "$port: a well-formed raw SYN is answered" \
		ip netns exec peer httpbench probe veth1 02:00:00:00:00:01 "$GUEST4" $port good reply
	for bad in tcpsum ipsum trunc runt; do
		check "$port: a raw SYN ($bad) gets no answer" ip netns exec peer \
			httpbench probe veth1 02:00:00:00:00:01 "$GUEST4" $port $bad none
	done
done
check "the runts went to the kernel, counted as truncated_l3" \
	test "$(status_counter ingress truncated_l3 host)" -ge $((truncated + 2))
check "the cut SYNs went to the kernel, counted as bad_length" \
	test "$(status_counter ingress bad_length host)" -ge $((bad_length + 2))
check "http_lwip still runs after the bad frames" kill -0 "$LWIP_PID"
fetch "lwip after bad frames" 80 20 2 $SMALL
fetch "kernel after bad frames" 8080 20 2 $SMALL
run cat /proc/net/multistack
[ "$NETMAP_BACKEND" = double ] && run cat /proc/netmap_double

run kill "$LWIP_PID"
wait "$LWIP_PID"
check "http_lwip exits cleanly on SIGTERM" test $? = 0
wait_for_no_registrations
stop "$KWEB_PID"

start_servers $BIG
fetch lwip 80 1 1 $BIG
fetch kernel 8080 1 1 $BIG

run kill -9 "$LWIP_PID"
wait "$LWIP_PID" 2>/dev/null
wait_for_no_registrations
run cat /proc/net/multistack
check "after SIGKILL of http_lwip the kernel can bind $GUEST4:80" \
	httpbench kbind "$GUEST4" 80 OK
stop "$KWEB_PID"

check "multistack unloads" rmmod multistack
if [ "$NETMAP_BACKEND" = netmap ]; then
	run vale-ctl -d valem:veth0
else
	stop "$NIC_PID"
fi
run ip link del veth0
run ip netns del peer
check "netmap unloads" rmmod netmap
finish
