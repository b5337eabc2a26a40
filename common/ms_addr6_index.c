// SPDX-License-Identifier: BSD-2-Clause
/*
 * The writers' side of the data path's address index (ms_addr6_index.h):
 * adding an address in place, and rebuilding the whole index from the
 * writers' number map.  When to do which is ms_addr6.c's.
 */
#include "ms_addr6_index.h"

/*
 * Past this many addresses no index is kept: a rebuild copies every
 * address, and frames to thousands of addresses would not find their sets
 * in the cache anyway.  Their frames take the general path.
 */
#define MS_ADDR6_INDEX_MAX 1024u

/*
 * The smallest index, 2 KiB: a user who keeps registering on fresh
 * addresses fills it in place for a few dozen before it is rebuilt.
 */
#define MS_ADDR6_INDEX_MIN_BITS 5u
#define MS_ADDR6_INDEX_MIN	(1u << MS_ADDR6_INDEX_MIN_BITS)

/* Seeds tried at one size, and sizes tried, before giving up on an index. */
#define MS_ADDR6_INDEX_SEEDS 8u
#define MS_ADDR6_INDEX_SIZES 3u

/* Addresses that have a number, retired ones aside. */
static uint32_t numbered(const struct ms_core *core)
{
	return core->addr6_slots ? core->addr6_slots - 1 - core->addr6_nfree - core->addr6_nretired
				 : 0;
}

static size_t index_bytes(uint32_t sets)
{
	return sizeof(struct ms_addr6_index) + (size_t) sets * sizeof(struct ms_addr6_set);
}

static void index_free_deferred(struct ms_deferred *head)
{
	struct ms_addr6_index *x = MS_CONTAINER_OF(head, struct ms_addr6_index, deferred);

	ms_os_free_large(x, x->bytes);
}

static void index_empty(struct ms_addr6_index *x)
{
	uint32_t s;
	unsigned i;

	__builtin_memset(x->set, 0, ((size_t) x->mask + 1) * sizeof(struct ms_addr6_set));
	for (s = 0; s <= x->mask; s++)
		for (i = 0; i < MS_ADDR6_SET_SLOTS; i++)
			x->set[s].number[i] = MS_NUMBER_NONE;
	x->used = 0;
}

/*
 * Into its set: over its own slot if the address is there retired (a frame
 * read while the number changes finds one or the other, and the retired
 * one keys nothing), else into an empty slot, the address first, then its
 * number (release).
 */
static bool index_place(struct ms_addr6_index *x, const struct ms_addr6 *a)
{
	struct ms_addr6_set *s = &x->set[ms_addr6_set_of(x, a->addr[0], a->addr[1])];
	unsigned i;

	for (i = 0; i < MS_ADDR6_SET_SLOTS; i++)
		if (s->number[i] != MS_NUMBER_NONE && s->addr[i][0] == a->addr[0] &&
		    s->addr[i][1] == a->addr[1]) {
			MS_STORE_RELEASE(&s->number[i], a->number);
			return true;
		}
	for (i = 0; i < MS_ADDR6_SET_SLOTS; i++)
		if (s->number[i] == MS_NUMBER_NONE) {
			MS_STORE(&s->addr[i][0], a->addr[0]);
			MS_STORE(&s->addr[i][1], a->addr[1]);
			MS_STORE_RELEASE(&s->number[i], a->number);
			x->used++;
			return true;
		}
	return false;
}

static bool index_fill(struct ms_addr6_index *x, const struct ms_core *core)
{
	uint32_t n;

	index_empty(x);
	for (n = 1; n < core->addr6_slots; n++)
		if (core->addr6[n] && !index_place(x, core->addr6[n]))
			return false;
	return true;
}

/*
 * Twice as many sets as addresses, and never fewer than MS_ADDR6_INDEX_MIN:
 * with three slots a set, a full set is rare, and a fresh seed or a larger
 * index (tried in that order) ends it.  In-place additions fill it to one
 * address a set.
 */
static struct ms_addr6_index *index_build(const struct ms_core *core, uint32_t addresses)
{
	uint32_t sets = MS_ADDR6_INDEX_MIN, shift = 64 - MS_ADDR6_INDEX_MIN_BITS, size, seed;

	while (sets < 2 * addresses) {
		sets *= 2;
		shift--;
	}
	for (size = 0; size < MS_ADDR6_INDEX_SIZES; size++, sets *= 2, shift--) {
		struct ms_addr6_index *x =
		    (struct ms_addr6_index *) ms_os_zalloc_large(index_bytes(sets));

		if (!x)
			return x;
		x->mask = sets - 1;
		x->shift = shift;
		x->bytes = index_bytes(sets);
		for (seed = 0; seed < MS_ADDR6_INDEX_SEEDS; seed++) {
			x->seed = ms_os_random_u64();
			if (index_fill(x, core))
				return x;
		}
		ms_os_free_large(x, x->bytes);
	}
	return (struct ms_addr6_index *) 0;
}

/*
 * Publishes an index of every address that has a number, or none (past
 * MS_ADDR6_INDEX_MAX, or without memory); the one it replaces is freed once
 * no reader can hold it.  Either way no published index holds a retired
 * address afterwards, so the caller may give retired numbers out again.
 */
void ms_addr6_index_rebuild(struct ms_core *core)
{
	struct ms_addr6_index *old = core->addr6_index;
	struct ms_addr6_index *x = (struct ms_addr6_index *) 0;
	uint32_t addresses = numbered(core);

	if (addresses <= MS_ADDR6_INDEX_MAX)
		x = index_build(core, addresses);
	MS_STORE_RELEASE(&core->addr6_index, x);
	if (x)
		core->bytes += x->bytes;
	if (old) {
		core->bytes -= old->bytes;
		ms_os_defer_free(&old->deferred, index_free_deferred);
	}
}

/* An address that just got its number, into the published index if its set has room. */
bool ms_addr6_index_try_add(struct ms_core *core, const struct ms_addr6 *a)
{
	struct ms_addr6_index *x = core->addr6_index;

	return x && x->used <= x->mask && numbered(core) <= MS_ADDR6_INDEX_MAX && index_place(x, a);
}

/* No reader may be running (ms_core_destroy()). */
void ms_addr6_index_destroy(struct ms_core *core)
{
	struct ms_addr6_index *x = core->addr6_index;

	if (!x)
		return;
	core->addr6_index = (struct ms_addr6_index *) 0;
	core->bytes -= x->bytes;
	ms_os_free_large(x, x->bytes);
}
