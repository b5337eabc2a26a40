// SPDX-License-Identifier: BSD-2-Clause
/*
 * The frame parser.  Every read is preceded by a length check against the
 * end of the region it belongs to (the frame, or the IP datagram inside it),
 * so no input can make it read past the buffer.
 */
#include "ms_internal.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_IPV6 0x86dd

#define IPPROTO_HOPOPTS	 0
#define IPPROTO_ICMPV4	 1
#define IPPROTO_ROUTING	 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_AH	 51
#define IPPROTO_ICMPV6	 58
#define IPPROTO_DSTOPTS	 60

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t) (p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void malformed(struct ms_pkt *pkt, enum ms_reason reason)
{
	pkt->kind = MS_PKT_MALFORMED;
	pkt->reason = reason;
}

/* Smallest header that a protocol with ports must show for us to trust its ports. */
static uint32_t ports_header_min(uint8_t proto)
{
	switch (proto) {
	case MS_PROTO_TCP:
		return 20;
	case MS_PROTO_UDP:
	case MS_PROTO_UDPLITE:
		return 8;
	case MS_PROTO_SCTP:
	case MS_PROTO_DCCP:
		return 12;
	default:
		return 0;
	}
}

static bool icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * The packet quoted by an ICMP error: only its addresses and ports matter,
 * and routers quote as little as 8 bytes past the IP header, so the quote's
 * own length fields are not held against the bytes present.  Returns false
 * when no flow can be read from it.
 */
static bool parse_quoted_ipv4(const uint8_t *p, uint32_t avail, struct ms_flow *flow)
{
	uint32_t ihl;

	if (avail < 20 || (p[0] >> 4) != 4)
		return false;
	ihl = (uint32_t) (p[0] & 0x0f) * 4;
	if (ihl < 20 || ihl + 4 > avail)
		return false;
	if (rd16(p + 6) & 0x1fff) /* a later fragment: no ports */
		return false;
	flow->proto = p[9];
	if (!ports_header_min(flow->proto))
		return false;
	flow->family = MS_FAMILY_INET;
	flow->saddr = p + 12;
	flow->daddr = p + 16;
	flow->sport = rd16(p + ihl);
	flow->dport = rd16(p + ihl + 2);
	return true;
}

/*
 * Walks IPv6 extension headers from *off, within end.  On return *nh is the
 * upper-layer protocol and *off its offset.  A fragment header is reported
 * through frag_off/more/id.  Returns 0 or a malformed reason.
 */
struct ms_ext_walk {
	uint8_t nh;
	uint8_t fragmented;
	uint8_t more;
	uint16_t frag_off;
	uint32_t frag_id;
	uint32_t off;
};

static int walk_ipv6_ext(const uint8_t *p, uint32_t end, struct ms_ext_walk *w)
{
	unsigned n;

	w->fragmented = 0;
	for (n = 0;; n++) {
		uint32_t hlen;

		switch (w->nh) {
		case IPPROTO_HOPOPTS:
			if (n != 0)
				return MS_REASON_EXT_CHAIN;
			/* fall through */
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
		case IPPROTO_FRAGMENT:
			break;
		default:
			return 0;
		}
		if (n == MS_IPV6_MAX_EXT_HDRS)
			return MS_REASON_EXT_CHAIN;
		if (end - w->off < 8) /* every extension header is at least 8 bytes */
			return MS_REASON_EXT_CHAIN;
		if (w->nh == IPPROTO_FRAGMENT) {
			uint16_t fo = rd16(p + w->off + 2);

			if (w->fragmented)
				return MS_REASON_EXT_CHAIN;
			w->fragmented = 1;
			w->frag_off = fo >> 3;
			w->more = fo & 1;
			w->frag_id = rd32(p + w->off + 4);
			hlen = 8;
		} else if (w->nh == IPPROTO_AH) {
			hlen = ((uint32_t) p[w->off + 1] + 2) * 4;
		} else {
			hlen = ((uint32_t) p[w->off + 1] + 1) * 8;
		}
		if (end - w->off < hlen)
			return MS_REASON_EXT_CHAIN;
		w->nh = p[w->off];
		w->off += hlen;
		if (w->fragmented && w->frag_off != 0)
			return 0; /* what follows a later fragment's header is payload */
	}
}

static bool parse_quoted_ipv6(const uint8_t *p, uint32_t avail, struct ms_flow *flow)
{
	struct ms_ext_walk w;

	if (avail < 40 || (p[0] >> 4) != 6)
		return false;
	w.nh = p[6];
	w.off = 40;
	if (walk_ipv6_ext(p, avail, &w) != 0)
		return false;
	if (w.fragmented && w.frag_off != 0)
		return false;
	if (!ports_header_min(w.nh) || avail - w.off < 4)
		return false;
	flow->family = MS_FAMILY_INET6;
	flow->proto = w.nh;
	flow->saddr = p + 8;
	flow->daddr = p + 24;
	flow->sport = rd16(p + w.off);
	flow->dport = rd16(p + w.off + 2);
	return true;
}

/* The transport layer of an unfragmented datagram or of a first fragment. */
static void parse_ports(const uint8_t *l4, uint32_t avail, struct ms_pkt *pkt)
{
	uint32_t need = ports_header_min(pkt->flow.proto);

	if (!need) {
		pkt->kind = MS_PKT_NO_PORTS;
		return;
	}
	if (avail < need) {
		malformed(pkt, MS_REASON_TRUNCATED_L4);
		return;
	}
	pkt->kind = MS_PKT_PORTS;
	pkt->flow.sport = rd16(l4);
	pkt->flow.dport = rd16(l4 + 2);
}

static void parse_icmp4(const uint8_t *l4, uint32_t avail, struct ms_pkt *pkt)
{
	if (avail < 8) {
		malformed(pkt, MS_REASON_TRUNCATED_L4);
		return;
	}
	if (!icmp4_is_error(l4[0])) {
		pkt->kind = MS_PKT_NO_PORTS;
		return;
	}
	pkt->kind = MS_PKT_ICMP_ERROR;
	if (!parse_quoted_ipv4(l4 + 8, avail - 8, &pkt->inner))
		pkt->inner.family = 0;
}

static void parse_ipv4(const uint8_t *p, uint32_t len, struct ms_pkt *pkt)
{
	uint32_t ihl, total;
	uint16_t frag;

	if (len < 20) {
		malformed(pkt, MS_REASON_TRUNCATED_L3);
		return;
	}
	if ((p[0] >> 4) != 4) {
		malformed(pkt, MS_REASON_BAD_IP_VERSION);
		return;
	}
	ihl = (uint32_t) (p[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len) {
		malformed(pkt, MS_REASON_BAD_IHL);
		return;
	}
	total = rd16(p + 2);
	if (total < ihl || total > len) { /* bytes past total are link padding */
		malformed(pkt, MS_REASON_BAD_LENGTH);
		return;
	}
	pkt->flow.family = MS_FAMILY_INET;
	pkt->flow.proto = p[9];
	pkt->flow.saddr = p + 12;
	pkt->flow.daddr = p + 16;
	frag = rd16(p + 6);
	if (frag & 0x3fff) {
		uint32_t offset = (uint32_t) (frag & 0x1fff) * 8;
		bool more = frag & 0x2000;

		/* All but the last fragment carry a multiple of 8 bytes; none ends past 64 KiB. */
		if ((more && ((total - ihl) & 7)) || offset + (total - ihl) > 65535) {
			malformed(pkt, MS_REASON_BAD_FRAGMENT);
			return;
		}
		pkt->frag_id = rd16(p + 4);
		if (offset) {
			pkt->kind = MS_PKT_FRAG_LATER;
			return;
		}
		pkt->first_fragment = 1;
	}
	if (pkt->flow.proto == IPPROTO_ICMPV4)
		parse_icmp4(p + ihl, total - ihl, pkt);
	else
		parse_ports(p + ihl, total - ihl, pkt);
}

/* Minimum ICMPv6 length of each neighbour discovery message (RFC 4861). */
static uint32_t nd_min_length(uint8_t type)
{
	switch (type) {
	case 133:
		return 8;
	case 134:
		return 16;
	case 135:
	case 136:
		return 24;
	case 137:
		return 40;
	default:
		return 0;
	}
}

static void parse_icmp6(const uint8_t *ip, const uint8_t *l4, uint32_t avail, struct ms_pkt *pkt)
{
	uint8_t type;
	uint32_t nd_min;

	if (avail < 8) {
		malformed(pkt, MS_REASON_TRUNCATED_L4);
		return;
	}
	type = l4[0];
	if (type >= 1 && type <= 4) { /* unreachable, too big, time exceeded, parameter problem */
		pkt->kind = MS_PKT_ICMP_ERROR;
		if (!parse_quoted_ipv6(l4 + 8, avail - 8, &pkt->inner))
			pkt->inner.family = 0;
		return;
	}
	nd_min = nd_min_length(type);
	if (!nd_min) { /* echo, MLD, the unassigned error types, ... */
		pkt->kind = MS_PKT_NO_PORTS;
		return;
	}
	/* Only messages that never left the link are neighbour discovery. */
	if (ip[7] != 255 || avail < nd_min || pkt->first_fragment) {
		malformed(pkt, MS_REASON_BAD_ND);
		return;
	}
	pkt->kind = MS_PKT_ND;
	pkt->nd_type = type;
	pkt->nd_target = (type == 135 || type == 136) ? l4 + 8 : (const uint8_t *) 0;
	pkt->nd_opts = l4 + nd_min;
	pkt->nd_opts_len = avail - nd_min;
}

static void parse_ipv6(const uint8_t *p, uint32_t len, struct ms_pkt *pkt)
{
	struct ms_ext_walk w;
	uint32_t end;
	int reason;

	if (len < 40) {
		malformed(pkt, MS_REASON_TRUNCATED_L3);
		return;
	}
	if ((p[0] >> 4) != 6) {
		malformed(pkt, MS_REASON_BAD_IP_VERSION);
		return;
	}
	end = rd16(p + 4);
	if (end == 0 && p[6] == IPPROTO_HOPOPTS) { /* a jumbo payload option would follow */
		malformed(pkt, MS_REASON_JUMBOGRAM);
		return;
	}
	end += 40;
	if (end > len) {
		malformed(pkt, MS_REASON_BAD_LENGTH);
		return;
	}
	w.nh = p[6];
	w.off = 40;
	reason = walk_ipv6_ext(p, end, &w);
	if (reason) {
		malformed(pkt, (enum ms_reason) reason);
		return;
	}
	pkt->flow.family = MS_FAMILY_INET6;
	pkt->flow.proto = w.nh;
	pkt->flow.saddr = p + 8;
	pkt->flow.daddr = p + 24;
	/* An atomic fragment (offset 0, no more) is a whole datagram (RFC 6946). */
	if (w.fragmented && (w.frag_off || w.more)) {
		uint32_t payload = end - w.off;

		if ((w.more && (payload & 7)) || (uint32_t) w.frag_off * 8 + payload > 65535) {
			malformed(pkt, MS_REASON_BAD_FRAGMENT);
			return;
		}
		pkt->frag_id = w.frag_id;
		if (w.frag_off) {
			pkt->kind = MS_PKT_FRAG_LATER;
			return;
		}
		pkt->first_fragment = 1;
	}
	if (w.nh == IPPROTO_ICMPV6)
		parse_icmp6(p, p + w.off, end - w.off, pkt);
	else
		parse_ports(p + w.off, end - w.off, pkt);
}

static void parse_arp(const uint8_t *p, uint32_t len, struct ms_pkt *pkt)
{
	/* Ethernet hardware (1), IPv4 protocol, 6- and 4-byte addresses: 28 bytes. */
	if (len < 28 || rd16(p) != 1 || rd16(p + 2) != ETHERTYPE_IPV4 || p[4] != 6 || p[5] != 4) {
		malformed(pkt, MS_REASON_BAD_ARP);
		return;
	}
	pkt->kind = MS_PKT_ARP;
	pkt->arp_sha = p + 8;
	pkt->arp_sender = p + 14;
}

void ms_parse(const uint8_t *frame, uint32_t len, struct ms_pkt *pkt)
{
	uint32_t off = 14;
	uint16_t type;
	unsigned tags;

	pkt->first_fragment = 0;
	pkt->reason = 0;
	if (len < 14) {
		malformed(pkt, MS_REASON_TRUNCATED_L2);
		return;
	}
	type = rd16(frame + 12);
	for (tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ; tags++) {
		if (tags == 2) {
			malformed(pkt, MS_REASON_VLAN_TOO_DEEP);
			return;
		}
		if (len - off < 4) {
			malformed(pkt, MS_REASON_TRUNCATED_L2);
			return;
		}
		type = rd16(frame + off + 2);
		off += 4;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		parse_ipv4(frame + off, len - off, pkt);
		break;
	case ETHERTYPE_IPV6:
		parse_ipv6(frame + off, len - off, pkt);
		break;
	case ETHERTYPE_ARP:
		parse_arp(frame + off, len - off, pkt);
		break;
	default:
		pkt->kind = MS_PKT_NOT_IP;
		break;
	}
}
