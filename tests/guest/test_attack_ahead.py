"""The look-ahead across netmap's batch reads slots the sender owns: spoiled ones, big table."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("attack_ahead")
def test_attack_ahead(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "uid 1000: 12,000 registrations, then bursts with spoiled slots, each frame as alone",
        "egress from its own tuples: sent",
        "egress from tuples nobody holds: dropped",
        "ingress to its tuples: to its port",
        "ingress to other tuples: to the kernel",
        "no registration is left",
        "uid 1000: a stack registers its own socket, receives and sends",
    ):
        assert expected in names, f"check {expected!r} did not run"
