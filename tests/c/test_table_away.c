// SPDX-License-Identifier: BSD-2-Clause
/*
 * Whether a lookup in a large table fetches a key's other bucket along with
 * its first: the table counts its buckets that have keys away, as writers
 * place, move and remove keys and as it grows, and says the fetch pays
 * while at least one bucket in MS_TABLE_AWAY_SHARE has some.  The count
 * must follow the buckets exactly, and every frame must be decided the same
 * with or without the fetch, those whose key sits in its other bucket and
 * misses whose first bucket has keys away included.
 */
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "ms_internal.h"
#include "ms_table_read.h"
#include "ms_test.h"
#include "multistack/ms_core.h"
#include "multistack/ms_user.h"
#include "tuples.h"

#define TUPLES 40000u

static uint32_t rng_state = 0x2545f491u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static uint32_t buckets_with_keys_away(const struct ms_table *t)
{
	uint32_t b, n = 0;

	for (b = 0; b < t->buckets; b++)
		n += t->bucket[b].away != 0;
	return n;
}

/* Returns whether the table says the fetch pays. */
static bool check_counts(const struct ms_core *core)
{
	const struct ms_table *t = core->table;
	uint32_t away = buckets_with_keys_away(t);

	CHECK_EQ(t->away_buckets, away);
	CHECK_EQ(t->other_pays, (uint64_t) away * MS_TABLE_AWAY_SHARE >= t->buckets);
	return t->other_pays != 0;
}

/* How many of the registered keys sit in their other bucket. */
static uint32_t keys_in_other_bucket(const struct ms_table *t)
{
	uint32_t b, n = 0;
	unsigned s;

	for (b = 0; b < t->buckets; b++)
		for (s = 0; s < MS_BUCKET_SLOTS; s++) {
			uint64_t check = t->bucket[b].slot[s].check;

			n += (check & MS_CHECK_EXACT) &&
			     ms_first_bucket(t, ms_hash4(check, t->seed)) != b;
		}
	return n;
}

static uint32_t frame_to(uint8_t *f, const struct ms_tuple *tu, uint16_t port)
{
	static const uint8_t src[4] = { 192, 0, 2, 9 };

	return frame_ipv4(f, MS_PROTO_UDP, src, tu->addr, 4000, port, 8);
}

/*
 * Every registered tuple's frame goes to its owner, and the same address
 * one port below (a port nobody holds, the ports being even) to the host,
 * frame by frame after a hint, and in batches.
 */
static void check_decisions(struct ms_core *core, const struct ms_tuple *tuples,
			    const uint16_t *owners, uint32_t n)
{
	static uint8_t frames[2 * 64][128];
	const uint8_t *ptr[2 * 64];
	uint32_t len[2 * 64], i, k, wrong = 0;
	struct ms_decision out[2 * 64];

	for (i = 0; i < n; i += 64) {
		uint32_t m = n - i < 64 ? n - i : 64;

		for (k = 0; k < m; k++) {
			len[2 * k] = frame_to(frames[2 * k], &tuples[i + k], tuples[i + k].port);
			len[2 * k + 1] =
			    frame_to(frames[2 * k + 1], &tuples[i + k], tuples[i + k].port - 1);
			ptr[2 * k] = frames[2 * k];
			ptr[2 * k + 1] = frames[2 * k + 1];
		}
		for (k = 0; k < 2 * m; k++)
			ms_ingress_prefetch(core, ptr[k], len[k]);
		for (k = 0; k < 2 * m; k++) {
			struct ms_decision d = ms_ingress(core, ptr[k], len[k]);

			wrong += k % 2
				     ? d.verdict != MS_VERDICT_HOST
				     : d.verdict != MS_VERDICT_PORT || d.owner != owners[i + k / 2];
		}
		ms_ingress_batch(core, ptr, len, 2 * m, out);
		for (k = 0; k < 2 * m; k++)
			wrong += k % 2 ? out[k].verdict != MS_VERDICT_HOST
				       : out[k].verdict != MS_VERDICT_PORT ||
					     out[k].owner != owners[i + k / 2];
	}
	CHECK_EQ(wrong, 0);
}

static void test_away_count_follows_the_buckets(void)
{
	struct ms_tuple *tuples = calloc(TUPLES, sizeof(*tuples));
	uint16_t *owners = calloc(TUPLES, sizeof(*owners));
	struct ms_core *core;
	bool seen_pays = false, seen_not = false;
	uint32_t n = 0, i, pays;

	CHECK_EQ(ms_core_create(&core), MS_OK);
	/* First a run of even ports on one address, which the hash spreads
	 * more evenly than random keys (few buckets with keys away), then
	 * random addresses and even ports, which overflow their first bucket
	 * more often. */
	while (n < TUPLES) {
		tuples[n] = n < TUPLES / 2
				? tuple_v4(MS_PROTO_UDP, 0x0a000001, (uint16_t) (2 + 2 * n))
				: tuple_v4(MS_PROTO_UDP, 0x0a000000 | (rng() & 0xffffffu),
					   (uint16_t) (rng() & 0xfffeu) | 2u);
		owners[n] = (uint16_t) (1 + n % 200);
		if (ms_bind(core, &tuples[n], owners[n], NULL) != MS_OK)
			continue; /* drawn twice */
		n++;
		if (n % 997 == 0) {
			if (check_counts(core))
				seen_pays = true;
			else
				seen_not = true;
		}
	}
	CHECK(core->table->buckets >= MS_TABLE_LARGE_BUCKETS);
	CHECK(keys_in_other_bucket(core->table) > 0);
	CHECK(seen_pays);
	CHECK(seen_not);

	/* The same decisions whether the lookups fetch the other bucket or not. */
	pays = core->table->other_pays;
	core->table->other_pays = 0;
	check_decisions(core, tuples, owners, n);
	core->table->other_pays = 1;
	check_decisions(core, tuples, owners, n);
	core->table->other_pays = pays;

	for (i = 0; i < n; i += 2)
		CHECK_EQ(ms_unbind(core, &tuples[i], owners[i], NULL), MS_OK);
	check_counts(core);
	for (i = 1; i < n; i += 2)
		CHECK_EQ(ms_unbind(core, &tuples[i], owners[i], NULL), MS_OK);
	CHECK_EQ(core->table->away_buckets, 0);
	CHECK_EQ(core->table->other_pays, 0);
	CHECK_EQ(buckets_with_keys_away(core->table), 0);

	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
	free(tuples);
	free(owners);
}

int main(void)
{
	RUN(test_away_count_follows_the_buckets);
	return ms_test_failures ? 1 : 0;
}
