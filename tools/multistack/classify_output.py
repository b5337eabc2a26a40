"""How `multistack classify` prints a packet: a tcpdump-like line, or one JSON object.

    42 13:20:00.000500 udp 192.0.2.7.4444 > 10.0.0.2.53: port vp0 tuple_hit
    43 13:20:00.000600 arp 192.0.2.7 > 10.0.0.2: all arp
    44 13:20:00.000700 tcp 2001:db8::7.5555 > 2001:db8::9.80: host no_match

Packet number (from 1, as Wireshark counts), local time of day, what the
packet is (protocol, source > destination, ports after a dot as tcpdump
writes them), then the verdict, the destination port for a `port` verdict,
and the reason.  Verdict and reason names come from the core.
"""

from __future__ import annotations

import datetime
import json
import socket
import time

from multistack.capture_loop import Row, Shape
from multistack.core import FAMILY_INET6, Direction, Library

# Names for printing only; the core decides by number.
PROTO_NAMES = {
    1: "icmp",
    2: "igmp",
    6: "tcp",
    17: "udp",
    33: "dccp",
    47: "gre",
    50: "esp",
    51: "ah",
    58: "icmp6",
    132: "sctp",
    136: "udplite",
}


def proto_name(proto: int) -> str:
    return PROTO_NAMES.get(proto, f"ip-proto-{proto}")


class Formatter:
    def __init__(
        self, lib: Library, port_names: dict[int, str], direction: Direction, as_json: bool
    ) -> None:
        self.verdicts = lib.verdicts
        self.reasons = lib.reasons
        self.port_verdict = lib.verdict_number.get("port", -1)
        self.port_names = port_names
        self.direction = direction.name.lower()
        self.as_json = as_json
        self._addresses: dict[bytes, str] = {}
        self._second: int | None = None  # the second self._clock shows (any int may come)
        self._clock = ""

    def _address(self, family: int, raw: bytes) -> str:
        key = raw if family == FAMILY_INET6 else raw[:4]
        text = self._addresses.get(key)
        if text is None:
            if len(self._addresses) > 65536:
                self._addresses.clear()
            af = socket.AF_INET6 if family == FAMILY_INET6 else socket.AF_INET
            text = socket.inet_ntop(af, key)
            self._addresses[key] = text
        return text

    def _time_of_day(self, sec: int, nsec: int) -> str:
        if sec != self._second:
            self._second = sec
            self._clock = time.strftime("%H:%M:%S", time.localtime(sec))
        return f"{self._clock}.{nsec // 1000:06d}"

    def what(self, row: Row) -> str:
        shape, family, proto, sport, dport, ethertype = row[7:13]
        saddr, daddr = row[14], row[15]
        if shape == Shape.PORTS:
            src = self._address(family, saddr)
            dst = self._address(family, daddr)
            return f"{proto_name(proto)} {src}.{sport} > {dst}.{dport}"
        if shape == Shape.IP:
            src = self._address(family, saddr)
            dst = self._address(family, daddr)
            return f"{proto_name(proto)} {src} > {dst}"
        if shape == Shape.ARP:
            return f"arp {self._address(4, saddr)} > {self._address(4, daddr)}"
        if shape == Shape.L2:
            return f"ethertype 0x{ethertype:04x}"
        return f"malformed, {row[3]} bytes"

    def _port(self, verdict: int, owner: int) -> str | None:
        if verdict != self.port_verdict:
            return None
        return self.port_names.get(owner, f"owner{owner}")

    def line(self, row: Row) -> str:
        index, sec, nsec, _length, verdict, reason, owner = row[:7]
        port = self._port(verdict, owner)
        decision = (
            f"{self.verdicts[verdict]} {port}" if port is not None else self.verdicts[verdict]
        )
        return (
            f"{index} {self._time_of_day(sec, nsec)} {self.what(row)}: "
            f"{decision} {self.reasons[reason]}\n"
        )

    def record(self, row: Row) -> dict[str, object]:
        index, sec, nsec, length, verdict, reason, owner, shape = row[:8]
        family, proto, sport, dport, ethertype = row[8:13]
        port = self._port(verdict, owner)
        stamp = datetime.datetime.fromtimestamp(sec, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        record: dict[str, object] = {
            "index": index,
            "time": f"{stamp}.{nsec:09d}Z",
            "length": length,
            "direction": self.direction,
            "verdict": self.verdicts[verdict],
            "port": port,
            "destination": port if port is not None else self.verdicts[verdict],
            "reason": self.reasons[reason],
        }
        if shape in (Shape.PORTS, Shape.IP):
            record["proto"] = proto_name(proto)
            record["src"] = self._address(family, row[14])
            record["dst"] = self._address(family, row[15])
        elif shape == Shape.ARP:
            record["proto"] = "arp"
            record["src"] = self._address(4, row[14])
            record["dst"] = self._address(4, row[15])
        if shape == Shape.PORTS:
            record["sport"] = sport
            record["dport"] = dport
        if shape == Shape.L2:
            record["ethertype"] = ethertype
        return record

    def lines(self, rows: list[Row]) -> str:
        if self.as_json:
            return "".join(json.dumps(self.record(row)) + "\n" for row in rows)
        return "".join(self.line(row) for row in rows)
