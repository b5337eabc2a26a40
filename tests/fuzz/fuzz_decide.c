// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: the input's first byte picks the direction and the owner,
 * the rest is the frame.  A fixed set of registrations (exact, wildcard,
 * both families, several owners) makes hits, claims and fragments reachable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ms_internal.h" /* the parser, to hold the fast path to the general one */
#include "multistack/ms_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ms_core *fuzz_core(void)
{
	static struct ms_core *core;
	static const uint8_t protos[] = { MS_PROTO_TCP, MS_PROTO_UDP, MS_PROTO_SCTP,
					  MS_PROTO_UDPLITE, MS_PROTO_DCCP };
	unsigned i;

	if (core)
		return core;
	if (ms_core_create(&core) != MS_OK)
		abort();
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
	return core;
}

/* Where the decisions skip the parser, the parser must have found the same flow. */
static void check_fast_path(const uint8_t *frame, uint32_t len)
{
	struct ms_pkt pkt;

	if (!ms_ipv4_simple(frame, len))
		return;
	ms_parse(frame, len, &pkt);
	if (pkt.kind != MS_PKT_PORTS || pkt.flow.family != MS_FAMILY_INET ||
	    pkt.flow.proto != frame[23] || pkt.flow.saddr != frame + 26 ||
	    pkt.flow.daddr != frame + 30 || pkt.flow.sport != ms_rd16(frame + 34) ||
	    pkt.flow.dport != ms_rd16(frame + 36))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_core *core = fuzz_core();
	struct ms_decision d;
	uint8_t *frame;

	if (size < 1)
		return 0;
	/* An exactly sized copy, so any read past the end is an ASan report. */
	frame = malloc(size - 1 ? size - 1 : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, size - 1);
	check_fast_path(frame, (uint32_t) (size - 1));
	if (data[0] & 0x80) {
		d = ms_egress(core, frame, (uint32_t) (size - 1), (uint16_t) (data[0] & 3));
		if (ms_reason_verdict(d.reason, MS_DIR_EGRESS) != d.verdict)
			abort();
	} else {
		d = ms_ingress(core, frame, (uint32_t) (size - 1));
		if (ms_reason_verdict(d.reason, MS_DIR_INGRESS) != d.verdict)
			abort();
	}
	free(frame);
	return 0;
}
