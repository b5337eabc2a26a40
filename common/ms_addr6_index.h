/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The data path's map from an IPv6 address to its number (struct ms_addr6):
 * a small set-associative array the writers rebuild and publish whole
 * whenever an address gets or loses its number.  An address is found from
 * one cache line, with two multiplies and no pointer to follow, where the
 * table's own lookup of its record costs a mixing hash, a bucket line and
 * the record.
 *
 * A published index only gains addresses, each written into an empty slot
 * before its number (release), which readers load first (acquire): a reader
 * sees a slot empty or whole.  A retired address stays in the index until the
 * next rebuild, and its number stays out of use as long: a number in the
 * index keys nothing but that address's registrations, or nothing.  Numbers
 * go round again only once a rebuild has published an index without them,
 * so a reader that decided with a number checks afterwards that the index it
 * read is still the published one, as it would check a record's live word.
 * With no index published (too many addresses, or no memory for the last
 * rebuild) every IPv6 frame takes the general path, which finds records in
 * the table.
 */
#ifndef MULTISTACK_MS_ADDR6_INDEX_H
#define MULTISTACK_MS_ADDR6_INDEX_H

#include "ms_internal.h"

#define MS_ADDR6_SET_SLOTS 3

/* One cache line: three addresses and their numbers; an empty slot holds ::, with no number. */
struct ms_addr6_set {
	uint64_t addr[MS_ADDR6_SET_SLOTS][2];
	uint32_t number[MS_ADDR6_SET_SLOTS]; /* MS_NUMBER_NONE when empty */
	uint32_t pad;
} __attribute__((__aligned__(64)));

_Static_assert(sizeof(struct ms_addr6_set) == 64, "a set is one cache line");

struct ms_addr6_index {
	uint64_t seed;
	uint32_t mask;	/* sets - 1; sets is a power of two, 32 or more */
	uint32_t shift; /* 64 - log2(sets) */
	uint32_t used;	/* slots holding an address, retired ones included (writers) */
	size_t bytes;
	struct ms_deferred deferred;
	struct ms_addr6_set set[];
};

/*
 * Which set an address is in: the top bits of two independent products of
 * its halves, which depend on every bit of their inputs.  The seed, drawn
 * anew at every rebuild, keeps a registering user from choosing addresses
 * that share a set; a rebuild whose sets overflow draws another.
 */
static MS_ALWAYS_INLINE uint32_t ms_addr6_set_of(const struct ms_addr6_index *x, uint64_t hi,
						 uint64_t lo)
{
	uint64_t h =
	    ((hi ^ x->seed) * 0x9e3779b97f4a7c15ull) ^ ((lo + x->seed) * 0xc2b2ae3d27d4eb4full);

	return (uint32_t) (h >> x->shift);
}

/* The number of an address the index holds, or MS_NUMBER_NONE (:: included). */
static MS_ALWAYS_INLINE uint32_t ms_addr6_index_number(const struct ms_addr6_index *x,
						       const uint8_t *addr)
{
	const struct ms_addr6_set *s;
	uint64_t hi, lo;
	unsigned i;

	__builtin_memcpy(&hi, addr, 8);
	__builtin_memcpy(&lo, addr + 8, 8);
	s = &x->set[ms_addr6_set_of(x, hi, lo)];
	/* Few addresses, twice as many sets: an address is nearly always alone
	 * in its set, in its first slot. */
	for (i = 0; i < MS_ADDR6_SET_SLOTS; i++) {
		uint32_t n = MS_LOAD_ACQUIRE(&s->number[i]);

		if (((MS_LOAD(&s->addr[i][0]) ^ hi) | (MS_LOAD(&s->addr[i][1]) ^ lo)) == 0)
			return n;
	}
	return MS_NUMBER_NONE;
}

/* Writers, under the core's lock (ms_addr6_index.c). */
bool ms_addr6_index_try_add(struct ms_core *core, const struct ms_addr6 *a);
void ms_addr6_index_rebuild(struct ms_core *core);
void ms_addr6_index_destroy(struct ms_core *core);

#endif /* MULTISTACK_MS_ADDR6_INDEX_H */
