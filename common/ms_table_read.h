/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The read side of the tuple table, inline because it is the per-frame
 * cost: a hash and one bucket line (two at most); for IPv6 the data path
 * first finds its address's number in the address index
 * (ms_addr6_index.h), the general path its address's record here.  A hit
 * is counted in the tally next to its slot, in the same line.
 *
 * A slot's check word answers a tuple's lookup from the bucket line alone:
 *   bits  0..51  a tuple's or claim's key itself (IPv4 address or IPv6
 *                address number, port, a 3-bit protocol class, kind), or
 *                for an address record 52 bits of its key's hash;
 *   bit  52      set when bits 0..51 are the key itself (exact);
 *   bit  53      set in every occupied slot;
 *   bit  54      set in an exact IPv6 key (its address is a number);
 *   bits 56..63  the owner.
 * An exact match is therefore a hit without reading the entry; an address
 * record's match is confirmed against the record's address.
 */
#ifndef MULTISTACK_MS_TABLE_READ_H
#define MULTISTACK_MS_TABLE_READ_H

#include "ms_internal.h"

_Static_assert(MS_MAX_OWNERS <= 256, "owners must fit the check word's top byte");
_Static_assert(sizeof(struct ms_bucket) == 64, "a bucket is one cache line");
_Static_assert(sizeof(struct ms_entry) == 32 && sizeof(struct ms_addr6) == 64,
	       "entry sizes as counted");
_Static_assert(MS_BUCKET_SLOTS == 3, "ms_bucket_mask() compares three slots without a loop");

#define MS_CHECK_EXACT	   (1ull << 52)
#define MS_CHECK_USED	   (1ull << 53)
#define MS_CHECK_V6	   (1ull << 54)
#define MS_CHECK_KEY_MASK  ((1ull << 56) - 1)
#define MS_CHECK_OWNER_BIT 56

_Static_assert(MS_ENTRY_EXACT == MS_CHECK_EXACT, "an exact entry's word is its check word");

/*
 * The protocols a key can hold (0 for claims, TCP, UDP, DCCP, SCTP,
 * UDP-Lite) in three bits: (p ^ p >> 3) & 7 tells them apart, and the byte
 * of this constant at that index says which protocol owns it; anything
 * else is class 7, which no stored key has.
 */
#define MS_PROTO_CLASS_OWNERS 0xff06218411ff8800ull

static inline uint64_t ms_proto_class(uint8_t proto)
{
	unsigned c = (proto ^ (proto >> 3)) & 7u;

	return (uint8_t) (MS_PROTO_CLASS_OWNERS >> (c * 8)) == proto ? c : 7u;
}

/* The check word of an IPv4 key, owner bits aside: the key itself. */
static MS_ALWAYS_INLINE uint64_t ms_check4(uint32_t addr, uint16_t port, uint64_t proto_class,
					   uint64_t kind)
{
	return addr | (uint64_t) port << 32 | proto_class << 48 | kind << 51 | MS_CHECK_EXACT |
	       MS_CHECK_USED;
}

/* An IPv6 tuple's or claim's, by its address's number. */
static MS_ALWAYS_INLINE uint64_t ms_check6(uint32_t number, uint16_t port, uint64_t proto_class,
					   uint64_t kind)
{
	return ms_check4(number, port, proto_class, kind) | MS_CHECK_V6;
}

/* Whether a key is its own check word: every key but an address record's. */
static MS_ALWAYS_INLINE bool ms_key_exact(const struct ms_key *key)
{
	return (key->w[2] >> 32) != MS_KIND_ADDR;
}

static MS_ALWAYS_INLINE uint64_t ms_check_exact_of(const struct ms_key *key)
{
	uint64_t check =
	    ms_check4((uint32_t) key->w[0], (uint16_t) key->w[2],
		      ms_proto_class((uint8_t) (key->w[2] >> 16)), (key->w[2] >> 32) & 1u);

	return (uint8_t) (key->w[2] >> 24) == MS_FAMILY_INET6 ? check | MS_CHECK_V6 : check;
}

