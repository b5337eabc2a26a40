// SPDX-License-Identifier: BSD-2-Clause
/*
 * IPv6 address numbers, from the inside: an IPv6 tuple is keyed by its
 * address's number, and a number goes to another address as soon as the
 * first has no registration left.  A reader that found the first address's
 * record before that would, with the number alone, decide the new
 * address's tuple for a frame to the old one; the record must say it is no
 * longer live.  And numbers, records and their memory must follow the
 * registrations exactly.
 */
#include <string.h>

#include "frames.h"
#include "ms_internal.h"
#include "ms_table_read.h"
#include "ms_test.h"
#include "multistack/ms_user.h"

#define PORT 5353

static const uint8_t nic_mac[6] = { 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa };

static void addr_of(uint8_t addr[16], uint32_t host)
{
	memset(addr, 0, 16);
	addr[0] = 0x20;
	addr[1] = 0x01;
	addr[2] = 0x0d;
	addr[3] = 0xb8;
	addr[12] = (uint8_t) (host >> 24);
	addr[13] = (uint8_t) (host >> 16);
	addr[14] = (uint8_t) (host >> 8);
	addr[15] = (uint8_t) host;
}

static struct ms_tuple v6(uint32_t host, uint16_t port)
{
	struct ms_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET6;
	t.proto = MS_PROTO_UDP;
	t.port = port;
	addr_of(t.addr, host);
	return t;
}

static struct ms_decision to(struct ms_core *core, uint32_t host, uint16_t port)
{
	uint8_t frame[128], src[16], dst[16];

	addr_of(src, 0xffff);
	addr_of(dst, host);
	return ms_ingress(core, frame, frame_ipv6(frame, MS_PROTO_UDP, src, dst, 9, port, 8));
}

static struct ms_decision from(struct ms_core *core, uint32_t host, uint16_t port, uint16_t owner)
{
	uint8_t frame[128], src[16], dst[16];

	addr_of(src, host);
	addr_of(dst, 0xffff);
	return ms_egress(core, frame, frame_ipv6(frame, MS_PROTO_UDP, src, dst, port, 9, 8), owner);
}

