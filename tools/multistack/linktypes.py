"""Turning a captured packet of some link type into the Ethernet frame the core expects.

The core classifies Ethernet frames only, because that is all a VALE switch
carries.  A packet captured as raw IP, on a Linux "any" device (cooked SLL)
or on a BSD loopback holds the same layer-3 packet that a NIC would have
delivered inside an Ethernet frame; prepending a synthetic Ethernet header
with the matching ethertype lets the very same C core classify it, instead
of a second parser in Python.  Other link types (802.11, PPP, ...) would need
real translation, so they are skipped and reported.
"""

from __future__ import annotations

import struct

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD

# Placeholder addresses: locally administered, so never mistaken for real ones.
_DST_MAC = bytes.fromhex("020000000001")
_SRC_MAC = bytes.fromhex("020000000002")

LINKTYPE_NAMES: dict[int, str] = {
    0: "NULL",
    1: "ETHERNET",
    6: "IEEE802_5",
    7: "ARCNET_BSD",
    8: "SLIP",
    9: "PPP",
    10: "FDDI",
    12: "RAW (DLT 12)",
    14: "RAW (DLT 14)",
    50: "PPP_HDLC",
    51: "PPP_ETHER",
    100: "ATM_RFC1483",
    101: "RAW",
    104: "C_HDLC",
    105: "IEEE802_11",
    107: "FRELAY",
    108: "LOOP",
    113: "LINUX_SLL",
    114: "LTALK",
    117: "PFLOG",
    119: "IEEE802_11_PRISM",
    122: "IP_OVER_FC",
    123: "SUNATM",
    127: "IEEE802_11_RADIOTAP",
    129: "ARCNET_LINUX",
    138: "APPLE_IP_OVER_IEEE1394",
    139: "MTP2_WITH_PHDR",
    140: "MTP2",
    141: "MTP3",
    142: "SCCP",
    143: "DOCSIS",
    144: "LINUX_IRDA",
    163: "IEEE802_11_AVS",
    165: "BACNET_MS_TP",
    166: "PPP_PPPD",
    169: "GPRS_LLC",
    177: "LINUX_LAPD",
    187: "BLUETOOTH_HCI_H4",
    189: "USB_LINUX",
    192: "PPI",
    195: "IEEE802_15_4_WITHFCS",
    197: "ERF",
    201: "BLUETOOTH_HCI_H4_WITH_PHDR",
    202: "AX25_KISS",
    203: "LAPD",
    204: "PPP_WITH_DIR",
    205: "C_HDLC_WITH_DIR",
    206: "FRELAY_WITH_DIR",
    209: "IPMB_LINUX",
    215: "IEEE802_15_4_NONASK_PHY",
    220: "USB_LINUX_MMAPPED",
    226: "IPNET",
    227: "CAN_SOCKETCAN",
    228: "IPV4",
    229: "IPV6",
    230: "IEEE802_15_4_NOFCS",
    231: "DBUS",
    235: "DVB_CI",
    239: "NFLOG",
    240: "NETANALYZER",
    241: "NETANALYZER_TRANSPARENT",
    242: "IPOIB",
    243: "MPEG_2_TS",
    247: "INFINIBAND",
    248: "SCTP",
    249: "USBPCAP",
    251: "BLUETOOTH_LE_LL",
    253: "NETLINK",
    254: "BLUETOOTH_LINUX_MONITOR",
    256: "BLUETOOTH_LE_LL_WITH_PHDR",
    258: "PKTAP",
    259: "EPON",
    266: "USB_DARWIN",
    270: "LORATAP",
    271: "VSOCK",
    272: "NORDIC_BLE",
    274: "ETHERNET_MPACKET",
    276: "LINUX_SLL2",
    279: "EBHSCR",
    280: "VPP_DISPATCH",
    281: "DSA_TAG_BRCM",
    282: "DSA_TAG_BRCM_PREPEND",
    283: "IEEE802_15_4_TAP",
    284: "DSA_TAG_DSA",
    285: "DSA_TAG_EDSA",
    287: "Z_WAVE_SERIAL",
    288: "USB_2_0",
    289: "ATSC_ALP",
}

LINKTYPE_ETHERNET = 1
_RAW_IP = frozenset({12, 14, 101})
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_NULL = 0
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

SUPPORTED = frozenset(
    {LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_NULL, LINKTYPE_LOOP}
    | {LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2}
    | _RAW_IP
)

# BSD address-family numbers seen in NULL/LOOP headers; AF_INET6 differs by OS.
_AF_INET = 2
_AF_INET6 = frozenset({10, 23, 24, 28, 30})


def linktype_name(linktype: int) -> str:
    return LINKTYPE_NAMES.get(linktype, "unknown")


def _ethernet(ethertype: int, payload: bytes) -> bytes:
    return _DST_MAC + _SRC_MAC + struct.pack(">H", ethertype) + payload


def _ethertype_from_version(payload: bytes) -> int:
    # A version nibble that is neither 4 nor 6 still goes out as IPv4, so the
    # core reports it as a bad IP version rather than as non-IP traffic.
    if payload and payload[0] >> 4 == 6:
        return ETHERTYPE_IPV6
    return ETHERTYPE_IPV4


def _from_null(data: bytes, order: str | None) -> bytes | None:
    if len(data) < 4:
        return None
    if order is None:
        # DLT_NULL stores the family in the capturing host's byte order; a
        # family number is small, so the order that gives a small value wins.
        (family,) = struct.unpack("<I", data[:4])
        if family > 0xFFFF:
            (family,) = struct.unpack(">I", data[:4])
    else:
        (family,) = struct.unpack(order + "I", data[:4])
    payload = data[4:]
    if family == _AF_INET:
        return _ethernet(ETHERTYPE_IPV4, payload)
    if family in _AF_INET6:
        return _ethernet(ETHERTYPE_IPV6, payload)
    return _ethernet(0, payload)


def to_ethernet(linktype: int, data: bytes) -> bytes | None:
    """The Ethernet frame for a packet, or None when the link type is not supported.

    A packet too short for its own link header becomes a frame too short for
    an Ethernet header, so the core still sees and counts it as truncated.
    """
    if linktype == LINKTYPE_ETHERNET:
        return data
    if linktype in _RAW_IP:
        return _ethernet(_ethertype_from_version(data), data)
    if linktype == LINKTYPE_IPV4:
        return _ethernet(ETHERTYPE_IPV4, data)
    if linktype == LINKTYPE_IPV6:
        return _ethernet(ETHERTYPE_IPV6, data)
    if linktype == LINKTYPE_LINUX_SLL:
        if len(data) < 16:
            return data[:13]
        return _ethernet(struct.unpack(">H", data[14:16])[0], data[16:])
    if linktype == LINKTYPE_LINUX_SLL2:
        if len(data) < 20:
            return data[:13]
        return _ethernet(struct.unpack(">H", data[0:2])[0], data[20:])
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        frame = _from_null(data, ">" if linktype == LINKTYPE_LOOP else None)
        return frame if frame is not None else data[:13]
    return None