/*
 * An exact key's hash: its check word (which is the key) times a constant,
 * high half.  One multiply, because the data path pays for every
 * instruction (ms_decide.c); the seed, which no user sees and every table
 * draws anew, keeps placements out of a registering user's control.  The
 * key's other bucket takes another multiply of the same word
 * (ms_other_bucket()).
 */
static MS_ALWAYS_INLINE uint64_t ms_hash4(uint64_t check, uint64_t seed)
{
	return (((check & MS_CHECK_KEY_MASK) ^ seed) * 0xc2b2ae3d27d4eb4full) >> 32;
}

/*
 * An address record's: all 128 address bits, the port, protocol, family and
 * kind go through three independent products (the multiplies overlap), then
 * one mixing round.  Every other key's is ms_hash4() of its check word.
 */
static inline uint64_t ms_hash(const struct ms_key *key, uint64_t seed)
{
	uint64_t h;

	if (ms_key_exact(key))
		return ms_hash4(ms_check_exact_of(key), seed);
	h = ((key->w[0] ^ seed) * 0x9e3779b97f4a7c15ull) ^
	    ((key->w[1] + seed) * 0xc2b2ae3d27d4eb4full) ^
	    ((key->w[2] ^ (seed >> 23)) * 0x165667b19e3779f9ull);

	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	return h ^ (h >> 29);
}

/* The check word a slot holding this key has, owner bits aside. */
static MS_ALWAYS_INLINE uint64_t ms_check_of(const struct ms_key *key, uint64_t hash)
{
	if (ms_key_exact(key))
		return ms_check_exact_of(key);
	return (hash >> 12 & (MS_CHECK_EXACT - 1)) | MS_CHECK_USED;
}

/*
 * A 32-bit value onto [0, buckets) by multiplying and keeping the high half:
 * no division, and the bucket count need not be a power of two, so a table
 * grows by a quarter at a time instead of doubling (and halving its load).
 */
static inline uint32_t ms_bucket_of(const struct ms_table *t, uint32_t x)
{
	return (uint32_t) (((uint64_t) x * t->buckets) >> 32);
}

static inline uint32_t ms_first_bucket(const struct ms_table *t, uint64_t hash)
{
	return ms_bucket_of(t, (uint32_t) hash);
}

/*
 * The other bucket of a key is a mix of its check word, m, minus its bucket
 * (modulo the bucket count): from either bucket the other is m minus it, so
 * a writer finds it from the slot alone, never reading the entry.  For the
 * rare key whose two buckets coincide (twice its bucket is m) that one
 * bucket is all it has.
 */
static inline uint32_t ms_other_bucket(const struct ms_table *t, uint32_t bucket, uint64_t check)
{
	uint64_t x = ((check & MS_CHECK_KEY_MASK) ^ t->seed) * 0x9e3779b97f4a7c15ull;
	uint32_t m = ms_bucket_of(t, (uint32_t) (x >> 32));

	return m >= bucket ? m - bucket : m + (t->buckets - bucket);
}

/* Below this many buckets (256 KiB) the table stays in cache and prefetching only costs. */
#define MS_TABLE_LARGE_BUCKETS 4096u

/*
 * A key's first bucket, and its other one (where a miss must look too when
 * the first has keys away) while the table says that pays.
 */
static inline void ms_table_prefetch(const struct ms_table *table, uint64_t hash, uint64_t check)
{
	uint32_t first = ms_first_bucket(table, hash);

	MS_PREFETCH(&table->bucket[first]);
	if (MS_LOAD(&table->other_pays))
		MS_PREFETCH(&table->bucket[ms_other_bucket(table, first, check)]);
}

/* An address record's key against a lookup's (other entries have none: the check word is it). */
static inline bool ms_entry_has_key(const struct ms_entry *e, const struct ms_key *key)
{
	const struct ms_addr6 *a = ms_addr6_of_const(e);

	return ((a->addr[0] ^ key->w[0]) | (a->addr[1] ^ key->w[1]) | (a->meta ^ key->w[2])) == 0;
}

