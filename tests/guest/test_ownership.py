"""Ownership: BIND needs the caller's own socket and port; owners going away let go."""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest


@pytest.mark.scenario("ownership")
def test_ownership(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for expected in (
        "BIND after bind() succeeds, QUERY sees it as ours",
        "no socket: EPERM",
        "the socket is another process's: EPERM",
        "the socket is another user's: EPERM",
        "the same tuple from a second port: EADDRINUSE; again from the first: EEXIST",
        "a registered socket is the kernel's; closing the port lets its port go",
        "no registration is left",
        "... and its sockets: the kernel ports can be bound again",
    ):
        assert expected in names, f"check {expected!r} did not run"
