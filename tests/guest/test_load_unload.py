"""Loading and unloading; in use while registrations live; the kernel log stays clean."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("load_unload")
def test_load_unload(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    assert "multistack is in use while registrations are active" in names
    assert "the sockets handed over still hold their ports" in names
    assert "multistack unloads once the owner has gone" in names
    assert "the sockets are let go: the ports can be bound again" in names
    assert "netmap unloads after multistack" in names