/* Which of a bucket's slots hold this check word (owner bits aside), as bits 0..2. */
static MS_ALWAYS_INLINE unsigned ms_bucket_mask(const struct ms_bucket *b, uint64_t check)
{
	return (unsigned) (((MS_LOAD_ACQUIRE(&b->slot[0].check) ^ check) & MS_CHECK_KEY_MASK) ==
			   0) |
	       (unsigned) (((MS_LOAD_ACQUIRE(&b->slot[1].check) ^ check) & MS_CHECK_KEY_MASK) == 0)
		   << 1 |
	       (unsigned) (((MS_LOAD_ACQUIRE(&b->slot[2].check) ^ check) & MS_CHECK_KEY_MASK) == 0)
		   << 2;
}

/*
 * Whether a slot of the bucket matches the key; *owner is the owner in the
 * check word that matched, *entry the slot's entry and *tally its tally.  A
 * slot may change under a reader: writers fill entry before check (release)
 * and empty a slot by clearing check alone, so an entry loaded after a matching
 * check is valid memory until the read-side section ends, but may already be
 * another key's (the slot emptied and filled again in between).  An address
 * record's match is checked against the record's key; an exact match is
 * believed from the check word alone: its owner is right, and the entry and
 * tally are only good for counting.  Under the writers' lock nothing
 * changes, and the entry is the key's own.
 *
 * With `branchless`, the slots are compared into a bit mask and the first
 * match taken from it, without a branch per slot: in a table larger than
 * the cache, which slot holds a key is random, and a mispredicted branch
 * would throw away the work the processor started meanwhile on the next
 * frames (their cache misses).  A small table is faster with the branches.
 */
static MS_ALWAYS_INLINE bool ms_bucket_match(struct ms_bucket *b, const struct ms_key *key,
					     uint64_t check, bool branchless, uint16_t *owner,
					     struct ms_entry **entry, uint32_t **tally)
{
	unsigned i, matches;

	if (!branchless) {
		for (i = 0; i < MS_BUCKET_SLOTS; i++) {
			uint64_t c = MS_LOAD_ACQUIRE(&b->slot[i].check);
			struct ms_entry *e;

			if ((c ^ check) & MS_CHECK_KEY_MASK)
				continue;
			e = MS_LOAD(&b->slot[i].entry);
			if ((check & MS_CHECK_EXACT) || ms_entry_has_key(e, key)) {
				*owner = (uint16_t) (c >> MS_CHECK_OWNER_BIT);
				*entry = e;
				*tally = &b->tally[i];
				return true;
			}
		}
		return false;
	}
	for (matches = ms_bucket_mask(b, check); matches; matches &= matches - 1) {
		struct ms_entry *e;
		uint64_t c;

		/* Read again for its owner: a slot refilled since the comparison
		 * holds another key. */
		i = (unsigned) __builtin_ctz(matches);
		c = MS_LOAD_ACQUIRE(&b->slot[i].check);
		if ((c ^ check) & MS_CHECK_KEY_MASK)
			continue;
		e = MS_LOAD(&b->slot[i].entry);
		if ((check & MS_CHECK_EXACT) || ms_entry_has_key(e, key)) {
			*owner = (uint16_t) (c >> MS_CHECK_OWNER_BIT);
			*entry = e;
			*tally = &b->tally[i];
			return true;
		}
	}
	return false;
}

/*
 * The lookup once more, as often as writers move slots under it
 * (ms_table.c).  Its arguments and results go by value, so that the common
 * lookup's key, owner and tally need no address and stay in registers.
 */
struct ms_found {
	struct ms_entry *entry;
	uint32_t *tally;
	uint16_t owner;
};

struct ms_found ms_table_lookup_again(struct ms_table *t, struct ms_key key, uint64_t check,
				      uint32_t first);

/*
 * A miss is only believed if no writer moved a slot between buckets
 * meanwhile: a move publishes the new place, bumps moves, then clears the
 * old place.  A confirmed match that turns out to be another key's is a
 * miss of the same kind: the key left that slot by a move.  The second
 * bucket is searched only when some key of the first lives away from it
 * (struct ms_bucket's away).  The rare lookup that raced with a move is
 * done again out of line, so that the common one keeps nothing alive for a
 * second round.
 */
