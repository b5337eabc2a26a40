"""With real netmap: the udp_echo example serves one UDP port while the kernel serves the rest."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("udp_echo")
def test_udp_echo(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    assert "the user-level stack answers udp 10.0.0.1:7000" in names
    assert "the kernel still answers ping" in names
    assert "the kernel's own UDP socket answers on :7100" in names
