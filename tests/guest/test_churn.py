"""Churn: thousands of port and registration cycles while frames flow, without leaks."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("churn")
def test_churn(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    assert "no registration is left" in names
    assert any(n.startswith("no UDP socket kept alive") for n in names)
    print(f"churn: {scenario.data.get('churn_seconds')} s; {scenario.data.get('after')}")
