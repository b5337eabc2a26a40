"""Attacks on unloading (isolation rule R11): refused while in use, clean from any netns."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("attack_unload")
def test_attack_unload(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "uid 1000: a stack registers its own socket, receives and sends",
        "R11: rmmod while a registration exists is refused",
        "R11: ... serves init's switch",
        "uid 1001: a stack registers its own socket, receives and sends",
        "R11: rmmod from another namespace while frames flow",
        "R11: init's switch is netmap's again (no config hook: EINVAL)",
    ):
        assert expected in names, f"check {expected!r} did not run"
