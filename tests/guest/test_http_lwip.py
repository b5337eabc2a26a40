"""A user-level TCP stack (lwIP, tools/examples/http_lwip) serves HTTP beside the kernel's stack.

Runs against the netmap test double (CI) or real netmap (NSRC/NBUILD).  The rates the
scenario measures are printed, never asserted: they are a benchmark output.
"""

import pytest
from guestlib.console import assert_passed

pytestmark = pytest.mark.guest

RATES = [
    "lwip 1000x1024",
    "kernel 1000x1024",
    "lwip 1x10485760",
    "kernel 1x10485760",
]


@pytest.mark.scenario("http_lwip")
def test_http_lwip(scenario):
    assert_passed(scenario)
    names = {c["check"] for c in scenario.checks}
    for server, port in (("lwip", 80), ("kernel", 8080)):
        assert f"{server}: 1000 requests, 10 at once, 1024-byte bodies checked" in names
        assert f"{server}: 1 requests, 1 at once, 10485760-byte bodies checked" in names
        assert f"{port}: a raw SYN (tcpsum) gets no answer" in names
        assert f"{port}: a well-formed raw SYN is answered" in names
    assert "the kernel cannot bind 10.0.0.1:80 while lwIP holds it (EADDRINUSE)" in names
    assert "after SIGKILL of http_lwip the kernel can bind 10.0.0.1:80" in names
    print(f"\nhttp_lwip on {scenario.data.get('backend')}:")
    for key in RATES:
        assert key in scenario.data, f"no rate reported for {key}"
        print(f"  {key}: {scenario.data[key]}")
