// SPDX-License-Identifier: BSD-2-Clause
/*
 * Decisions on hand-built frames, and every truncation of them: a frame cut
 * at any length must get a verdict without reading past its end (this test
 * copies each prefix into an exactly sized heap block, so ASan catches any
 * over-read).
 */
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "ms_test.h"
#include "multistack/ms_core.h"
#include "multistack/ms_user.h"

static const uint8_t host_a[4] = { 10, 0, 0, 2 }, host_b[4] = { 10, 0, 0, 9 };
static const uint8_t six_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t six_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

static struct ms_core *core_with_tuples(void)
{
	struct ms_core *core;
	struct ms_tuple t;

	if (ms_core_create(&core) != MS_OK)
		abort();
	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET;
	t.proto = MS_PROTO_UDP;
	t.port = 53;
	memcpy(t.addr, host_a, 4);
	if (ms_bind(core, &t, 1, NULL) != MS_OK)
		abort();
	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET6;
	t.proto = MS_PROTO_TCP;
	t.port = 80;
	memcpy(t.addr, six_a, 16);
	if (ms_bind(core, &t, 2, NULL) != MS_OK)
		abort();
	return core;
}

static struct ms_decision ingress_copy(struct ms_core *core, const uint8_t *f, uint32_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct ms_decision d;

	memcpy(copy, f, len);
	d = ms_ingress(core, copy, len);
	free(copy);
	return d;
}

static void test_hits_and_misses(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t f[256];
	uint32_t len;
	struct ms_decision d;
	struct ms_stats st;

	len = frame_ipv4(f, MS_PROTO_UDP, host_b, host_a, 4000, 53, 8);
	d = ms_ingress(core, f, len);
	CHECK_EQ(d.verdict, MS_VERDICT_PORT);
	CHECK_EQ(d.reason, MS_REASON_TUPLE_HIT);
	CHECK_EQ(d.owner, 1);
	len = frame_ipv4(f, MS_PROTO_UDP, host_b, host_a, 4000, 54, 8);
	d = ms_ingress(core, f, len);
	CHECK_EQ(d.verdict, MS_VERDICT_HOST);
	CHECK_EQ(d.reason, MS_REASON_NO_MATCH);
	len = frame_ipv6(f, MS_PROTO_TCP, six_b, six_a, 5000, 80, 20);
	d = ms_ingress(core, f, len);
	CHECK_EQ(d.verdict, MS_VERDICT_PORT);
	CHECK_EQ(d.owner, 2);
	/* egress: owner 1 may send from its tuple, owner 2 may not */
	len = frame_ipv4(f, MS_PROTO_UDP, host_a, host_b, 53, 4000, 8);
	CHECK_EQ(ms_egress(core, f, len, 1).verdict, MS_VERDICT_NIC);
	d = ms_egress(core, f, len, 2);
	CHECK_EQ(d.verdict, MS_VERDICT_DROP);
	CHECK_EQ(d.reason, MS_REASON_NOT_OWNER);
	ms_stats_read(core, &st);
	CHECK_EQ(st.reason[MS_DIR_INGRESS][MS_REASON_TUPLE_HIT], 2);
	CHECK_EQ(st.reason[MS_DIR_INGRESS][MS_REASON_NO_MATCH], 1);
	CHECK_EQ(st.reason[MS_DIR_EGRESS][MS_REASON_NOT_OWNER], 1);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static void test_vlan(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t plain[256], f[256];
	uint32_t len = frame_ipv4(plain, MS_PROTO_UDP, host_b, host_a, 1, 53, 8);
	unsigned tags;

	for (tags = 0; tags <= 3; tags++) {
		unsigned i;
		struct ms_decision d;

		memcpy(f, plain, 12);
		for (i = 0; i < tags; i++) {
			put16(f + 12 + 4 * i, i ? 0x8100 : 0x88a8);
			put16(f + 14 + 4 * i, 100);
		}
		memcpy(f + 12 + 4 * tags, plain + 12, len - 12);
		d = ms_ingress(core, f, len + 4 * tags);
		if (tags <= 2) {
			CHECK_EQ(d.reason, MS_REASON_TUPLE_HIT);
		} else {
			CHECK_EQ(d.reason, MS_REASON_VLAN_TOO_DEEP);
		}
	}
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static void test_fragments(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t first[256], later[256];
	uint32_t len = frame_ipv4(first, MS_PROTO_UDP, host_b, host_a, 9, 53, 16);
	struct ms_decision d;

	first[14 + 4] = 0x12; /* id */
	first[14 + 6] = 0x20; /* more fragments, offset 0 */
	memcpy(later, first, len);
	later[14 + 6] = 0x00;
	later[14 + 7] = 2; /* offset 16 bytes, last */
	d = ms_ingress(core, later, len);
	CHECK_EQ(d.reason, MS_REASON_FRAG_MISS);
	CHECK_EQ(ms_ingress(core, first, len).owner, 1);
	d = ms_ingress(core, later, len);
	CHECK_EQ(d.verdict, MS_VERDICT_PORT);
	CHECK_EQ(d.reason, MS_REASON_FRAG_HIT);
	CHECK_EQ(d.owner, 1);
	ms_user_advance_clock_ms(60000);
	CHECK_EQ(ms_ingress(core, later, len).reason, MS_REASON_FRAG_MISS);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/* Every prefix of every frame: a verdict, no over-read, and only malformed reasons when cut. */
static void test_every_truncation(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t f[5][256];
	uint32_t lens[5], i, cut;

	lens[0] = frame_ipv4(f[0], MS_PROTO_UDP, host_b, host_a, 1, 53, 8);
	lens[1] = frame_ipv6(f[1], MS_PROTO_TCP, six_b, six_a, 1, 80, 20);
	lens[2] = frame_ipv4(f[2], 1, host_b, host_a, 0, 0, 36); /* ICMP, quote filled below */
	f[2][34] = 3;
	f[2][42] = 0x45;
	lens[3] = frame_ipv6(f[3], 0, six_b, six_a, 0, 0, 16); /* hop-by-hop, then UDP */
	f[3][54] = MS_PROTO_UDP;
	lens[4] = eth_header(f[4], 0x0806) + 28;
	memset(f[4] + 14, 0, 28);
	put16(f[4] + 14, 1);
	put16(f[4] + 16, 0x0800);
	f[4][18] = 6;
	f[4][19] = 4;
	for (i = 0; i < 5; i++)
		for (cut = 0; cut <= lens[i]; cut++) {
			struct ms_decision d = ingress_copy(core, f[i], cut);

			CHECK(d.verdict < MS_VERDICT__COUNT && d.reason < MS_REASON__COUNT);
			CHECK_EQ(ms_reason_verdict(d.reason, MS_DIR_INGRESS), d.verdict);
		}
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

int main(void)
{
	RUN(test_hits_and_misses);
	RUN(test_vlan);
	RUN(test_fragments);
	RUN(test_every_truncation);
	return ms_test_failures ? 1 : 0;
}
