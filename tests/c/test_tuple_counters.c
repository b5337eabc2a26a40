// SPDX-License-Identifier: BSD-2-Clause
/*
 * Per-tuple packet and byte counters as QUERY reports them: exact without
 * concurrency, through the slots' tallies filling up (many small frames,
 * few large ones), through entries moved between buckets and tables grown,
 * and starting at 0 for a tuple registered again in a slot another left.
 */
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "ms_test.h"
#include "multistack/ms_core.h"
#include "multistack/ms_user.h"

static const uint8_t local4[4] = { 10, 0, 0, 2 }, peer4[4] = { 10, 0, 0, 9 };
static const uint8_t local6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

/* Room for the largest frame netmap carries: the fast path reads its headers only. */
static uint8_t big[65536];

static struct ms_core *new_core(void)
{
	struct ms_core *core;

	if (ms_core_create(&core) != MS_OK)
		abort();
	ms_core_set_nic_mac(core, (const uint8_t[6]){ 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa });
	return core;
}

static struct ms_tuple tuple4(uint16_t port)
{
	struct ms_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET;
	t.proto = MS_PROTO_UDP;
	t.port = port;
	memcpy(t.addr, local4, 4);
	return t;
}

static void check_counters(struct ms_core *core, const struct ms_tuple *t, uint64_t packets,
			   uint64_t bytes)
{
	struct ms_registration reg;

	CHECK_EQ(ms_query(core, t, &reg), MS_OK);
	CHECK_EQ(reg.packets, packets);
	CHECK_EQ(reg.bytes, bytes);
}

/* 60-byte frames by the thousand, then 60,000-byte ones, both directions and families. */
static void test_tallies_fill_up(void)
{
	struct ms_core *core = new_core();
	struct ms_tuple t4 = tuple4(53), t6;
	uint64_t bytes = 0;
	uint32_t len, i;

	memset(&t6, 0, sizeof(t6));
	t6.family = MS_FAMILY_INET6;
	t6.proto = MS_PROTO_TCP;
	t6.port = 80;
	memcpy(t6.addr, local6, 16);
	CHECK_EQ(ms_bind(core, &t4, 1, NULL), MS_OK);
	CHECK_EQ(ms_bind(core, &t6, 2, NULL), MS_OK);

	len = frame_ipv4(big, MS_PROTO_UDP, peer4, local4, 4000, 53, 26);
	CHECK_EQ(len, 60);
	for (i = 0; i < 3000; i++)
		CHECK_EQ(ms_ingress(core, big, len).owner, 1);
	bytes += 3000 * 60;
	len = frame_ipv4(big, MS_PROTO_UDP, peer4, local4, 4000, 53, 60000 - 34);
	for (i = 0; i < 100; i++)
		CHECK_EQ(ms_ingress(core, big, len).owner, 1);
	bytes += 100 * 60000;
	len = frame_ipv4(big, MS_PROTO_UDP, local4, peer4, 53, 4000, 26);
	for (i = 0; i < 5; i++)
		CHECK_EQ(ms_egress(core, big, len, 1).verdict, MS_VERDICT_NIC);
	bytes += 5 * 60;
	check_counters(core, &t4, 3105, bytes);

	len = frame_ipv6(big, MS_PROTO_TCP, peer6, local6, 4000, 80, 20);
	for (i = 0; i < 2500; i++)
		CHECK_EQ(ms_ingress(core, big, len).owner, 2);
	check_counters(core, &t6, 2500, 2500ull * len);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/*
 * Thousands of tuples bound a hundred at a time, every bound tuple hit
 * after each hundred: the table grows many times and moves entries to make
 * room, with tallies not yet folded into their entries.
 */
static void test_moves_and_growth_keep_counts(void)
{
	enum { TUPLES = 3000, STEP = 100 };
	static uint64_t packets[TUPLES + 1], bytes[TUPLES + 1];
	struct ms_core *core = new_core();
	uint8_t f[128];
	uint16_t port, bound;

	memset(packets, 0, sizeof(packets));
	memset(bytes, 0, sizeof(bytes));
	for (bound = 0; bound < TUPLES;) {
		for (port = (uint16_t) (bound + 1); port <= bound + STEP; port++) {
			struct ms_tuple t = tuple4(port);

			CHECK_EQ(ms_bind(core, &t, 1, NULL), MS_OK);
		}
		bound = (uint16_t) (bound + STEP);
		for (port = 1; port <= bound; port++) {
			uint32_t len = frame_ipv4(f, MS_PROTO_UDP, peer4, local4, 4000, port,
						  (uint16_t) (8 + port % 50));

			CHECK_EQ(ms_ingress(core, f, len).owner, 1);
			packets[port]++;
			bytes[port] += len;
		}
	}
	for (port = 1; port <= TUPLES; port++) {
		struct ms_tuple t = tuple4(port);

		check_counters(core, &t, packets[port], bytes[port]);
	}
	/* Registered again, a tuple starts from nothing. */
	for (port = 1; port <= TUPLES; port += 97) {
		struct ms_tuple t = tuple4(port);

		CHECK_EQ(ms_unbind(core, &t, 1, NULL), MS_OK);
		CHECK_EQ(ms_bind(core, &t, 1, NULL), MS_OK);
		check_counters(core, &t, 0, 0);
	}
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

int main(void)
{
	RUN(test_tallies_fill_up);
	RUN(test_moves_and_growth_keep_counts);
	return ms_test_failures ? 1 : 0;
}
