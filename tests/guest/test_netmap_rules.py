"""netmap's own rules on ports and switches, which the double must follow (run on both)."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("netmap_rules")
def test_netmap_rules(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "two NR_EXCLUSIVE openers of one port: the second gets EBUSY",
        "two shared openers share the port",
        "no ring, NR_EXCLUSIVE, beside an NR_EXCLUSIVE holder: the same port, held",
        "NR_REG_NULL is no way to hold a VALE port (no allocator given): EINVAL",
        "the same name in the user's own network namespace is another switch's port",
        "NIOCCONFIG in another namespace's switch: EINVAL there too",
        "without host port on the switch, its name is free for a new VALE port",
    ):
        assert expected in names, f"check {expected!r} did not run"
