"""Registrations written as text: `PROTO:ADDRESS:PORT=PORTNAME`.

An IPv6 address goes in brackets (`tcp:[2001:db8::1]:80=vp1`); 0.0.0.0 and
[::] are the wildcard addresses.  A rules file holds one such line per
registration; `#` starts a comment.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from multistack.core import Proto

PROTOCOLS = {p.name.lower(): p for p in Proto}

_BIND = re.compile(
    r"^(?P<proto>[A-Za-z-]+):(?:\[(?P<v6>[^\]]*)\]|(?P<v4>[^:\[\]=]*)):(?P<port>[^:=]*)"
    r"=(?P<name>.*)$"
)
_PORT_NAME = re.compile(r"^[A-Za-z0-9_.:{}^-]{1,63}$")


class RuleError(ValueError):
    """A registration that cannot be parsed; the message is one sentence."""


@dataclass(frozen=True)
class Rule:
    proto: Proto
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int
    port_name: str

    def __str__(self) -> str:
        addr = f"[{self.addr}]" if self.addr.version == 6 else str(self.addr)
        return f"{self.proto.name.lower()}:{addr}:{self.port}={self.port_name}"


def parse_rule(text: str) -> Rule:
    """Parse one `PROTO:ADDRESS:PORT=PORTNAME`; RuleError names the bad text."""
    match = _BIND.match(text.strip())
    if match is None:
        raise RuleError(
            f"bad registration {text!r}: expected PROTO:ADDRESS:PORT=PORTNAME, "
            "with an IPv6 address in brackets"
        )
    proto_text = match["proto"].lower()
    if proto_text not in PROTOCOLS:
        raise RuleError(
            f"bad registration {text!r}: unknown protocol {match['proto']!r} "
            f"(one of {', '.join(sorted(PROTOCOLS))})"
        )
    addr_text = match["v6"] if match["v6"] is not None else match["v4"]
    try:
        addr = ipaddress.ip_address(addr_text)
    except ValueError:
        raise RuleError(f"bad registration {text!r}: {addr_text!r} is not an IP address") from None
    if match["v6"] is not None and addr.version != 6:
        raise RuleError(f"bad registration {text!r}: only IPv6 addresses go in brackets")
    port_text = match["port"]
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise RuleError(f"bad registration {text!r}: port {port_text!r} is not in 1..65535")
    name = match["name"]
    if not _PORT_NAME.match(name):
        raise RuleError(f"bad registration {text!r}: {name!r} is not a port name")
    return Rule(PROTOCOLS[proto_text], addr, int(port_text), name)


def parse_rules_file(path: str) -> list[Rule]:
    """Every registration of a rules file; RuleError names the file and line."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise RuleError(f"cannot read rules file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RuleError(f"rules file {path} is not UTF-8 text") from None
    rules: list[Rule] = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            rules.append(parse_rule(text))
        except RuleError as exc:
            raise RuleError(f"{path}:{number}: {exc}") from None
    return rules
