"""Attacks on ports (isolation rules R1-R3; holes 1 and 2 of issue 12) as uid 1000/1001."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("attack_ports")
def test_attack_ports(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "uid 1000: a stack registers its own socket, receives and sends",
        "R1 uid 1001: a holder of no ring cannot UNBIND the victim's tuple: EPERM",
        "R1 uid 1000: own port holding its TX rings only: EPERM",
        "R3 uid 1001: valem:vp0 of another namespace's switch is not this switch's: EPERM",
        "R2: the victim died; a holder of no ring keeps the port, the registration is gone",
        "uid 1001: a stack registers its own socket, receives and sends",
    ):
        assert expected in names, f"check {expected!r} did not run"
