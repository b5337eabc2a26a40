"""Reloading multistack after it was unloaded under a stack that still holds its port."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("reload")
def test_reload(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    assert "multistack is in use while a registration lives" in names
    assert "multistack unloads while a stack holds its port (its registration unbound)" in names
    assert "multistack loads again while the old owner still holds its port" in names
    assert "multistack loads after the old owner has gone" in names
