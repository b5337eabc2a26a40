// SPDX-License-Identifier: BSD-2-Clause
/*
 * The tuple table: open addressing over one-cache-line buckets of three
 * slots, each key in one of two buckets (cuckoo hashing).  A lookup reads
 * at most two bucket lines, and for IPv4 decides and counts in them alone
 * (the check word holds the whole key and the owner, ms_table_read.h, and
 * each slot has a tally of its hits next to it).  A key's second
 * bucket derives from its first and its check word, so making room reads
 * bucket lines only.  Readers take
 * no lock; writers are serialised by the core's lock and
 *   - fill a slot's entry before its check word, and empty a slot by
 *     clearing the check word only;
 *   - make room by moving entries to their other bucket along a path found
 *     breadth first, each move publishing the new place, bumping the table's
 *     moves counter and only then clearing the old place, so that a reader
 *     that missed during a move sees the counter change and looks again;
 *   - grow by building a new bucket array a quarter larger (any bucket count
 *     works, ms_first_bucket()) with its own seed, publishing it, and
 *     freeing the old one after a grace period;
 *   - start a slot's tally at 0 when they fill it, and fold it into the
 *     entry when they move the entry away (or publish a new array), after
 *     the old place stops being found: only hits that raced with the move
 *     are lost, as concurrent hits on one tuple may be.
 * Slots count tuples and claims alike: a table fuller than 90% grows, and
 * an insertion only fails when memory does.
 */
#include "ms_internal.h"
#include "ms_table_read.h"

#define MS_TABLE_MIN_BUCKETS 16u
#define MS_TABLE_MAX_BUCKETS (1u << 25) /* 2 GiB of buckets */
#define MS_TABLE_LOAD_PCT    90u
/* A growth adds this much (in percent): from 90% full to 72% full. */
#define MS_TABLE_GROWTH_PCT 25u
#define MS_SEARCH_ROOT	    0xffffu

struct ms_table *ms_table_alloc(uint32_t buckets, uint64_t seed)
{
	size_t bytes = sizeof(struct ms_table) + (size_t) buckets * sizeof(struct ms_bucket);
	struct ms_table *t = (struct ms_table *) ms_os_zalloc_large(bytes);

