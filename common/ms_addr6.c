// SPDX-License-Identifier: BSD-2-Clause
/*
 * IPv6 address records (writers; readers in ms_table_read.h).  An IPv6
 * tuple's or claim's key holds its address's number, so that it fits a
 * check word and is decided from a bucket line as an IPv4 key is.  A record
 * lives in the table under its address, as long as keys use its number;
 * the writers' map from numbers to records lets them turn a key back into
 * its address.  The data path finds numbers in the address index
 * (ms_addr6_index.h), which keeps a retired address until its next
 * rebuild: a retired number waits among the retired ones until then, and
 * only goes to another address after it.  Readers that found the record
 * itself check its live word; those that used the index, the index.
 *
 * An address that gets a number goes into the index in place when its set
 * has room, and the index is rebuilt when it has none or when no free
 * number is left but a quarter of them are retired (fewer, and the numbers
 * double instead): a user who registers and unregisters on fresh addresses
 * in a loop causes a rebuild every 20 addresses or more, not one each time,
 * however many others are registered.
 */
#include "ms_addr6_index.h"
#include "ms_internal.h"
#include "ms_table_read.h"

/* As many as the smallest index holds in place (ms_addr6_index.c). */
#define MS_ADDR6_FIRST_SLOTS 32u

static void numbers_free_arrays(struct ms_core *core)
{
	uint32_t slots = core->addr6_slots;

	ms_os_free_large(core->addr6, slots * sizeof(*core->addr6));
	ms_os_free_large(core->addr6_free, slots * sizeof(uint32_t));
	ms_os_free_large(core->addr6_retired, slots * sizeof(uint32_t));
	core->bytes -= slots * (sizeof(*core->addr6) + 2 * sizeof(uint32_t));
}

static void addr6_free_deferred(struct ms_deferred *head)
{
	ms_os_free(ms_addr6_of(MS_CONTAINER_OF(head, struct ms_entry, deferred)),
		   sizeof(struct ms_addr6));
}

/* Doubles the number map; the new numbers are free, the highest used last. */
static enum ms_status numbers_grow(struct ms_core *core)
{
	uint32_t old = core->addr6_slots;
	uint32_t slots = old ? old * 2 : MS_ADDR6_FIRST_SLOTS;
	struct ms_addr6 **map;
	uint32_t *free_numbers, *retired, n;

	if (old >= MS_NUMBER_NONE / 2)
		return MS_ERR_NOMEM;
	map = (struct ms_addr6 **) ms_os_zalloc_large(slots * sizeof(*map));
	free_numbers = (uint32_t *) ms_os_zalloc_large(slots * sizeof(*free_numbers));
	retired = (uint32_t *) ms_os_zalloc_large(slots * sizeof(*retired));
	if (!map || !free_numbers || !retired) {
		if (map)
			ms_os_free_large(map, slots * sizeof(*map));
		if (free_numbers)
			ms_os_free_large(free_numbers, slots * sizeof(*free_numbers));
		if (retired)
			ms_os_free_large(retired, slots * sizeof(*retired));
		return MS_ERR_NOMEM;
	}
	if (old) {
		__builtin_memcpy(map, core->addr6, old * sizeof(*map));
		__builtin_memcpy(free_numbers, core->addr6_free,
				 core->addr6_nfree * sizeof(uint32_t));
		__builtin_memcpy(retired, core->addr6_retired,
				 core->addr6_nretired * sizeof(uint32_t));
		numbers_free_arrays(core);
	}
	for (n = slots - 1; n >= (old ? old : 1u); n--)
		free_numbers[core->addr6_nfree++] = n;
	core->addr6 = map;
	core->addr6_free = free_numbers;
	core->addr6_retired = retired;
	core->addr6_slots = slots;
	core->bytes += slots * (sizeof(*map) + 2 * sizeof(uint32_t));
	return MS_OK;
}

/* A new index without the retired addresses, whose numbers are then free. */
static void numbers_recycle(struct ms_core *core)
{
	ms_addr6_index_rebuild(core);
	while (core->addr6_nretired)
		core->addr6_free[core->addr6_nfree++] = core->addr6_retired[--core->addr6_nretired];
}

static enum ms_status addr6_create(struct ms_core *core, const uint8_t *addr, uint32_t *number)
{
	struct ms_addr6 *a;
	enum ms_status st;

	/* Recycling costs a rebuild: only when a quarter of the numbers or more
	 * come back, else the numbers double, so that every rebuild is followed
	 * by many new addresses before the next. */
	if (!core->addr6_nfree && core->addr6_nretired >= core->addr6_slots / 4)
		numbers_recycle(core);
	if (!core->addr6_nfree && (st = numbers_grow(core)) != MS_OK)
		return st;
	a = (struct ms_addr6 *) ms_os_zalloc(sizeof(*a));
	if (!a)
		return MS_ERR_NOMEM;
	__builtin_memcpy(&a->addr[0], addr, 8);
	__builtin_memcpy(&a->addr[1], addr + 8, 8);
	a->meta = ms_key_meta(MS_FAMILY_INET6, 0, 0, MS_KIND_ADDR);
	a->number = core->addr6_free[core->addr6_nfree - 1];
	a->live = 1;
	st = ms_table_insert(core, &a->head);
	if (st != MS_OK) {
		ms_os_free(a, sizeof(*a));
		return st;
	}
	core->addr6_nfree--;
	core->addr6[a->number] = a;
	core->bytes += sizeof(*a);
	/* Before any key holds the number: frames find it from the index. */
	if (!ms_addr6_index_try_add(core, a))
		numbers_recycle(core);
	*number = a->number;
	return MS_OK;
}

enum ms_status ms_addr6_number(struct ms_core *core, const uint8_t *addr, bool create,
			       uint32_t *number)
{
	struct ms_addr6 *a = ms_addr6_find(core->table, addr);

	if (a) {
		*number = a->number;
		return MS_OK;
	}
	return create ? addr6_create(core, addr, number) : MS_ERR_NOENT;
}

static void addr6_retire(struct ms_core *core, struct ms_addr6 *a)
{
	/* Before the number can be handed out again (struct ms_addr6). */
	MS_STORE_RELEASE(&a->live, 0u);
	ms_table_remove(core, &a->head);
	core->addr6[a->number] = (struct ms_addr6 *) 0;
	core->addr6_retired[core->addr6_nretired++] = a->number;
	core->bytes -= sizeof(*a);
	ms_os_defer_free(&a->head.deferred, addr6_free_deferred);
}

void ms_addr6_use(struct ms_core *core, uint32_t number, int delta)
{
	struct ms_addr6 *a = core->addr6[number];

	a->head.users += (uint32_t) delta;
	if (!a->head.users)
		addr6_retire(core, a);
}

void ms_addr6_drop_unused(struct ms_core *core, uint32_t number)
{
	struct ms_addr6 *a = number < core->addr6_slots ? core->addr6[number] : 0;

	if (a && !a->head.users)
		addr6_retire(core, a);
}

void ms_addr6_address(const struct ms_core *core, uint32_t number, uint8_t addr[16])
{
	const struct ms_addr6 *a = core->addr6[number];

	__builtin_memcpy(addr, &a->addr[0], 8);
	__builtin_memcpy(addr + 8, &a->addr[1], 8);
}

void ms_addr6_destroy(struct ms_core *core)
{
	ms_addr6_index_destroy(core);
	if (!core->addr6_slots)
		return;
	numbers_free_arrays(core);
	core->addr6_slots = 0;
}