static MS_ALWAYS_INLINE struct ms_entry *
ms_table_lookup_in(struct ms_table *t, const struct ms_key *key, uint64_t check, uint32_t first,
		   bool branchless, uint16_t *owner, uint32_t **tally)
{
	uint32_t moves = MS_LOAD_ACQUIRE(&t->moves);
	struct ms_entry *e = (struct ms_entry *) 0;
	struct ms_found found;

	if (MS_LIKELY(
		ms_bucket_match(&t->bucket[first], key, check, branchless, owner, &e, tally) ||
		(MS_LOAD_ACQUIRE(&t->bucket[first].away) &&
		 ms_bucket_match(&t->bucket[ms_other_bucket(t, first, check)], key, check,
				 branchless, owner, &e, tally))))
		return e;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (MS_LIKELY(MS_LOAD(&t->moves) == moves))
		return (struct ms_entry *) 0;
	found = ms_table_lookup_again(t, *key, check, first);
	*owner = found.owner;
	*tally = found.tally;
	return found.entry;
}

/*
 * A large table's second bucket is loaded alongside the first (a miss, or a
 * key a writer displaced, then waits for one cache miss, not two), and its
 * buckets are searched without a branch per slot.
 */
static MS_ALWAYS_INLINE struct ms_entry *ms_table_lookup(struct ms_table *t,
							 const struct ms_key *key, uint64_t hash,
							 uint16_t *owner, uint32_t **tally)
{
	uint64_t check = ms_check_of(key, hash);
	uint32_t first = ms_first_bucket(t, hash);

	if (t->buckets < MS_TABLE_LARGE_BUCKETS)
		return ms_table_lookup_in(t, key, check, first, false, owner, tally);
	MS_PREFETCH(&t->bucket[ms_other_bucket(t, first, check)]);
	return ms_table_lookup_in(t, key, check, first, true, owner, tally);
}

/*
 * The data path's lookup of an exact key, for the frames of the fast path
 * (ms_decide.c): the check word is the key, so a bucket line answers alone,
 * and the answer is a bucket and slot, kept in registers, with no entry.
 * The retry after a writer's move is left to the caller (UNSURE), as the
 * general lookup would do it, so that this one keeps nothing alive for it.
 */
enum ms_probe {
	MS_PROBE_MISS,	 /* no slot holds the key, and no writer moved one meanwhile */
	MS_PROBE_HIT,	 /* bucket->slot[slot] does, and owner_check is its check word */
	MS_PROBE_UNSURE, /* a writer moved slots meanwhile: ask the general lookup */
};

struct ms_probe_at {
	struct ms_bucket *bucket;
	uint64_t owner_check;
	unsigned slot;
};

/* A table in the cache: a branch per slot (see ms_bucket_match()). */
static MS_ALWAYS_INLINE bool ms_bucket_find(struct ms_bucket *b, uint64_t check,
					    struct ms_probe_at *p)
{
	unsigned i;

	for (i = 0; i < MS_BUCKET_SLOTS; i++) {
		p->owner_check = MS_LOAD_ACQUIRE(&b->slot[i].check);
		if (((p->owner_check ^ check) & MS_CHECK_KEY_MASK) == 0) {
			p->bucket = b;
			p->slot = i;
			return true;
		}
	}
	return false;
}

static MS_ALWAYS_INLINE enum ms_probe ms_table_probe(struct ms_table *t, uint64_t check,
						     struct ms_probe_at *p)
{
	uint32_t first = ms_first_bucket(t, ms_hash4(check, t->seed));
	uint32_t moves = MS_LOAD_ACQUIRE(&t->moves);
	struct ms_bucket *b = &t->bucket[first];
	unsigned mask;

