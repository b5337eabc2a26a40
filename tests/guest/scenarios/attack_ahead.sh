# attack_ahead: the lookup's look-ahead (kernel/linux/ms_ahead.c) reads the slots of the ring a
# frame came from, which belong to the process that sends: it may leave in them whatever it
# likes, and rewrite them at any time.  An unprivileged stack with a table large enough for the
# look-ahead to work (12,000 registrations: over 4,096 buckets) sends bursts, one txsync each,
# in which every frame is followed by a spoiled slot: a buffer index past the allocator's last,
# a length past its buffer, an indirect slot whose address is the kernel's.  Nothing may warn or
# crash (the guest runs with panic_on_warn=1), every frame is decided as it is alone (the double
# reports each destination), and the counters say so.
#
#   netns peer: 10.0.0.2 (real netmap: veth1)
#        |
#   NIC valem:veth0 --[ valem:, multistack ]-- valem:v1000: uid 1000, udp 10.0.0.1:20000-31999
#
# With the double the NIC's frames come in bursts with spoiled slots too; with real netmap they
# enter through the veth, in whatever batches netmap's generic adapter makes of them.
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
F=/ms/frames
# guestlib/attack_frames.py: AHEAD_FIRST, AHEAD_COUNT; each burst file holds 12 frames of
# registered tuples and 12 of others, sent 8 times (the double: each once more alone).
FIRST=20000
COUNT=12000
SENT=96

attack_up max_per_port=16384
export MSCOUNT_SNAP=/tmp/mscount.ahead

if [ "$NETMAP_BACKEND" = netmap ]; then
	from_nic="fromnic $F/ahead_in.bin repeat=8"
else
	from_nic="burst $F/ahead_in.bin junk=1 repeat=8 from=nic"
	SENT=$((2 * SENT))
fi
# shellcheck disable=SC2086 # NIC_TAKE and from_nic are lists of words
check "uid 1000: 12,000 registrations, then bursts with spoiled slots, each frame as alone" \
	mstest $NIC_TAKE setuid 1000 port valem:v1000 bindmany 4 udp "$GUEST4" $FIRST $COUNT \
	sh "mscount snap" burst "$F/ahead_out.bin" junk=1 repeat=8 \
	sh "mscount delta 'egress from its own tuples: sent' egress tuple_hit nic $SENT" \
	sh "mscount delta 'egress from tuples nobody holds: dropped' egress no_match drop $SENT" \
	sh "mscount snap" $from_nic \
	sh "mscount delta 'ingress to its tuples: to its port' ingress tuple_hit port $SENT" \
	sh "mscount delta 'ingress to other tuples: to the kernel' ingress no_match host $SENT"
run grep -c '^reg ' /proc/net/multistack
wait_for_no_registrations
legit_use 1000 7200
attack_down
finish