	if (!t)
		return t;
	t->buckets = buckets;
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

struct ms_found ms_table_lookup_again(struct ms_table *t, struct ms_key key, uint64_t check,
				      uint32_t first)
{
	struct ms_found found = { (struct ms_entry *) 0, (uint32_t *) 0, 0 };
	uint32_t moves;

	do {
		moves = MS_LOAD_ACQUIRE(&t->moves);
		if (ms_bucket_match(&t->bucket[first], &key, check, false, &found.owner,
				    &found.entry, &found.tally) ||
		    ms_bucket_match(&t->bucket[ms_other_bucket(t, first, check)], &key, check,
				    false, &found.owner, &found.entry, &found.tally))
			return found;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (MS_LOAD(&t->moves) != moves);
	found.entry = (struct ms_entry *) 0;
	return found;
}

/* An exact entry's word is its check word; an address record's key is hashed. */
static uint64_t entry_hash(const struct ms_table *t, const struct ms_entry *e, uint64_t *check)
{
	struct ms_key key;
	uint64_t hash;

	if (ms_entry_exact(e)) {
		*check = e->word;
		return ms_hash4(e->word, t->seed);
	}
	ms_entry_key(e, &key);
	hash = ms_hash(&key, t->seed);
	*check = ms_check_of(&key, hash) | (uint64_t) ms_entry_owner(e) << MS_CHECK_OWNER_BIT;
	return hash;
}

void ms_entry_key(const struct ms_entry *e, struct ms_key *key)
{
	const struct ms_addr6 *a;
	uint64_t w = e->word;

	if (ms_entry_exact(e)) { /* the inverse of ms_check_exact_of() */
		key->w[0] = (uint32_t) w;
		key->w[1] = 0;
		key->w[2] = ms_key_meta((w & MS_CHECK_V6) ? MS_FAMILY_INET6 : MS_FAMILY_INET,
					(uint8_t) (MS_PROTO_CLASS_OWNERS >> ((w >> 48 & 7u) * 8)),
					(uint16_t) (w >> 32), (unsigned) (w >> 51 & 1u));
		return;
	}
	a = ms_addr6_of_const(e);
	key->w[0] = a->addr[0];
	key->w[1] = a->addr[1];
	key->w[2] = a->meta;
}

/* An address record belongs to no port: its slot's owner byte is 0. */
uint16_t ms_entry_owner(const struct ms_entry *e)
{
	return ms_entry_exact(e) ? (uint16_t) (e->word >> MS_CHECK_OWNER_BIT) : 0u;
}

/* An entry's first bucket in this table. */
static uint32_t entry_first(const struct ms_table *t, const struct ms_entry *e)
{
	uint64_t check;

	return ms_first_bucket(t, entry_hash(t, e, &check));
}

/*
 * Keeps a first bucket's count of its keys that sit in their other bucket:
 * raised before such a key shows in its other bucket (so before it leaves
 * its first), lowered after it has left its other bucket.
 */
static void away_add(struct ms_table *t, uint32_t first, int delta)
{
	uint32_t was = t->bucket[first].away, now = was + (uint32_t) delta;

	MS_STORE_RELEASE(&t->bucket[first].away, now);
	if ((was == 0) != (now == 0)) {
		t->away_buckets += now ? 1u : (uint32_t) -1;
		MS_STORE(
		    &t->other_pays,
		    (uint32_t) ((uint64_t) t->away_buckets * MS_TABLE_AWAY_SHARE >= t->buckets));
	}
}

/* A tally into the entry's counters (writers, or a reader whose tally is full). */
static void tally_fold(uint32_t tally, struct ms_entry *e)
{
	MS_STORE(&e->packets, MS_LOAD(&e->packets) + (tally >> MS_TALLY_BYTE_BITS));
	MS_STORE(&e->bytes, MS_LOAD(&e->bytes) + (tally & MS_TALLY_BYTE_MASK));
}

__attribute__((__noinline__, __cold__)) void ms_tally_fold(uint32_t *tally, struct ms_entry *e,
							   uint32_t len)
{
	uint32_t t = MS_LOAD(tally);

	MS_STORE(tally, 0u);
	tally_fold(t, e);
	MS_STORE(&e->packets, MS_LOAD(&e->packets) + 1);
	MS_STORE(&e->bytes, MS_LOAD(&e->bytes) + len);
}

__attribute__((__noinline__, __cold__)) void ms_tally_fold_slot(struct ms_bucket *b, unsigned slot,
								uint32_t len)
{
	/* The slot's entry while it matched, or one that took the slot since: a
	 * hit racing with its tuple's removal, counted as a hit may be on a
	 * reused slot (ms_table_read.h). */
	ms_tally_fold(&b->tally[slot], MS_LOAD(&b->slot[slot].entry), len);
}

static int free_slot(const struct ms_bucket *b)
{
	int i;

	for (i = 0; i < MS_BUCKET_SLOTS; i++)
		if (!b->slot[i].check)
			return i;
	return -1;
}

static void slot_fill(struct ms_bucket *b, int i, struct ms_entry *e, uint64_t check)
{
	MS_STORE(&b->tally[i], 0u);
	MS_STORE(&b->slot[i].entry, e);
	MS_STORE_RELEASE(&b->slot[i].check, check);
}

static bool on_path(const struct ms_search_node *q, unsigned node, uint32_t bucket)
{
	for (;; node = q[node].parent) {
		if (q[node].bucket == bucket)
			return true;
		if (q[node].parent == MS_SEARCH_ROOT)
			return false;
	}
}

/*
 * Breadth first from the two buckets of a new key: the first bucket with a
 * free slot that a chain of moves (each entry to its other bucket) reaches.
 * Returns its node in core->search, or -1.  Nothing is changed.
 */
static int search_room(struct ms_core *core, const struct ms_table *t, uint32_t b1, uint32_t b2)
{
	struct ms_search_node *q = core->search;
	unsigned head, tail = 2, s;

	q[0].bucket = b1;
	q[1].bucket = b2;
	q[0].parent = q[1].parent = MS_SEARCH_ROOT;
	for (head = 0; head < tail; head++) {
		const struct ms_bucket *b = &t->bucket[q[head].bucket];

		if (free_slot(b) >= 0)
			return (int) head;
		for (s = 0; s < MS_BUCKET_SLOTS && tail < MS_TABLE_SEARCH_NODES; s++) {
			uint32_t next = ms_other_bucket(t, q[head].bucket, b->slot[s].check);

			if (on_path(q, head, next))
				continue;
			q[tail].bucket = next;
			q[tail].parent = (uint16_t) head;
			q[tail].slot = (uint8_t) s;
			tail++;
		}
	}
	return -1;
}

/*
 * Moves entries along the path to `node`, last move first, and returns the
 * slot it frees in a root bucket.  Each move is visible at its new place
 * before it leaves the old one, and bumps moves in between.
 */
static int move_along(struct ms_core *core, struct ms_table *t, unsigned *node_io)
{
	const struct ms_search_node *q = core->search;
	unsigned node = *node_io;
	int free = free_slot(&t->bucket[q[node].bucket]);

	while (q[node].parent != MS_SEARCH_ROOT) {
		uint32_t from_index = q[q[node].parent].bucket;
		struct ms_bucket *from = &t->bucket[from_index];
		int i = q[node].slot;
		struct ms_entry *e = from->slot[i].entry;
		uint32_t first = entry_first(t, e);

		if (first == from_index) /* leaving its first bucket */
			away_add(t, first, 1);
		slot_fill(&t->bucket[q[node].bucket], free, e, from->slot[i].check);
		MS_STORE_RELEASE(&t->moves, t->moves + 1);
		MS_STORE_RELEASE(&from->slot[i].check, 0);
		if (first != from_index) /* back in its first bucket */
			away_add(t, first, -1);
		tally_fold(MS_LOAD(&from->tally[i]), e);
		free = i;
		node = q[node].parent;
	}
	*node_io = node;
	return free;
}

/* Places an entry, in its first bucket when there is room; false when no room is found. */
static bool table_place(struct ms_core *core, struct ms_table *t, struct ms_entry *e)
{
	uint64_t check, hash = entry_hash(t, e, &check);
	uint32_t b1 = ms_first_bucket(t, hash), b2 = ms_other_bucket(t, b1, check);
	struct ms_bucket *b;
	int i, node;

	if ((i = free_slot(&t->bucket[b1])) >= 0) {
		b = &t->bucket[b1];
	} else if ((i = free_slot(&t->bucket[b2])) >= 0) {
		b = &t->bucket[b2];
	} else if ((node = search_room(core, t, b1, b2)) >= 0) {
		unsigned root = (unsigned) node;

		i = move_along(core, t, &root);
		b = &t->bucket[core->search[root].bucket];
	} else {
		return false;
	}
	if (b != &t->bucket[b1])
		away_add(t, b1, 1);
	slot_fill(b, i, e, check);
	t->used++;
	return true;
}

/* The bucket count after a growth from `buckets`. */
static uint32_t grown(uint32_t buckets)
{
	uint64_t n = (uint64_t) buckets * (100 + MS_TABLE_GROWTH_PCT) / 100 + 1;

	return n < MS_TABLE_MAX_BUCKETS ? (uint32_t) n : MS_TABLE_MAX_BUCKETS;
}

/* Rebuilds the table with at least `buckets` buckets and a new seed, and publishes it. */
static enum ms_status table_rebuild(struct ms_core *core, uint32_t buckets)
{
	struct ms_table *old = core->table, *t;
	uint32_t i;
	unsigned s;

	for (;;) {
		bool ok = true;

		t = ms_table_alloc(buckets, ms_os_random_u64());
		if (!t)
			return MS_ERR_NOMEM;
		for (i = 0; ok && i < old->buckets; i++)
			for (s = 0; ok && s < MS_BUCKET_SLOTS; s++)
				if (old->bucket[i].slot[s].check)
					ok = table_place(core, t, old->bucket[i].slot[s].entry);
		if (ok)
			break;
		ms_table_free_now(t);
		if (buckets >= MS_TABLE_MAX_BUCKETS)
			return MS_ERR_NOMEM;
		buckets = grown(buckets); /* no room even with a fresh seed: too small */
	}
	/* Readers that already hold the old array keep it until a grace period;
	 * what they counted there until now goes to the entries. */
	core->bytes += t->bytes;
	core->bytes -= old->bytes;
	MS_STORE_RELEASE(&core->table, t);
	MS_STORE(&core->head.hints, (uint32_t) (t->buckets >= MS_TABLE_LARGE_BUCKETS));
	for (i = 0; i < old->buckets; i++)
		for (s = 0; s < MS_BUCKET_SLOTS; s++)
			if (old->bucket[i].slot[s].check)
				tally_fold(MS_LOAD(&old->bucket[i].tally[s]),
					   old->bucket[i].slot[s].entry);
	ms_os_defer_free(&old->deferred, table_free_deferred);
	return MS_OK;
}

enum ms_status ms_table_insert(struct ms_core *core, struct ms_entry *e)
{
	struct ms_table *t = core->table;
	uint64_t buckets = t->buckets;
	enum ms_status st;

	if (((uint64_t) t->used + 1) * 100 > buckets * MS_BUCKET_SLOTS * MS_TABLE_LOAD_PCT &&
	    buckets < MS_TABLE_MAX_BUCKETS) {
		st = table_rebuild(core, grown(t->buckets));
		if (st != MS_OK)
			return st;
	}
	if (table_place(core, core->table, e))
		return MS_OK;
	/* Rare: no chain of moves found.  A new seed, and more room if there is any. */
	st = table_rebuild(core, grown(core->table->buckets));
	if (st != MS_OK)
		return st;
	return table_place(core, core->table, e) ? MS_OK : MS_ERR_NOMEM;
}

/* The bucket and slot that hold an entry, or NULL; *first is the entry's first bucket. */
static struct ms_bucket *entry_slot(struct ms_table *t, const struct ms_entry *e, unsigned *slot,
				    uint32_t *first)
{
	uint64_t check, hash = entry_hash(t, e, &check);
	uint32_t b1 = ms_first_bucket(t, hash);
	struct ms_bucket *b[2] = { &t->bucket[b1], &t->bucket[ms_other_bucket(t, b1, check)] };
	unsigned i, s;

	*first = b1;
	for (i = 0; i < 2; i++)
		for (s = 0; s < MS_BUCKET_SLOTS; s++)
			if (b[i]->slot[s].check && b[i]->slot[s].entry == e) {
				*slot = s;
				return b[i];
			}
	return (struct ms_bucket *) 0;
}

void ms_table_remove(struct ms_core *core, struct ms_entry *e)
{
	unsigned s;
	uint32_t first;
	struct ms_bucket *b = entry_slot(core->table, e, &s, &first);

	/* The entry pointer stays: a reader that matched the old check word may still load it. */
	if (b) {
		MS_STORE_RELEASE(&b->slot[s].check, 0);
		if (b != &core->table->bucket[first])
			away_add(core->table, first, -1);
		core->table->used--;
	}
}

struct ms_entry *ms_table_next(const struct ms_table *t, uint32_t *pos, unsigned owner)
{
	uint64_t slots = (uint64_t) t->buckets * MS_BUCKET_SLOTS;

	for (; *pos < slots; (*pos)++) {
		const struct ms_slot *slot =
		    &t->bucket[*pos / MS_BUCKET_SLOTS].slot[*pos % MS_BUCKET_SLOTS];

		if (slot->check &&
		    (owner == MS_ANY_OWNER || slot->check >> MS_CHECK_OWNER_BIT == owner)) {
			(*pos)++;
			return slot->entry;
		}
	}
	return (struct ms_entry *) 0;
}

void ms_table_counters(const struct ms_core *core, const struct ms_entry *e, uint64_t *packets,
		       uint64_t *bytes)
{
	unsigned s;
	uint32_t first;
	struct ms_bucket *b = entry_slot(core->table, e, &s, &first);
	uint32_t tally = b ? MS_LOAD(&b->tally[s]) : 0u;

	*packets = MS_LOAD(&e->packets) + (tally >> MS_TALLY_BYTE_BITS);
	*bytes = MS_LOAD(&e->bytes) + (tally & MS_TALLY_BYTE_MASK);
}

/* The initial table for a new core. */
enum ms_status ms_table_init(struct ms_core *core)
{
	core->table = ms_table_alloc(MS_TABLE_MIN_BUCKETS, ms_os_random_u64());
	if (!core->table)
		return MS_ERR_NOMEM;
	core->bytes += core->table->bytes;
	core->head.hints = core->table->buckets >= MS_TABLE_LARGE_BUCKETS;
	return MS_OK;
}
