// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: the input's first byte picks the direction (0x80), a table
 * large enough for prefetch hints to work (0x40), what the core knows of the
 * NIC's address (0x30: known, none, never told) and the owner (0x03); the
 * rest is the frame, hinted (ms_*_prefetch) and then decided.  A fixed set of
 * registrations (exact, wildcard, both families, several owners) makes hits,
 * claims and fragments reachable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ms_internal.h" /* the parser, to hold the fast path to the general one */
#include "multistack/ms_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum nic_state { NIC_KNOWN, NIC_NONE, NIC_UNTOLD, NIC__COUNT };

static const uint8_t nic_mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 };

/* Registrations that take a table past the size where prefetch hints start to work. */
#define LARGE_EXTRA 12000u

static struct ms_core *fuzz_core(enum nic_state state, bool large)
{
	static struct ms_core *cores[NIC__COUNT][2];
	static const uint8_t protos[] = { MS_PROTO_TCP, MS_PROTO_UDP, MS_PROTO_SCTP,
					  MS_PROTO_UDPLITE, MS_PROTO_DCCP };
	struct ms_core *core = cores[state][large];
	unsigned i;

	if (core)
		return core;
	if (ms_core_create(&core) != MS_OK)
		abort();
	cores[state][large] = core;
	if (state == NIC_KNOWN)
		ms_core_set_nic_mac(core, nic_mac);
	else if (state == NIC_NONE)
		ms_core_clear_nic_mac(core);
	for (i = 0; i < 40; i++) {
		struct ms_tuple t;

		memset(&t, 0, sizeof(t));
		t.family = i & 1 ? MS_FAMILY_INET6 : MS_FAMILY_INET;
		t.proto = protos[i % 5];
		t.port = (uint16_t) (i < 20 ? 80 + i : 1000 + i);
		if (i % 4) { /* every fourth is a wildcard */
			t.addr[0] = t.family == MS_FAMILY_INET ? 10 : 0x20;
			t.addr[t.family == MS_FAMILY_INET ? 3 : 15] = (uint8_t) (1 + i % 3);
		}
		ms_bind(core, &t, (uint16_t) (1 + i % 3), NULL);
	}
	for (i = 0; large && i < LARGE_EXTRA; i++) {
		struct ms_tuple t;

		memset(&t, 0, sizeof(t));
		t.family = i & 1 ? MS_FAMILY_INET6 : MS_FAMILY_INET;
		t.proto = i & 2 ? MS_PROTO_TCP : MS_PROTO_UDP;
		t.port = (uint16_t) (20000 + i / 4);
		t.addr[0] = t.family == MS_FAMILY_INET ? 10 : 0x20;
		t.addr[t.family == MS_FAMILY_INET ? 3 : 15] = 1;
		ms_bind(core, &t, (uint16_t) (1 + i % 3), NULL);
	}
	return core;
}

/* Where the decisions skip the parser, the parser must have found the same flow. */
static void check_fast_path(const uint8_t *frame, uint32_t len)
{
	bool v4 = ms_ipv4_simple(frame, len), v6 = ms_ipv6_simple(frame, len);
	struct ms_pkt pkt;

	if (!v4 && !v6)
		return;
	if (v4 && v6)
		abort();
	ms_parse(frame, len, &pkt);
	if (v4 && (pkt.kind != MS_PKT_PORTS || pkt.flow.family != MS_FAMILY_INET ||
		   pkt.flow.proto != frame[23] || pkt.flow.saddr != frame + 26 ||
		   pkt.flow.daddr != frame + 30 || pkt.flow.sport != ms_rd16(frame + 34) ||
		   pkt.flow.dport != ms_rd16(frame + 36)))
		abort();
	if (v6 && (pkt.kind != MS_PKT_PORTS || pkt.flow.family != MS_FAMILY_INET6 ||
		   pkt.flow.proto != frame[20] || pkt.flow.saddr != frame + 22 ||
		   pkt.flow.daddr != frame + 38 || pkt.flow.sport != ms_rd16(frame + 54) ||
		   pkt.flow.dport != ms_rd16(frame + 56) || pkt.first_fragment))
		abort();
}

/* Every source or target link-layer address option of an ND message is the NIC's. */
static bool nd_options_are_nic(const uint8_t *opt, uint32_t len)
{
	while (len >= 2 && opt[1] && (uint32_t) opt[1] * 8 <= len) {
		if ((opt[0] == 1 || opt[0] == 2) && (opt[1] != 1 || memcmp(opt + 2, nic_mac, 6)))
			return false;
		len -= (uint32_t) opt[1] * 8;
		opt += (uint32_t) opt[1] * 8;
	}
	return len == 0;
}

/* What leaves for the NIC carries the NIC's address everywhere a peer would learn one. */
static void check_egress_addresses(enum nic_state state, const uint8_t *frame, uint32_t len,
				   struct ms_decision d)
{
	struct ms_pkt pkt;

	if (d.verdict != MS_VERDICT_NIC)
		return;
	if (state != NIC_KNOWN || len < 14 || memcmp(frame + 6, nic_mac, 6))
		abort();
	ms_parse(frame, len, &pkt);
	if (pkt.kind == MS_PKT_ARP && memcmp(pkt.arp_sha, nic_mac, 6))
		abort();
	if (pkt.kind == MS_PKT_ND && !nd_options_are_nic(pkt.nd_opts, pkt.nd_opts_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum nic_state state;
	struct ms_core *core;
	struct ms_decision d;
	uint8_t *frame;

	if (size < 1)
		return 0;
	state = (enum nic_state)(((data[0] >> 4) & 3) % NIC__COUNT);
	core = fuzz_core(state, (data[0] & 0x40) != 0);
	/* An exactly sized copy, so any read past the end is an ASan report. */
	frame = malloc(size - 1 ? size - 1 : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, size - 1);
	check_fast_path(frame, (uint32_t) (size - 1));
	if (data[0] & 0x80) {
		ms_egress_prefetch(core, frame, (uint32_t) (size - 1));
		d = ms_egress(core, frame, (uint32_t) (size - 1), (uint16_t) (data[0] & 3));
		if (ms_reason_verdict(d.reason, MS_DIR_EGRESS) != d.verdict)
			abort();
		check_egress_addresses(state, frame, (uint32_t) (size - 1), d);
	} else {
		ms_ingress_prefetch(core, frame, (uint32_t) (size - 1));
		d = ms_ingress(core, frame, (uint32_t) (size - 1));
		if (ms_reason_verdict(d.reason, MS_DIR_INGRESS) != d.verdict)
			abort();
	}
	free(frame);
	return 0;
}
