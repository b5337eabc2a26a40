# attack_unload: rule R11 of the isolation model (docs/design.md): unload refused while
# registrations exist; load and unload from another network namespace act on init's switch,
# cleanly, while frames flow (the guest runs with panic_on_warn=1).
#
#   netns other (root): insmod / rmmod multistack
#   NIC valem:veth0 --[ valem: of init's namespace, multistack ]-- valem:v1000 (uid 1000)
#
# shellcheck source=tests/guest/agent/lib.sh
. /ms/lib.sh
A4=$GUEST4
F=/ms/frames

attack_up
legit_use 1000 7200

if bg stack mstest setuid 1000 port valem:v1000 sock 4 udp "$A4" 7210 bind 4 udp "$A4" 7210 \
	expect=OK ready /tmp/stack.ready pause; then
	check_fails "R11: rmmod while a registration exists is refused" rmmod multistack
	check "R11: ... the module and the registration are still there" \
		sh -c "grep '^reg .*port=7210 ' /proc/net/multistack"
	check_fails "R11: uid 1000, root of its own namespace, cannot unload it" \
		mstest setuid 1000 unshare sh "rmmod multistack"
	stop "$BG_PID"
	check "R11: once the stacks are gone, it unloads" rmmod multistack
else
	fail "R11: start uid 1000's stack"
fi

run ip netns add other
check "R11: insmod from another namespace" ip netns exec other insmod "$MS_KO/multistack.ko"
check "R11: ... serves init's switch" sh -c "grep -q '^switch name=valem:' /proc/net/multistack"
legit_use 1001 7300

# shellcheck disable=SC2086 # NIC_TAKE is a list of words
if bg sender mstest $NIC_TAKE ready /tmp/sender.ready \
	fromnic "$F/to_7400.bin" repeat=1000000 pace=2000; then
	sender=$BG_PID
	if bg stack2 mstest setuid 1000 port valem:v1000 sock 4 udp "$A4" 7400 \
		bind 4 udp "$A4" 7400 expect=OK ready /tmp/stack2.ready pause; then
		check_fails "R11: rmmod from another namespace with a registration: refused" \
			ip netns exec other rmmod multistack
		stop "$BG_PID"
	else
		fail "R11: start uid 1000's stack on udp 7400"
	fi
	sleep 1
	check "R11: rmmod from another namespace while frames flow" ip netns exec other rmmod multistack
	check "R11: init's switch is netmap's again (no config hook: EINVAL)" \
		mstest setuid 1001 port valem:v1001 sock 4 udp "$A4" 7410 bind 4 udp "$A4" 7410 \
		expect=EINVAL
	stop "$sender"
else
	fail "R11: start frames from the NIC"
fi
run ip netns del other

check "multistack loads again" insmod "$MS_KO/multistack.ko"
attack_down
finish
