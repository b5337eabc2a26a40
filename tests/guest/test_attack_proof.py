"""Attacks on the ownership proof (isolation rules R4, R5; holes 3, 4, 5) as uid 1000/1001."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("attack_proof")
def test_attack_proof(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "uid 1000: a stack registers its own socket, receives and sends",
        "R4 uid 1000: udp *:53 bound in its own namespace proves nothing here: EPERM",
        "R4 uid 1001: tcp *:22 bound in its own namespace proves nothing here: EPERM",
        "R4 uid 1001: an IP_FREEBIND socket on the gateway's address: EADDRNOTAVAIL",
        "R4: a raw socket proves nothing (root, init's namespace): EPERM",
        "R5 uid 1000: a socket with a dup(): EBUSY",
        "uid 1001: a stack registers its own socket, receives and sends",
    ):
        assert expected in names, f"check {expected!r} did not run"
    assert any(c["check"].startswith("R5: udp port") for c in scenario.checks)