	if (t->buckets < MS_TABLE_LARGE_BUCKETS) {
		if (MS_LIKELY(ms_bucket_find(b, check, p)) ||
		    (MS_LOAD_ACQUIRE(&b->away) &&
		     ms_bucket_find(&t->bucket[ms_other_bucket(t, first, check)], check, p)))
			return MS_PROBE_HIT;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		return MS_LIKELY(MS_LOAD(&t->moves) == moves) ? MS_PROBE_MISS : MS_PROBE_UNSURE;
	}
	if (MS_LOAD(&t->other_pays)) /* MS_TABLE_AWAY_SHARE */
		MS_PREFETCH(&t->bucket[ms_other_bucket(t, first, check)]);
	mask = ms_bucket_mask(b, check);
	if (MS_UNLIKELY(!mask)) {
		if (MS_LOAD_ACQUIRE(&b->away)) {
			b = &t->bucket[ms_other_bucket(t, first, check)];
			mask = ms_bucket_mask(b, check);
		}
		if (!mask) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			return MS_LIKELY(MS_LOAD(&t->moves) == moves) ? MS_PROBE_MISS
								      : MS_PROBE_UNSURE;
		}
	}
	p->bucket = b;
	p->slot = (unsigned) __builtin_ctz(mask);
	/* Read again for its owner: a slot emptied and refilled since the
	 * comparison holds another key, and the general lookup decides. */
	p->owner_check = MS_LOAD_ACQUIRE(&b->slot[p->slot].check);
	if (MS_UNLIKELY((p->owner_check ^ check) & MS_CHECK_KEY_MASK))
		return MS_PROBE_UNSURE;
	return MS_PROBE_HIT;
}

/*
 * The key's entry and its owner, or NULL.  A reader may be given another
 * key's entry (ms_bucket_match()): good for counting, never to be read.  Under the writers' lock it
 * is the key's own.
 */
static MS_ALWAYS_INLINE struct ms_entry *ms_table_find(struct ms_table *t, const struct ms_key *key,
						       uint64_t hash, uint16_t *owner)
{
	uint32_t *tally;

	return ms_table_lookup(t, key, hash, owner, &tally);
}

/*
 * An IPv6 address's record, or NULL: its number keys the address's tuples
 * and claims.  A reader that decides with the number must then see the
 * record still live (struct ms_addr6).
 */
static MS_ALWAYS_INLINE struct ms_addr6 *ms_addr6_find(struct ms_table *t, const uint8_t *addr)
{
	struct ms_entry *e;
	struct ms_key key;
	uint16_t owner;

	ms_key_addr6(&key, addr);
	e = ms_table_find(t, &key, ms_hash(&key, t->seed), &owner);
	return e ? ms_addr6_of(e) : (struct ms_addr6 *) 0;
}

/* Whether a number read from this record still stands for its address. */
static MS_ALWAYS_INLINE bool ms_addr6_live(const struct ms_addr6 *a)
{
	return MS_LOAD(&a->live) != 0;
}

/*
 * Counts a hit in the slot's tally, in the bucket line the lookup already
 * holds.  Plain stores, as the entry's counters: a hit may be lost when
 * several CPUs hit one tuple at once.  A tally that would overflow goes to
 * the entry with this hit (one entry write per thousand hits at most).
 */
void ms_tally_fold(uint32_t *tally, struct ms_entry *e, uint32_t len);

/* As ms_tally_hit(), for a probe's bucket and slot: the entry is read only to fold. */
void ms_tally_fold_slot(struct ms_bucket *b, unsigned slot, uint32_t len);

static MS_ALWAYS_INLINE void ms_tally_hit_slot(struct ms_bucket *b, unsigned slot, uint32_t len)
{
	uint32_t *tally = &b->tally[slot];
	uint32_t t = MS_LOAD(tally);

	if (MS_LIKELY(t < MS_TALLY_FULL && len <= MS_TALLY_BYTE_MASK - (t & MS_TALLY_BYTE_MASK)))
		MS_STORE(tally, t + MS_TALLY_PACKET + len);
	else
		ms_tally_fold_slot(b, slot, len);
}

static MS_ALWAYS_INLINE void ms_tally_hit(uint32_t *tally, struct ms_entry *e, uint32_t len)
{
	uint32_t t = MS_LOAD(tally);

	if (MS_LIKELY(t < MS_TALLY_FULL && len <= MS_TALLY_BYTE_MASK - (t & MS_TALLY_BYTE_MASK)))
		MS_STORE(tally, t + MS_TALLY_PACKET + len);
	else
		ms_tally_fold(tally, e, len);
}

#endif /* MULTISTACK_MS_TABLE_READ_H */
