"""Real frames through a veth NIC, the switch and multistack: kernel, stack, spoofed frame."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("nic_path")
def test_nic_path(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "(a) ping from the peer reaches the kernel through the switch",
        "(a) multistack sent the pings to the host port",
        "(b) the peer's datagram reaches the stack, whose reply reaches the peer",
        "(b) the stack read the datagram, replied and wrote its two frames",
        "(c) the peer's first datagram is the registered tuple's, written after the spoofed one",
        "(c) multistack dropped the frame from the unregistered tuple",
    ):
        assert expected in names, f"check {expected!r} did not run"
    if scenario.data.get("backend") == "double":
        for expected in (
            "valem:vs sent 3 frames (reply, legit, spoof)",
            "write from an fd holding no TX ring: EPERM; read with nothing queued: EAGAIN",
            "read on an fd holding no RX ring: EPERM; a 10-byte frame: EINVAL",
            "write and read on an fd registered nowhere: ENXIO",
        ):
            assert expected in names, f"check {expected!r} did not run"
        assert any(n.startswith("valem:veth0^ rx grew") for n in names)
        # where the guest's kernel has netfilter's egress hook, its replies cross the switch
        if scenario.data.get("host_tx") == "Y":
            assert any(n.startswith("valem:veth0^ tx grew") for n in names)
