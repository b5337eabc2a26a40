// SPDX-License-Identifier: BSD-2-Clause
/*
 * Lock-free readers against a busy writer: while one thread binds and
 * unbinds tens of thousands of tuples (the table grows, and entries move
 * between their two buckets to make room), another looks up tuples that
 * stay registered throughout.  Every one of those lookups must find its
 * owner: a reader never misses a tuple because a writer was moving it.
 * Deferred frees wait until both threads are done, as a grace period would.
 */
#include <pthread.h>
#include <string.h>

#include "ms_test.h"
#include "multistack/ms_core.h"
#include "multistack/ms_user.h"

#define STABLE 3000u
#define CHURN  60000u
#define ROUNDS 3u

static struct ms_tuple tuple_of(uint32_t i, uint8_t family, uint8_t first_byte)
{
	struct ms_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = family;
	t.proto = i % 2 ? MS_PROTO_TCP : MS_PROTO_UDP;
	t.port = (uint16_t) (1 + i % 60000);
	t.addr[0] = first_byte;
	if (family == MS_FAMILY_INET) {
		t.addr[1] = (uint8_t) (i / 60000);
		t.addr[3] = 1;
	} else {
		t.addr[1] = 0x01;
		t.addr[13] = (uint8_t) (i / 60000);
		t.addr[15] = 1;
	}
	return t;
}

/* Stable tuple i: IPv4 when even, IPv6 when odd. */
static struct ms_tuple stable(uint32_t i)
{
	return tuple_of(i, i % 2 ? MS_FAMILY_INET6 : MS_FAMILY_INET, 10);
}

struct reader {
	struct ms_core *core;
	int stop; /* __atomic accesses: set by the writer thread */
	unsigned long lookups, misses;
};

static void *read_until_stopped(void *arg)
{
	struct reader *r = arg;
	uint32_t i = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		struct ms_tuple t = stable(i);

		if (ms_lookup(r->core, &t) != 1)
			r->misses++;
		r->lookups++;
		i = (i + 7) % STABLE;
	}
	return NULL;
}

static void test_readers_never_miss_during_moves_and_growth(void)
{
	struct reader r = { 0 };
	pthread_t thread;
	uint32_t i, round;

	CHECK_EQ(ms_core_create(&r.core), MS_OK);
	for (i = 0; i < STABLE; i++) {
		struct ms_tuple t = stable(i);

		CHECK_EQ(ms_bind(r.core, &t, 1, NULL), MS_OK);
	}
	CHECK_EQ(pthread_create(&thread, NULL, read_until_stopped, &r), 0);
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < CHURN; i++) {
			struct ms_tuple t = tuple_of(i, i % 3 ? MS_FAMILY_INET : MS_FAMILY_INET6,
						     (uint8_t) (20 + round));

			CHECK_EQ(ms_bind(r.core, &t, (uint16_t) (2 + i % 100), NULL), MS_OK);
		}
		for (i = 0; i < CHURN; i++) {
			struct ms_tuple t = tuple_of(i, i % 3 ? MS_FAMILY_INET : MS_FAMILY_INET6,
						     (uint8_t) (20 + round));

			CHECK_EQ(ms_unbind(r.core, &t, (uint16_t) (2 + i % 100), NULL), MS_OK);
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	CHECK_EQ(pthread_join(thread, NULL), 0);
	printf("# %lu lookups during the churn, %lu missed\n", r.lookups, r.misses);
	CHECK(r.lookups > 0);
	CHECK_EQ(r.misses, 0);
	CHECK_EQ(ms_count(r.core), STABLE);
	ms_core_destroy(r.core, NULL, NULL);
	ms_user_quiesce();
}

int main(void)
{
	RUN(test_readers_never_miss_during_moves_and_growth);
	return ms_test_failures ? 1 : 0;
}
