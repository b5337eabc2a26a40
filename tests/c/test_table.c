// SPDX-License-Identifier: BSD-2-Clause
/* The tuple table through the public API: writer results, lookups, growth, cleanup. */
#include <stdlib.h>
#include <string.h>

#include "ms_test.h"
#include "multistack/ms_core.h"
#include "multistack/ms_user.h"
#include "tuples.h"

static void test_writer_results(void)
{
	struct ms_core *core;
	struct ms_tuple t = tuple_v4(MS_PROTO_UDP, 0x0a000002, 53), bad = t;
	void *cookie = NULL;
	int token = 7;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	CHECK_EQ(ms_bind(core, &t, 3, &token), MS_OK);
	CHECK_EQ(ms_bind(core, &t, 3, NULL), MS_ERR_EXISTS);
	CHECK_EQ(ms_bind(core, &t, 4, NULL), MS_ERR_INUSE);
	CHECK_EQ(ms_lookup(core, &t), 3);
	CHECK_EQ(ms_count(core), 1);
	CHECK_EQ(ms_unbind(core, &t, 4, &cookie), MS_ERR_PERM);
	CHECK(cookie == NULL);
	CHECK_EQ(ms_unbind(core, &t, 3, &cookie), MS_OK);
	CHECK(cookie == &token);
	CHECK_EQ(ms_unbind(core, &t, 3, NULL), MS_ERR_NOENT);
	CHECK_EQ(ms_lookup(core, &t), -1);
	bad.proto = 1;
	CHECK_EQ(ms_bind(core, &bad, 3, NULL), MS_ERR_INVAL);
	bad = t;
	bad.addr[7] = 1; /* IPv4 with bytes past the address */
	CHECK_EQ(ms_bind(core, &bad, 3, NULL), MS_ERR_INVAL);
	bad = t;
	bad.family = 5;
	CHECK_EQ(ms_bind(core, &bad, 3, NULL), MS_ERR_INVAL);
	CHECK_EQ(ms_bind(core, &t, MS_MAX_OWNERS, NULL), MS_ERR_INVAL);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static void test_wildcard(void)
{
	struct ms_core *core;
	struct ms_tuple any = tuple_v4(MS_PROTO_TCP, 0, 80),
			one = tuple_v4(MS_PROTO_TCP, 0x0a000002, 80);

	CHECK_EQ(ms_core_create(&core), MS_OK);
	CHECK_EQ(ms_bind(core, &any, 5, NULL), MS_OK);
	CHECK_EQ(ms_lookup(core, &one), 5);
	CHECK_EQ(ms_bind(core, &one, 6, NULL), MS_OK); /* exact beats wildcard */
	CHECK_EQ(ms_lookup(core, &one), 6);
	one.addr[3] = 3;
	CHECK_EQ(ms_lookup(core, &one), 5);
	one.proto = MS_PROTO_UDP;
	CHECK_EQ(ms_lookup(core, &one), -1);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static int released;

static void count_release(void *cookie, void *arg)
{
	(void) cookie;
	(void) arg;
	released++;
}

static void test_unbind_owner(void)
{
	struct ms_core *core;
	uint16_t p;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	for (p = 1; p <= 100; p++) {
		struct ms_tuple a = tuple_v4(MS_PROTO_UDP, 0x0a000001 + (p % 3), p);
		struct ms_tuple b = tuple_v4(MS_PROTO_TCP, 0x0a000001 + (p % 3), p);

		CHECK_EQ(ms_bind(core, &a, 1, NULL), MS_OK);
		CHECK_EQ(ms_bind(core, &b, 2, NULL), MS_OK);
	}
	released = 0;
	CHECK_EQ(ms_unbind_owner(core, 1, count_release, NULL), 100);
	CHECK_EQ(released, 100);
	CHECK_EQ(ms_count(core), 100);
	for (p = 1; p <= 100; p++) {
		struct ms_tuple a = tuple_v4(MS_PROTO_UDP, 0x0a000001 + (p % 3), p);
		struct ms_tuple b = tuple_v4(MS_PROTO_TCP, 0x0a000001 + (p % 3), p);

		CHECK_EQ(ms_lookup(core, &a), -1);
		CHECK_EQ(ms_lookup(core, &b), 2);
	}
	released = 0;
	ms_core_destroy(core, count_release, NULL);
	CHECK_EQ(released, 100);
	ms_user_quiesce();
}

/* A million entries: all found, memory per entry as designed, then all removed. */
static void test_million(void)
{
	struct ms_core *core;
	const uint32_t n = 1000000;
	uint32_t i;
	size_t before;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	before = ms_memory_bytes(core);
	for (i = 0; i < n; i++) {
		struct ms_tuple t = tuple_v4(MS_PROTO_UDP, 0x0a000000 + (i >> 16), (uint16_t) i);

		if (ms_bind(core, &t, (uint16_t) (i % 200), NULL) != MS_OK) {
			CHECK(!"bind failed");
			break;
		}
	}
	CHECK_EQ(ms_count(core), n);
	/* A 32-byte entry each (an IPv4 key lives in its slot's check word), and
	 * buckets of three slots (64 bytes a line) never less than 72% full: the
	 * table grows by a quarter at 90%.  At most 64 bytes a tuple. */
	CHECK((ms_memory_bytes(core) - before) / n < 32 + 64 / (3 * 0.72) + 1);
	for (i = 0; i < n; i += 7) {
		struct ms_tuple t = tuple_v4(MS_PROTO_UDP, 0x0a000000 + (i >> 16), (uint16_t) i);

		CHECK_EQ(ms_lookup(core, &t), i % 200);
	}
	for (i = 0; i < 200; i++)
		ms_unbind_owner(core, (uint16_t) i, NULL, NULL);
	CHECK_EQ(ms_count(core), 0);
	ms_user_quiesce();
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/* IPv6 tuples too: their address is a number in the check word, kept once in its record. */
static void test_ipv6_memory(void)
{
	struct ms_core *core;
	const uint32_t n = 100002; /* a multiple of 7 */
	uint32_t i;
	size_t before;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	before = ms_memory_bytes(core);
	for (i = 0; i < n; i++) {
		struct ms_tuple t;

		memset(&t, 0, sizeof(t));
		t.family = MS_FAMILY_INET6;
		t.proto = MS_PROTO_TCP;
		t.port = (uint16_t) i;
		t.addr[0] = 0x20;
		t.addr[1] = 0x01;
		t.addr[15] = (uint8_t) (i >> 16);
		CHECK_EQ(ms_bind(core, &t, (uint16_t) (i % 7), NULL), MS_OK);
	}
	CHECK((ms_memory_bytes(core) - before) / n < 32 + 64 / (3 * 0.72) + 1);
	CHECK_EQ(ms_unbind_owner(core, 3, NULL, NULL), n / 7);
	CHECK_EQ(ms_count(core), n - n / 7);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

int main(void)
{
	RUN(test_writer_results);
	RUN(test_wildcard);
	RUN(test_unbind_owner);
	RUN(test_million);
	RUN(test_ipv6_memory);
	return ms_test_failures ? 1 : 0;
}
