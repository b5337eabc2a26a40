"""Data path: frames from the NIC and from stacks, by tuple, ARP/ND, ICMP errors, fragments."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("datapath")
def test_datapath(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "udp4_hit: ingress tuple_hit to port",
        "udp4_wild: ingress wildcard_hit to port",
        "arp: ingress arp to all",
        "nd: ingress nd to all",
        "icmp_err_hit: ingress icmp_error_hit to port",
        "frag_hit: ingress frag_hit to port",
        "truncated_l4: ingress truncated_l4 to host",
        "jumbogram: ingress jumbogram to host",
        "egress_not_owner: egress not_owner drop",
        "tcp6_other_addr: ingress no_match to host",
        "egress6_ok: egress tuple_hit nic",
        "egress6_unregistered: egress no_match drop",
        "egress6_other_addr: egress no_match drop",
    ):
        assert expected in names, f"check {expected!r} did not run"
    # A packet socket cannot send a frame shorter than an Ethernet header: the double only.
    if scenario.data.get("backend") == "double":
        assert "truncated_l2: ingress truncated_l2 to host" in names
