"""The pcap/pcapng reader, link-type translation and registration syntax (no core needed)."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

import capturekit as ck
import pytest
from capturekit import pcap_dir

from multistack.capture import CaptureError, Packet, open_capture, read_capture
from multistack.linktypes import SUPPORTED, linktype_name, to_ethernet
from multistack.rules import RuleError, parse_rule, parse_rules_file

FRAMES = [bytes(range(60)), b"\xff" * 14, b"", bytes(1514)]


def read(data: bytes) -> list[Packet]:
    return list(read_capture(io.BytesIO(data)))


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("variant", ["micro", "nano", "modified"])
def test_pcap_variants(order: str, variant: str) -> None:
    data = ck.pcap(
        FRAMES,
        linktype=101,
        order=order,
        nanoseconds=variant == "nano",
        modified=variant == "modified",
    )
    packets = read(data)
    assert [p.data for p in packets] == FRAMES
    assert [p.index for p in packets] == [1, 2, 3, 4]
    assert {p.linktype for p in packets} == {101}


def test_pcap_link_type_ignores_fcs_bits() -> None:
    packets = read(ck.pcap(FRAMES[:1], linktype=0x14000001))
    assert packets[0].linktype == 1


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcapng_blocks_and_interfaces(order: str) -> None:
    data = (
        ck.shb(order)
        + ck.idb(1, order)
        + ck.idb(228, order)
        + ck.nrb(order)
        + ck.epb(0, FRAMES[0], order)
        + ck.epb(1, b"\x45" + bytes(19), order)
        + ck.opb(1, FRAMES[1], order)
        + ck.epb(0, FRAMES[2], order)
    )
    packets = read(data)
    assert [(p.linktype, p.data) for p in packets] == [
        (1, FRAMES[0]),
        (228, b"\x45" + bytes(19)),
        (228, FRAMES[1]),
        (1, FRAMES[2]),
    ]
    assert packets[1].wire_length == 24


def test_pcapng_simple_packet_block_uses_snaplen() -> None:
    data = ck.shb() + ck.idb(1, snaplen=20) + ck.spb(bytes(range(30)))
    (packet,) = read(data)
    assert packet.data == bytes(range(20))
    assert packet.wire_length == 30


def test_pcapng_sections_reset_interfaces_and_byte_order() -> None:
    data = (
        ck.shb("<")
        + ck.idb(1, "<")
        + ck.epb(0, FRAMES[0], "<")
        + ck.shb(">")
        + ck.idb(101, ">")
        + ck.epb(0, FRAMES[1], ">")
    )
    assert [(p.linktype, p.data) for p in read(data)] == [(1, FRAMES[0]), (101, FRAMES[1])]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "too short"),
        (b"\x00\x01\x02\x03" + bytes(40), "unknown file magic"),
        (ck.pcap(FRAMES)[:20], "truncated"),
        (ck.pcap(FRAMES)[:-5], "truncated"),
        (ck.pcap(FRAMES)[: 24 + 10], "truncated"),
        (ck.pcap([]) + struct.pack("<IIII", 0, 0, 0x7FFFFFFF, 0x7FFFFFFF), "corrupt"),
        (ck.shb() + ck.idb(1) + ck.epb(0, FRAMES[0])[:-3], "truncated"),
        (ck.shb() + ck.epb(0, FRAMES[0]), "interface 0"),
        (ck.shb() + ck.idb(1) + ck.epb(0, FRAMES[0])[:-4] + b"\x01\0\0\0", "mismatched"),
        (ck.shb() + struct.pack("<II", 6, 13) + bytes(5), "length 13"),
        (ck.shb()[:8] + b"\x11\x22\x33\x44" + ck.shb()[12:], "byte-order magic"),
    ],
    ids=[
        "empty",
        "not a capture",
        "pcap header cut",
        "pcap data cut",
        "pcap record header cut",
        "pcap huge record",
        "pcapng block cut",
        "pcapng unknown interface",
        "pcapng trailer mismatch",
        "pcapng bad block length",
        "pcapng bad byte order",
    ],
)
def test_bad_files_raise_one_sentence(data: bytes, words: str) -> None:
    with pytest.raises(CaptureError) as info:
        read(data)
    message = str(info.value)
    assert words in message
    assert "\n" not in message


def test_open_capture_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="cannot open"):
        list(open_capture(str(tmp_path / "absent.pcap")))


def test_reader_agrees_with_scapy_on_the_shared_captures() -> None:
    from scapy.utils import RawPcapReader

    directory = pcap_dir()
    if not directory.is_dir():
        pytest.skip(f"no captures at {directory} (set MULTISTACK_PCAPS to the pcaps directory)")
    checked = 0
    for name in sorted(os.listdir(directory)):
        path = str(directory / name)
        mine = list(open_capture(path))
        reader = RawPcapReader(path)
        try:
            theirs = []
            for data, meta in reader:
                linktype = getattr(meta, "linktype", None)
                if linktype is None:
                    linktype = reader.linktype
                theirs.append((linktype & 0xFFFF, data))
        finally:
            reader.close()
        assert len(mine) == len(theirs), name
        for packet, (linktype, data) in zip(mine, theirs, strict=True):
            assert packet.linktype == linktype, name
            # scapy cuts records at 65535 bytes; big-TCP captures hold longer ones.
            assert packet.data[: len(data)] == data, name
            assert len(packet.data) == len(data) or len(data) == 65535, name
        checked += 1
    assert checked > 600


IPV4 = bytes.fromhex("450000140001000040000000c0000201c0000202")
IPV6 = bytes.fromhex("6000000000003b40") + bytes(32)


@pytest.mark.parametrize(
    ("linktype", "data", "ethertype", "payload"),
    [
        (101, IPV4, 0x0800, IPV4),
        (101, IPV6, 0x86DD, IPV6),
        (12, IPV6, 0x86DD, IPV6),
        (14, IPV4, 0x0800, IPV4),
        (101, b"\x50" + bytes(19), 0x0800, b"\x50" + bytes(19)),
        (228, IPV4, 0x0800, IPV4),
        (229, IPV6, 0x86DD, IPV6),
        (0, struct.pack("<I", 2) + IPV4, 0x0800, IPV4),
        (0, struct.pack(">I", 2) + IPV4, 0x0800, IPV4),
        (0, struct.pack("<I", 30) + IPV6, 0x86DD, IPV6),
        (0, struct.pack("<I", 24) + IPV6, 0x86DD, IPV6),
        (108, struct.pack(">I", 28) + IPV6, 0x86DD, IPV6),
        (108, struct.pack(">I", 2) + IPV4, 0x0800, IPV4),
        (113, struct.pack(">HHH8sH", 0, 1, 6, bytes(8), 0x0800) + IPV4, 0x0800, IPV4),
        (113, struct.pack(">HHH8sH", 4, 1, 6, bytes(8), 0x0806) + bytes(28), 0x0806, bytes(28)),
        (276, struct.pack(">HHIHBB8s", 0x86DD, 0, 2, 1, 0, 6, bytes(8)) + IPV6, 0x86DD, IPV6),
    ],
)
def test_link_types_become_ethernet(
    linktype: int, data: bytes, ethertype: int, payload: bytes
) -> None:
    assert linktype in SUPPORTED
    frame = to_ethernet(linktype, data)
    assert frame is not None
    assert struct.unpack(">H", frame[12:14])[0] == ethertype
    assert frame[14:] == payload


def test_ethernet_is_untouched_and_short_headers_stay_short() -> None:
    assert to_ethernet(1, FRAMES[0]) == FRAMES[0]
    for linktype in (0, 108, 113, 276):
        frame = to_ethernet(linktype, b"\x02\x00")
        assert frame is not None and len(frame) < 14


@pytest.mark.parametrize("linktype", [9, 105, 127, 104, 147, 65000])
def test_other_link_types_are_not_translated(linktype: int) -> None:
    assert to_ethernet(linktype, IPV4) is None
    assert linktype not in SUPPORTED
    assert linktype_name(linktype)


def test_link_type_names() -> None:
    assert linktype_name(105) == "IEEE802_11"
    assert linktype_name(113) == "LINUX_SLL"
    assert linktype_name(65000) == "unknown"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("udp:10.0.0.2:53=vp0", "udp:10.0.0.2:53=vp0"),
        ("tcp:[::]:80=vp1", "tcp:[::]:80=vp1"),
        ("TCP:[2001:DB8::1]:443=valem:vp1", "tcp:[2001:db8::1]:443=valem:vp1"),
        ("sctp:0.0.0.0:9=stack", "sctp:0.0.0.0:9=stack"),
        ("udplite:192.0.2.1:65535=x", "udplite:192.0.2.1:65535=x"),
        ("dccp:[fe80::1]:1=y", "dccp:[fe80::1]:1=y"),
    ],
)
def test_good_registrations(text: str, expected: str) -> None:
    assert str(parse_rule(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "udp:10.0.0.2:53",
        "udp:10.0.0.2=vp0",
        "icmp:10.0.0.2:53=vp0",
        "udp:10.0.0.256:53=vp0",
        "udp:::1:53=vp0",
        "udp:[10.0.0.2]:53=vp0",
        "udp:10.0.0.2:0=vp0",
        "udp:10.0.0.2:65536=vp0",
        "udp:10.0.0.2:http=vp0",
        "udp:10.0.0.2:53=",
        "udp:10.0.0.2:53=a b",
        "",
    ],
)
def test_bad_registrations_name_the_argument(text: str) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule(text)
    assert repr(text) in str(info.value)


def test_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules"
    path.write_text("# stacks\nudp:10.0.0.2:53=vp0  # dns\n\n   tcp:[::]:80=vp1\n")
    assert [str(r) for r in parse_rules_file(str(path))] == [
        "udp:10.0.0.2:53=vp0",
        "tcp:[::]:80=vp1",
    ]
    path.write_text("udp:10.0.0.2:53=vp0\nbogus\n")
    with pytest.raises(RuleError, match=r"rules:2: bad registration 'bogus'"):
        parse_rules_file(str(path))
