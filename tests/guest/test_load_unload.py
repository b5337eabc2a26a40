"""Loading and unloading, also with registrations active; the kernel log stays clean."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("load_unload")
def test_load_unload(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    assert "multistack unloads with registrations active" in names
    assert "the pinned sockets are let go: the ports can be bound again" in names
    assert "netmap unloads after multistack" in names
