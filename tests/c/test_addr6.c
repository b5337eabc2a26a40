// SPDX-License-Identifier: BSD-2-Clause
/*
 * IPv6 address numbers, from the inside: an IPv6 tuple is keyed by its
 * address's number, and a number goes to another address once the first
 * has no registration left and the address index has been rebuilt without
 * it.  A reader that found the first address's record, or its number in the
 * index, before that would, with the number alone, decide the new
 * address's tuple for a frame to the old one; the record must say it is no
 * longer live, and the index it read must no longer be the published one.
 * Numbers, records, the index and their memory must follow the
 * registrations exactly, and registering on fresh addresses in a loop must
 * not rebuild the index each time.
 */
#include <string.h>

#include "frames.h"
#include "ms_addr6_index.h"
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

/* The number the published index gives an address (MS_NUMBER_NONE without an index). */
static uint32_t indexed(const struct ms_core *core, const uint8_t *addr)
{
	return core->addr6_index ? ms_addr6_index_number(core->addr6_index, addr) : MS_NUMBER_NONE;
}

static void test_reused_number_is_not_live(void)
{
	struct ms_core *core;
	struct ms_tuple a = v6(1, PORT), b = v6(2, PORT), c;
	const struct ms_addr6_index *read_before;
	const struct ms_addr6 *old, *now;
	struct ms_probe_at p = { NULL, 0, 0 };
	struct ms_decision d;
	uint32_t number, host;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	ms_core_set_nic_mac(core, nic_mac);
	CHECK_EQ(ms_bind(core, &a, 1, NULL), MS_OK);
	old = ms_addr6_find(core->table, a.addr);
	CHECK(old != NULL);
	if (!old)
		return;
	number = old->number;
	CHECK(ms_addr6_live(old));
	CHECK_EQ(indexed(core, a.addr), number);
	/* A reader holds `old` and the index (their memory waits for
	 * ms_user_quiesce()) while the writer moves the number on. */
	read_before = core->addr6_index;
	CHECK_EQ(ms_unbind(core, &a, 1, NULL), MS_OK);
	CHECK(!ms_addr6_live(old));
	/* Retired, the number waits for the index's next rebuild. */
	CHECK_EQ(ms_bind(core, &b, 2, NULL), MS_OK);
	CHECK(indexed(core, b.addr) != number);
	host = 3;
	do {
		c = v6(host++, PORT);
		CHECK_EQ(ms_bind(core, &c, 2, NULL), MS_OK);
	} while (host < 1000 && indexed(core, c.addr) != number);
	CHECK_EQ(indexed(core, c.addr), number);
	CHECK(core->addr6_index != read_before);
	now = ms_addr6_find(core->table, c.addr);
	CHECK(now != NULL && now->number == number);
	CHECK(ms_addr6_find(core->table, a.addr) == NULL);
	CHECK(indexed(core, a.addr) == MS_NUMBER_NONE);
	/* What the number alone would say: c's tuple, owner 2, and the number
	 * the reader's index still holds for a. */
	CHECK_EQ(ms_addr6_index_number(read_before, a.addr), number);
	CHECK_EQ(ms_table_probe(
		     core->table,
		     ms_check6(number, PORT, ms_proto_class(MS_PROTO_UDP), MS_KIND_TUPLE), &p),
		 MS_PROBE_HIT);
	CHECK_EQ(p.owner_check >> MS_CHECK_OWNER_BIT, 2);
	d = to(core, 1, PORT);
	CHECK_EQ(d.verdict, MS_VERDICT_HOST);
	CHECK_EQ(d.reason, MS_REASON_NO_MATCH);
	d = to(core, host - 1, PORT);
	CHECK_EQ(d.verdict, MS_VERDICT_PORT);
	CHECK_EQ(d.owner, 2);
	CHECK_EQ(from(core, 1, PORT, 2).verdict, MS_VERDICT_DROP);
	CHECK_EQ(from(core, host - 1, PORT, 2).verdict, MS_VERDICT_NIC);
	CHECK_EQ(from(core, host - 1, PORT, 1).reason, MS_REASON_NOT_OWNER);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/*
 * A user registering and unregistering on a fresh address each time, beside
 * `kept` other addresses (30 fills the first 31 numbers but one): the index
 * takes new addresses in place and is rebuilt only when full or when
 * numbers run out, and every frame is decided right throughout.
 */
static void fresh_addresses(uint32_t kept)
{
	const struct ms_addr6_index *last;
	struct ms_core *core;
	unsigned rebuilds = 0;
	uint32_t host;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	ms_core_set_nic_mac(core, nic_mac);
	for (host = 100000; host < 100000 + kept; host++) {
		struct ms_tuple keep = v6(host, PORT);

		CHECK_EQ(ms_bind(core, &keep, 1, NULL), MS_OK);
	}
	last = core->addr6_index;
	for (host = 2; host < 5002; host++) {
		struct ms_tuple t = v6(host, PORT);

		CHECK_EQ(ms_bind(core, &t, 2, NULL), MS_OK);
		CHECK_EQ(to(core, host, PORT).owner, 2);
		CHECK_EQ(from(core, host, PORT, 2).verdict, MS_VERDICT_NIC);
		CHECK_EQ(ms_unbind(core, &t, 2, NULL), MS_OK);
		CHECK_EQ(to(core, host, PORT).reason, MS_REASON_NO_MATCH);
		CHECK_EQ(from(core, host, PORT, 2).reason, MS_REASON_NO_MATCH);
		CHECK_EQ(to(core, 100000 + host % kept, PORT).owner, 1);
		rebuilds += core->addr6_index != last;
		last = core->addr6_index;
		CHECK(last != NULL);
	}
	/* A rebuild per 8 fresh addresses at most. */
	if (rebuilds == 0 || rebuilds > 5000 / 8)
		fprintf(stderr, "  %u kept: %u rebuilds\n", kept, rebuilds);
	CHECK(rebuilds > 0 && rebuilds <= 5000 / 8);
	CHECK(core->addr6_slots <= 8 * (kept + 32));
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static void test_fresh_addresses_rarely_rebuild(void)
{
	fresh_addresses(1);
	fresh_addresses(30);
	fresh_addresses(100);
}

/*
 * Past 1,024 addresses no index is published and IPv6 frames take the
 * general path, decided the same; below it again, the next new address
 * brings the index back.
 */
static void test_many_addresses_without_index(void)
{
	struct ms_core *core;
	uint32_t host;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	ms_core_set_nic_mac(core, nic_mac);
	for (host = 1; host <= 1100; host++) {
		struct ms_tuple t = v6(host, PORT);

		CHECK_EQ(ms_bind(core, &t, (uint16_t) (1 + host % 7), NULL), MS_OK);
	}
	CHECK(core->addr6_index == NULL);
	for (host = 1; host <= 1100; host += 37) {
		CHECK_EQ(to(core, host, PORT).owner, 1 + host % 7);
		CHECK_EQ(from(core, host, PORT, (uint16_t) (1 + host % 7)).verdict, MS_VERDICT_NIC);
		CHECK_EQ(from(core, host, PORT, (uint16_t) (2 + host % 7)).reason,
			 MS_REASON_NOT_OWNER);
	}
	CHECK_EQ(to(core, 5000, PORT).reason, MS_REASON_NO_MATCH);
	for (host = 1; host <= 200; host++) {
		struct ms_tuple t = v6(host, PORT);

		CHECK_EQ(ms_unbind(core, &t, (uint16_t) (1 + host % 7), NULL), MS_OK);
	}
	{
		struct ms_tuple t = v6(6000, PORT);

		CHECK_EQ(ms_bind(core, &t, 3, NULL), MS_OK);
	}
	CHECK(core->addr6_index != NULL);
	CHECK_EQ(to(core, 6000, PORT).owner, 3);
	for (host = 1; host <= 1100; host += 37) {
		struct ms_decision d = to(core, host, PORT);

		if (host <= 200)
			CHECK_EQ(d.reason, MS_REASON_NO_MATCH);
		else
			CHECK_EQ(d.owner, 1 + host % 7);
	}
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
	size_t bytes_before, table_before, index_before;
	unsigned listed = 0;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	ms_core_set_nic_mac(core, nic_mac);
	bytes_before = ms_memory_bytes(core);
	table_before = core->table->bytes;
	index_before = core->addr6_index->bytes;
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
	CHECK_EQ(core->addr6_slots - 1 - core->addr6_nfree - core->addr6_nretired, HOSTS / 3);
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
	/* Every live address, and no retired one, has its number in the index. */
	for (host = 1; host <= HOSTS + 100; host++) {
		uint8_t addr[16];
		const struct ms_addr6 *a;

		addr_of(addr, host);
		a = ms_addr6_find(core->table, addr);
		if (a)
			CHECK_EQ(indexed(core, addr), a->number);
		else
			CHECK(indexed(core, addr) == MS_NUMBER_NONE ||
			      core->addr6[indexed(core, addr)] == NULL);
	}
	/* Everyone leaves: every record goes, and with it every byte but the
	 * number map's and the index's. */
	for (host = 0; host < 200; host++)
		ms_unbind_owner(core, (uint16_t) host, NULL, NULL);
	CHECK_EQ(ms_count(core), 0);
	CHECK_EQ(core->addr6_nfree + core->addr6_nretired, core->addr6_slots - 1);
	CHECK_EQ(ms_memory_bytes(core) - bytes_before,
		 (size_t) core->addr6_slots * (sizeof(struct ms_addr6 *) + 2 * sizeof(uint32_t)) +
		     (core->table->bytes - table_before) +
		     (core->addr6_index->bytes - index_before));
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

int main(void)
{
	RUN(test_reused_number_is_not_live);
	RUN(test_numbers_follow_addresses);
	RUN(test_fresh_addresses_rarely_rebuild);
	RUN(test_many_addresses_without_index);
	return ms_test_failures ? 1 : 0;
}