static void test_reused_number_is_not_live(void)
{
	struct ms_core *core;
	struct ms_tuple a = v6(1, PORT), b = v6(2, PORT);
	const struct ms_addr6 *old, *now;
	struct ms_probe_at p = { NULL, 0, 0 };
	struct ms_decision d;
	uint32_t number;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	ms_core_set_nic_mac(core, nic_mac);
	CHECK_EQ(ms_bind(core, &a, 1, NULL), MS_OK);
	old = ms_addr6_find(core->table, a.addr);
	CHECK(old != NULL);
	if (!old)
		return;
	number = old->number;
	CHECK(ms_addr6_live(old));
	/* A reader holds `old` (its memory waits for ms_user_quiesce()) while
	 * the writer moves the number on. */
	CHECK_EQ(ms_unbind(core, &a, 1, NULL), MS_OK);
	CHECK_EQ(ms_bind(core, &b, 2, NULL), MS_OK);
	now = ms_addr6_find(core->table, b.addr);
	CHECK(now != NULL && now->number == number);
	CHECK(ms_addr6_find(core->table, a.addr) == NULL);
	CHECK(!ms_addr6_live(old));
	/* What the number alone would say: b's tuple, owner 2. */
	CHECK_EQ(ms_table_probe(
		     core->table,
		     ms_check6(number, PORT, ms_proto_class(MS_PROTO_UDP), MS_KIND_TUPLE), &p),
		 MS_PROBE_HIT);
	CHECK_EQ(p.owner_check >> MS_CHECK_OWNER_BIT, 2);
	d = to(core, 1, PORT);
	CHECK_EQ(d.verdict, MS_VERDICT_HOST);
	CHECK_EQ(d.reason, MS_REASON_NO_MATCH);
	d = to(core, 2, PORT);
	CHECK_EQ(d.verdict, MS_VERDICT_PORT);
	CHECK_EQ(d.owner, 2);
	CHECK_EQ(from(core, 1, PORT, 2).verdict, MS_VERDICT_DROP);
	CHECK_EQ(from(core, 2, PORT, 2).verdict, MS_VERDICT_NIC);
	CHECK_EQ(from(core, 2, PORT, 1).reason, MS_REASON_NOT_OWNER);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/* Registered hosts: every third of 1..HOSTS, on PORTS ports each. */
#define HOSTS 600u
#define PORTS 5u

static int count_visit(const struct ms_registration *reg, void *arg)
{
	uint8_t expect[16];
	uint32_t host;

	host = (uint32_t) reg->tuple.addr[14] << 8 | reg->tuple.addr[15];
	addr_of(expect, host);
	if (reg->tuple.family == MS_FAMILY_INET6 && memcmp(reg->tuple.addr, expect, 16) == 0 &&
	    host <= HOSTS && host % 3 == 0 && reg->owner == host % 200)
		++*(unsigned *) arg;
	return 0;
}

static void test_numbers_follow_addresses(void)
{
	struct ms_core *core;
	uint32_t host, port;
	size_t bytes_before, table_before;
	unsigned listed = 0;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	ms_core_set_nic_mac(core, nic_mac);
	bytes_before = ms_memory_bytes(core);
	table_before = core->table->bytes;
	for (host = 1; host <= HOSTS; host++)
		for (port = 1; port <= PORTS; port++) {
			struct ms_tuple t = v6(host, (uint16_t) port);

			CHECK_EQ(ms_bind(core, &t, (uint16_t) (host % 200), NULL), MS_OK);
		}
	/* Two of every three hosts leave; their numbers go back. */
	for (host = 1; host <= HOSTS; host++)
		for (port = 1; host % 3 && port <= PORTS; port++) {
			struct ms_tuple t = v6(host, (uint16_t) port);

			CHECK_EQ(ms_unbind(core, &t, (uint16_t) (host % 200), NULL), MS_OK);
		}
	CHECK_EQ(core->addr6_slots - 1 - core->addr6_nfree, HOSTS / 3);
	/* Others take numbers that the leavers held. */
	for (host = HOSTS + 1; host <= HOSTS + 100; host++) {
		struct ms_tuple t = v6(host, 7);

		CHECK_EQ(ms_bind(core, &t, 3, NULL), MS_OK);
	}
	for (host = 1; host <= HOSTS; host++) {
		struct ms_decision d = to(core, host, 2);

		if (host % 3 == 0) {
			CHECK_EQ(d.verdict, MS_VERDICT_PORT);
			CHECK_EQ(d.owner, host % 200);
		} else {
			CHECK_EQ(d.verdict, MS_VERDICT_HOST);
		}
		CHECK_EQ(to(core, host, 7).verdict, MS_VERDICT_HOST);
	}
	for (host = HOSTS + 1; host <= HOSTS + 100; host++) {
		CHECK_EQ(to(core, host, 7).owner, 3);
		CHECK_EQ(to(core, host, 2).verdict, MS_VERDICT_HOST);
	}
	ms_foreach(core, count_visit, &listed);
	CHECK_EQ(listed, HOSTS / 3 * PORTS);
	CHECK_EQ(ms_count(core), HOSTS / 3 * PORTS + 100);
	/* Everyone leaves: every record goes, and with it every byte but the number map's. */
	for (host = 0; host < 200; host++)
		ms_unbind_owner(core, (uint16_t) host, NULL, NULL);
	CHECK_EQ(ms_count(core), 0);
	CHECK_EQ(core->addr6_nfree, core->addr6_slots - 1);
	CHECK_EQ(ms_memory_bytes(core) - bytes_before,
		 (size_t) core->addr6_slots * (sizeof(struct ms_addr6 *) + sizeof(uint32_t)) +
		     (core->table->bytes - table_before));
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

int main(void)
{
	RUN(test_reused_number_is_not_live);
	RUN(test_numbers_follow_addresses);
	return ms_test_failures ? 1 : 0;
}
