/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The read side of the tuple table, inline because it is the per-frame
 * cost: a hash, at most two bucket lines, one entry.
 */
#ifndef MULTISTACK_MS_TABLE_READ_H
#define MULTISTACK_MS_TABLE_READ_H

#include "ms_internal.h"

static inline uint64_t ms_hash(const struct ms_key *key, uint64_t seed)
{
	/* Three independent products, so the multiplies overlap; then one mix. */
	uint64_t h = ((key->w[0] ^ seed) * 0x9e3779b97f4a7c15ull) ^
		     ((key->w[1] + seed) * 0xc2b2ae3d27d4eb4full) ^
		     ((key->w[2] ^ (seed >> 23)) * 0x165667b19e3779f9ull);

	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	return h ^ (h >> 29);
}

static inline uint8_t hash_tag(uint64_t hash)
{
	uint8_t tag = (uint8_t) (hash >> 56);

	return tag ? tag : 1; /* 0 marks an empty slot */
}

static inline uint32_t first_bucket(const struct ms_table *t, uint64_t hash)
{
	return (uint32_t) hash & t->mask;
}

static inline uint32_t second_bucket(const struct ms_table *t, uint64_t hash)
{
	uint32_t b = (uint32_t) (hash >> 24) & t->mask;

	return b != first_bucket(t, hash) ? b : (first_bucket(t, hash) ^ 1) & t->mask;
}

static inline void ms_table_prefetch(const struct ms_table *table, uint64_t hash)
{
	MS_PREFETCH(&table->bucket[first_bucket(table, hash)]);
}

/*
 * Bit 7 of each byte of the result is set where a tag equals `tag` (and
 * possibly above such a byte, through the borrow: a false hit, which the
 * full key comparison rejects).  The eighth byte holds no slot and is
 * masked out.  Seven comparisons without a loop.
 */
static inline uint64_t tag_matches(uint64_t tags, uint8_t tag)
{
	uint64_t x = tags ^ (0x0101010101010101ull * tag);

	return (x - 0x0101010101010101ull) & ~x & 0x0080808080808080ull;
}

/* Once the bucket is near: the entry its first matching tag names. */
static inline void ms_table_prefetch_entry(const struct ms_table *table, uint64_t hash)
{
	const struct ms_bucket *b = &table->bucket[first_bucket(table, hash)];
	uint64_t tags, hits;

	__builtin_memcpy(&tags, b->tag, 8);
	hits = tag_matches(tags, hash_tag(hash));
	if (hits)
		MS_PREFETCH(MS_LOAD(&b->slot[__builtin_ctzll(hits) / 8]));
}

static MS_ALWAYS_INLINE struct ms_entry *bucket_find(const struct ms_bucket *b,
						     const struct ms_key *key, uint8_t tag)
{
	uint64_t tags, hits;

	/* The tag word races with writers' byte stores: a torn read only yields a
	 * false hit or a miss during a concurrent change, and every hit is
	 * confirmed against the entry's full key. */
	__builtin_memcpy(&tags, b->tag, 8);
	for (hits = tag_matches(tags, tag); hits; hits &= hits - 1) {
		struct ms_entry *e = MS_LOAD_ACQUIRE(&b->slot[__builtin_ctzll(hits) / 8]);

		if (e && ms_key_equal(&e->key, key))
			return e;
	}
	return (struct ms_entry *) 0;
}

static MS_ALWAYS_INLINE struct ms_entry *ms_table_find(const struct ms_table *t,
						       const struct ms_key *key, uint64_t hash)
{
	uint8_t tag = hash_tag(hash);
	struct ms_entry *e = bucket_find(&t->bucket[first_bucket(t, hash)], key, tag);

	return e ? e : bucket_find(&t->bucket[second_bucket(t, hash)], key, tag);
}

#endif /* MULTISTACK_MS_TABLE_READ_H */
