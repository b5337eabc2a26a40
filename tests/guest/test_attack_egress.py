"""Attacks on the data path (isolation rules R9, R10; holes 5 and 8) as uid 1000/1001."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("attack_egress")
def test_attack_egress(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "uid 1000: a stack registers its own socket, receives and sends",
        "R9 uid 1000: egress limited to the NIC's MAC and its own exact addresses",
        "mac_spoof_7200: dropped as mac_spoof",
        "arp_gateway: dropped as arp_spoof",
        "nd_foreign_mac: dropped as nd_spoof",
        "R9 uid 1001: a wildcard registration answers no ARP or ND",
        "R10: frames for the kernel are dropped and counted, not sent to port 0",
        "R10: counted as no_host_port",
    ):
        assert expected in names, f"check {expected!r} did not run"
