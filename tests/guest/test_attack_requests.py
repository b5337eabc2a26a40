"""Attacks through requests (isolation rules R6-R8; holes 6 and 7) as uid 1000/1001."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("attack_requests")
def test_attack_requests(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "uid 1000: a stack registers its own socket, receives and sends",
        "R6 uid 1001: port 0 in BIND by search, wildcard: EINVAL",
        "R6 uid 1000: malformed from a port that is not the caller's: still EINVAL",
        "R7 uid 1001: QUERY on a /dev/netmap fd registered nowhere: EPERM",
        "R7 uid 1001: QUERY of the victim's tuples: FOUND (+WILDCARD), nothing else",
        "R7: another user sees pid=- uid=-",
        "R8 uid 1001: the fourth on the switch: ENOSPC (max_registrations=3)",
        "R8: both refusals are counted in the limits record (refused=2)",
        "uid 1001: a stack registers its own socket, receives and sends",
    ):
        assert expected in names, f"check {expected!r} did not run"
