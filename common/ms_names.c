// SPDX-License-Identifier: BSD-2-Clause
/* Names of verdicts and reasons, and which verdict each reason leads to. */
#include "ms_internal.h"

static const char *const verdict_names[MS_VERDICT__COUNT] = {
	[MS_VERDICT_PORT] = "port", [MS_VERDICT_HOST] = "host", [MS_VERDICT_ALL] = "all",
	[MS_VERDICT_NIC] = "nic",   [MS_VERDICT_DROP] = "drop",
};

static const char *const reason_names[MS_REASON__COUNT] = {
	[MS_REASON_TUPLE_HIT] = "tuple_hit",
	[MS_REASON_WILDCARD_HIT] = "wildcard_hit",
	[MS_REASON_NO_MATCH] = "no_match",
	[MS_REASON_NO_PORTS] = "no_ports",
	[MS_REASON_NOT_IP] = "not_ip",
	[MS_REASON_ARP] = "arp",
	[MS_REASON_ND] = "nd",
	[MS_REASON_ICMP_ERROR_HIT] = "icmp_error_hit",
	[MS_REASON_ICMP_ERROR_MISS] = "icmp_error_miss",
	[MS_REASON_FRAG_HIT] = "frag_hit",
	[MS_REASON_FRAG_MISS] = "frag_miss",
	[MS_REASON_NOT_OWNER] = "not_owner",
	[MS_REASON_ARP_SPOOF] = "arp_spoof",
	[MS_REASON_ND_SPOOF] = "nd_spoof",
	[MS_REASON_ND_FORBIDDEN] = "nd_forbidden",
	[MS_REASON_MAC_SPOOF] = "mac_spoof",
	[MS_REASON_NO_NIC] = "no_nic",
	[MS_REASON_NO_HOST_PORT] = "no_host_port",
	[MS_REASON_TRUNCATED_L2] = "truncated_l2",
	[MS_REASON_VLAN_TOO_DEEP] = "vlan_too_deep",
	[MS_REASON_BAD_IP_VERSION] = "bad_ip_version",
	[MS_REASON_TRUNCATED_L3] = "truncated_l3",
	[MS_REASON_BAD_IHL] = "bad_ihl",
	[MS_REASON_BAD_LENGTH] = "bad_length",
	[MS_REASON_BAD_FRAGMENT] = "bad_fragment",
	[MS_REASON_EXT_CHAIN] = "ext_chain",
	[MS_REASON_TRUNCATED_L4] = "truncated_l4",
	[MS_REASON_BAD_ARP] = "bad_arp",
	[MS_REASON_BAD_ND] = "bad_nd",
	[MS_REASON_JUMBOGRAM] = "jumbogram",
};

const char *ms_verdict_name(unsigned verdict)
{
	return verdict < MS_VERDICT__COUNT ? verdict_names[verdict] : "?";
}

const char *ms_reason_name(unsigned reason)
{
	return reason < MS_REASON__COUNT && reason_names[reason] ? reason_names[reason] : "?";
}

enum ms_verdict ms_reason_verdict(unsigned reason, enum ms_direction dir)
{
	bool ingress = dir == MS_DIR_INGRESS;

	switch (reason) {
	case MS_REASON_TUPLE_HIT:
	case MS_REASON_WILDCARD_HIT:
	case MS_REASON_ICMP_ERROR_HIT:
	case MS_REASON_FRAG_HIT:
		return ingress ? MS_VERDICT_PORT : MS_VERDICT_NIC;
	case MS_REASON_ARP:
	case MS_REASON_ND:
		return ingress ? MS_VERDICT_ALL : MS_VERDICT_NIC;
	case MS_REASON_NO_HOST_PORT: /* the host's frames, with no host port to go to */
		return MS_VERDICT_DROP;
	default:
		return ingress ? MS_VERDICT_HOST : MS_VERDICT_DROP;
	}
}
