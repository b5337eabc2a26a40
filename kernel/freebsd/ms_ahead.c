// SPDX-License-Identifier: BSD-2-Clause
/*
 * Looking ahead across netmap's batch, as kernel/linux/ms_ahead.c does: the
 * frames after the one being decided sit in the sending ring's next slots,
 * and the core is told of the one MS_PREFETCH_AHEAD slots on so that its
 * table lines are in the cache when its turn comes (docs/design.md).
 *
 * Only hints: every slot is read within the ring's own bounds, each field
 * once (the sending process may rewrite its slots meanwhile), never past
 * the current entry of netmap's work array, whose length the lookup is not
 * given.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <machine/atomic.h>

#include "ms_fbsd.h"
#include "ms_netmap.h"

/* The slot `ahead` slots after the txsync's first (ahead < nkr_num_slots): no division. */
static uint32_t ms_slot_after_first(const struct netmap_kring *kring, uint32_t ahead)
{
	uint32_t at = kring->nr_hwcur + ahead;

	return (at >= kring->nkr_num_slots ? at - kring->nkr_num_slots : at);
}

/* Where a slot's frame starts and how long it is, or NULL for a slot to leave alone. */
static const uint8_t *ms_slot_frame(struct netmap_kring *kring, uint32_t slot_index, uint32_t *len)
{
	struct netmap_adapter *na = kring->na;
	struct netmap_slot *slot = &kring->ring->slot[slot_index];
	uint32_t buf_index = atomic_load_32(&slot->buf_idx);
	uint32_t bytes = atomic_load_16(&slot->len);
	uint64_t offset = atomic_load_64(&slot->ptr) & kring->offset_mask;
	uint32_t size = NETMAP_BUF_SIZE(na);

	/* An indirect slot's buffer is the sender's memory (and ptr its address). */
	if (atomic_load_16(&slot->flags) & NS_INDIRECT)
		return (NULL);
	if (buf_index >= na->na_lut.objtotal)
		return (NULL);
	if (offset > kring->offset_max)
		offset = kring->offset_max;
	if (offset > size || bytes > size - offset)
		return (NULL);
	*len = bytes;
	return ((const uint8_t *) na->na_lut.lut[buf_index].vaddr + offset);
}

/* The frame `ahead` slots after the txsync's first, hinted to the core in its direction. */
static void ms_hint_slot(struct ms_core *core, struct netmap_kring *kring, uint32_t ahead,
			 bool ingress)
{
	uint32_t header = kring->na->virt_hdr_len, len;
	const uint8_t *frame = ms_slot_frame(kring, ms_slot_after_first(kring, ahead), &len);

	if (frame == NULL || len <= header)
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
	uintptr_t entry;
	const uint8_t *header;

	/* *ring holds the sending ring's index when netmap calls the lookup. */
	if (ring_nr >= nma_get_nrings(na, NR_TX))
		return;
	kring = NMR(na, NR_TX)[ring_nr];
	if (kring == NULL || kring->ring == NULL || kring->nkr_ft == NULL ||
	    (uintptr_t) ft < (uintptr_t) kring->nkr_ft)
		return;
	slots = kring->nkr_num_slots;
	if (slots == 0 || kring->nr_hwcur >= slots || kring->rhead >= slots)
		return;
	/* The work array is filled from nr_hwcur on: an entry's index is its slot's distance. */
	entry = ((uintptr_t) ft - (uintptr_t) kring->nkr_ft) / sizeof(*ft);
	at = entry < slots ? (uint32_t) entry : slots;
	pending = kring->rhead >= kring->nr_hwcur ? kring->rhead - kring->nr_hwcur
						  : kring->rhead + slots - kring->nr_hwcur;
	if (at >= pending)
		return;
	touch = ms_ahead_plan(at, pending, &from, &to);
	for (ahead = from; ahead < to; ahead++)
		ms_hint_slot(core, kring, ahead, ingress);
	if (touch < pending) {
		header = ms_slot_frame(kring, ms_slot_after_first(kring, touch), &header_len);
		if (header != NULL)
			__builtin_prefetch(header);
	}
}
