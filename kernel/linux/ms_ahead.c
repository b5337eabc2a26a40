// SPDX-License-Identifier: BSD-2-Clause
/*
 * Looking ahead across netmap's batch.  netmap calls the lookup once per
 * frame while it walks the frames one txsync took from the sending ring:
 * the frames after the current one sit in the ring's next slots.  Passing
 * the core the frame MS_PREFETCH_AHEAD slots on (and prefetching the first
 * line of the one twice as far) brings its table lines into the cache by
 * the time its own turn comes (docs/design.md, "What a frame costs").
 *
 * Nothing here decides anything, so it need not be right, only safe.  Slots
 * are read within the ring's own bounds (its size, the span this txsync
 * sends, the allocator's buffer count and size), never from netmap's work
 * array past the current entry: the batch's length is not passed to the
 * lookup, and the array's size is private to netmap.  The sending process
 * shares the slots and may rewrite them at any moment, so each field is read
 * once; a frame it changes is at worst a useless prefetch.
 */
#include <linux/compiler.h>
#include <linux/prefetch.h>

/* netmap's headers, in the order they need each other. */
#include "bsd_glue.h"

#include <net/netmap.h>

#include <dev/netmap/netmap_kern.h>

#include "ms_netmap.h"

/* The slot `ahead` slots after the txsync's first (ahead < nkr_num_slots): no division. */
static uint32_t ms_slot_after_first(const struct netmap_kring *kring, uint32_t ahead)
{
	uint32_t at = kring->nr_hwcur + ahead;

	return at >= kring->nkr_num_slots ? at - kring->nkr_num_slots : at;
}

/* Where a slot's frame starts and how long it is, or NULL for a slot to leave alone. */
static const uint8_t *ms_slot_frame(struct netmap_kring *kring, uint32_t slot_index, uint32_t *len)
{
	struct netmap_adapter *na = kring->na;
	struct netmap_slot *slot = &kring->ring->slot[slot_index];
	uint32_t buf_index = READ_ONCE(slot->buf_idx);
	uint32_t bytes = READ_ONCE(slot->len);
	uint64_t offset = READ_ONCE(slot->ptr) & kring->offset_mask;
	uint32_t size = NETMAP_BUF_SIZE(na);

	/* An indirect slot's buffer is the sender's memory (and ptr is its address). */
	if (READ_ONCE(slot->flags) & NS_INDIRECT)
		return NULL;
	if (buf_index >= na->na_lut.objtotal)
		return NULL;
	if (offset > kring->offset_max)
		offset = kring->offset_max;
	if (offset > size || bytes > size - offset)
		return NULL;
	*len = bytes;
	return (const uint8_t *) na->na_lut.lut[buf_index].vaddr + offset;
}

/* The frame `ahead` slots after the txsync's first, hinted to the core in its direction. */
static void ms_hint_slot(struct ms_core *core, struct netmap_kring *kring, uint32_t ahead,
			 bool ingress)
{
	uint32_t header = kring->na->virt_hdr_len, len;
	const uint8_t *frame = ms_slot_frame(kring, ms_slot_after_first(kring, ahead), &len);

	if (!frame || len <= header)
		return;
	if (ingress)
		ms_ingress_prefetch(core, frame + header, len - header);
	else
		ms_egress_prefetch(core, frame + header, len - header);
}

void ms_look_ahead(struct ms_core *core, const struct nm_bdg_fwd *ft, uint8_t ring_nr,
		   struct netmap_vp_adapter *src, bool ingress)
{
	struct netmap_adapter *na = &src->up;
	struct netmap_kring *kring;
	uint32_t slots, pending, at, ahead, from, to, touch, header_len;
	const uint8_t *header;

	/* *ring holds the sending ring's index when netmap calls the lookup. */
	if (ring_nr >= nma_get_nrings(na, NR_TX))
		return;
	kring = NMR(na, NR_TX)[ring_nr];
	if (!kring || !kring->ring || !kring->nkr_ft || (uintptr_t) ft < (uintptr_t) kring->nkr_ft)
		return;
	slots = kring->nkr_num_slots;
	if (!slots || kring->nr_hwcur >= slots || kring->rhead >= slots)
		return;
	/*
	 * netmap fills its work array from the slot at nr_hwcur on, so an
	 * entry's index is its frame's distance from there.  A txsync of more
	 * than a batch (bridge_batch, 1,024 slots) refills the array: its later
	 * frames then hint frames already decided, which costs a prefetch.
	 */
	at = (uint32_t) min_t(uintptr_t, ((uintptr_t) ft - (uintptr_t) kring->nkr_ft) / sizeof(*ft),
			      slots);
	pending = kring->rhead >= kring->nr_hwcur ? kring->rhead - kring->nr_hwcur
						  : kring->rhead + slots - kring->nr_hwcur;
	if (at >= pending)
		return;
	touch = ms_ahead_plan(at, pending, &from, &to);
	for (ahead = from; ahead < to; ahead++)
		ms_hint_slot(core, kring, ahead, ingress);
	if (touch < pending) {
		header = ms_slot_frame(kring, ms_slot_after_first(kring, touch), &header_len);
		if (header)
			prefetch(header);
	}
}
