"""The harness itself, against real netmap: boot, attach a veth NIC to VALE, ping across."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("netmap_smoke")
def test_netmap_smoke(scenario):
    assert_passed(scenario)
    names = [c["check"] for c in scenario.checks]
    assert "ping crosses the switch" in names
    assert "netmap unloads" in names
