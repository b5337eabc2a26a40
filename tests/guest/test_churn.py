"""Churn: thousands of port and registration cycles while frames flow, without leaks."""

import pytest
from guestlib.console import assert_passed
from guestlib.environment import GuestEnv

pytestmark = pytest.mark.guest


@pytest.mark.scenario("churn")
def test_churn(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    assert "no registration is left" in names
    assert "the switch counts no registration" in names
    assert any(n.startswith("no UDP socket kept alive") for n in names)
    bind_cycles = int(scenario.data["bind_cycles"])
    # The bar: 10,000 BIND/UNBIND cycles with port churn, unless counts were chosen.
    if GuestEnv.from_environ().churn is None:
        assert bind_cycles >= 10_000
    print(
        f"churn: {bind_cycles} BIND/UNBIND cycles in {scenario.data.get('churn_seconds')} s; "
        f"{scenario.data.get('after')}"
    )
