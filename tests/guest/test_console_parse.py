"""The console parser on its own (no guest boot): agent lines cut by kernel messages."""

from guestlib.console import parse


def test_kernel_message_inside_a_check_line() -> None:
    console = "\n".join(
        [
            "MSBEGIN s",
            'MSCHECK {"check"[    9.035579] multistack: QUERY refused (errno 1)',
            ': "a", "ok": true, "detail": "x"}',
            'MSCHECK {"check": "b", "ok": false, "detail": ""}',
            'MSEND {"scenario": "s", "rc": 0, "seconds": 1}',
        ]
    )
    result = parse(console).scenarios["s"]
    assert [(c["check"], c["ok"]) for c in result.checks] == [("a", True), ("b", False)]
    assert not result.faults


def test_fault_inside_a_check_line_is_still_a_fault() -> None:
    console = "\n".join(
        [
            "MSBEGIN s",
            'MSCHECK {"check": "a", "ok[   12.5] WARNING: CPU: 1 PID: 7 at net/x.c:1 f+0x1/0x2',
            '": true, "detail": ""}',
            'MSEND {"scenario": "s", "rc": 0, "seconds": 1}',
        ]
    )
    result = parse(console).scenarios["s"]
    assert [c["check"] for c in result.checks] == ["a"]
    assert result.faults and "WARNING: CPU:" in result.faults[0]


def test_well_formed_lines_are_left_alone() -> None:
    detail = "[    1.0] a kernel line quoted in a check's detail"
    console = "\n".join(
        [
            "MSBEGIN s",
            f'MSCHECK {{"check": "a", "ok": true, "detail": "{detail}"}}',
            'MSEND {"scenario": "s", "rc": 0, "seconds": 1}',
        ]
    )
    result = parse(console).scenarios["s"]
    assert result.checks == [{"check": "a", "ok": True, "detail": detail}]
