// SPDX-License-Identifier: BSD-2-Clause
/*
 * The tuple table: a two-choice hash of one-cache-line buckets.  A key
 * lives in one of two buckets, so a lookup touches at most two bucket
 * lines and one entry whatever the table size, and needs no lock: writers
 * publish a slot's entry before its tag and clear the tag before the
 * entry, and readers always confirm the full key.  Growing copies into a
 * new bucket array (with its own hash seed, so a reader never pairs one
 * array with another's seed), publishes it, and frees the old one after a
 * grace period.
 */
#include "ms_internal.h"
#include "ms_table_read.h"

#define MS_TABLE_MIN_BUCKETS 64u
/* Grow past half full: with two choices of six slots, overflow stays rare. */
#define MS_TABLE_MAX_LOAD_NUM 1u
#define MS_TABLE_MAX_LOAD_DEN 2u

struct ms_table *ms_table_alloc(uint32_t buckets, uint64_t seed)
{
	size_t bytes = sizeof(struct ms_table) + (size_t) buckets * sizeof(struct ms_bucket);
	struct ms_table *t = (struct ms_table *) ms_os_zalloc_large(bytes);

	if (!t)
		return t;
	t->mask = buckets - 1;
	t->seed = seed;
	t->bytes = bytes;
	return t;
}

void ms_table_free_now(struct ms_table *table)
{
	ms_os_free_large(table, table->bytes);
}

static void table_free_deferred(struct ms_deferred *head)
{
	ms_table_free_now(MS_CONTAINER_OF(head, struct ms_table, deferred));
}

static int bucket_free_slot(const struct ms_bucket *b)
{
	int i;

	for (i = 0; i < MS_BUCKET_SLOTS; i++)
		if (!b->slot[i])
			return i;
	return -1;
}

static unsigned bucket_used(const struct ms_bucket *b)
{
	unsigned i, used = 0;

	for (i = 0; i < MS_BUCKET_SLOTS; i++)
		used += b->slot[i] != (struct ms_entry *) 0;
	return used;
}

/* Places an entry in the emptier of its two buckets; false when both are full. */
static bool table_place(struct ms_table *t, struct ms_entry *e)
{
	uint64_t hash = ms_hash(&e->key, t->seed);
	struct ms_bucket *b1 = &t->bucket[first_bucket(t, hash)];
	struct ms_bucket *b2 = &t->bucket[second_bucket(t, hash)];
	struct ms_bucket *b = bucket_used(b2) < bucket_used(b1) ? b2 : b1;
	int i = bucket_free_slot(b);

	if (i < 0)
		return false;
	MS_STORE_RELEASE(&b->slot[i], e);
	MS_STORE_RELEASE(&b->tag[i], hash_tag(hash));
	return true;
}

/* Rebuilds the table at a new size (and seed) and publishes it. */
static enum ms_status table_rebuild(struct ms_core *core, uint32_t buckets)
{
	struct ms_table *old = core->table, *t;
	uint64_t seed = old->seed;
	unsigned attempt;

	for (attempt = 0; attempt < 4; attempt++) {
		uint32_t i;
		unsigned s;
		bool ok = true;

		t = ms_table_alloc(buckets, seed);
		if (!t)
			return MS_ERR_NOMEM;
		for (i = 0; ok && i <= old->mask; i++)
			for (s = 0; ok && s < MS_BUCKET_SLOTS; s++)
				if (old->bucket[i].slot[s])
					ok = table_place(t, old->bucket[i].slot[s]);
		if (ok) {
			/* Readers that already hold the old array keep it until a grace period. */
			core->bytes += t->bytes;
			core->bytes -= old->bytes;
			MS_STORE_RELEASE(&core->table, t);
			ms_os_defer_free(&old->deferred, table_free_deferred);
			return MS_OK;
		}
		ms_table_free_now(t);
		seed = ms_os_random_u64(); /* an unlucky seed: try another, then a bigger table */
		if (attempt >= 1)
			buckets *= 2;
	}
	return MS_ERR_NOMEM;
}

enum ms_status ms_table_insert(struct ms_core *core, struct ms_entry *e)
{
	struct ms_table *t = core->table;
	uint64_t entries = (uint64_t) core->count + 1;
	uint64_t slots = ((uint64_t) t->mask + 1) * MS_BUCKET_SLOTS;
	enum ms_status st;

	if (entries * MS_TABLE_MAX_LOAD_DEN > slots * MS_TABLE_MAX_LOAD_NUM) {
		if ((uint64_t) t->mask + 1 >= (1ull << 31) / sizeof(struct ms_bucket))
			return MS_ERR_NOMEM;
		st = table_rebuild(core, (t->mask + 1) * 2);
		if (st != MS_OK)
			return st;
	}
	if (table_place(core->table, e))
		return MS_OK;
	st = table_rebuild(core, core->table->mask + 1);
	if (st != MS_OK)
		return st;
	return table_place(core->table, e) ? MS_OK : MS_ERR_NOMEM;
}

void ms_table_remove(struct ms_core *core, struct ms_entry *e)
{
	struct ms_table *t = core->table;
	uint64_t hash = ms_hash(&e->key, t->seed);
	struct ms_bucket *b[2] = { &t->bucket[first_bucket(t, hash)],
				   &t->bucket[second_bucket(t, hash)] };
	unsigned i, s;

	for (i = 0; i < 2; i++)
		for (s = 0; s < MS_BUCKET_SLOTS; s++)
			if (b[i]->slot[s] == e) {
				MS_STORE_RELEASE(&b[i]->tag[s], 0);
				MS_STORE_RELEASE(&b[i]->slot[s], (struct ms_entry *) 0);
				return;
			}
}

/* The initial table for a new core. */
enum ms_status ms_table_init(struct ms_core *core)
{
	core->table = ms_table_alloc(MS_TABLE_MIN_BUCKETS, ms_os_random_u64());
	if (!core->table)
		return MS_ERR_NOMEM;
	core->bytes += core->table->bytes;
	return MS_OK;
}
