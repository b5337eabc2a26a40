// SPDX-License-Identifier: BSD-2-Clause
/*
 * TEST DOUBLE of netmap: one txsync's worth of frames through the switch
 * (NMD_IOC_INJECT_BATCH), as netmap's VALE forwarding takes them.  The
 * slots go into the sending port's TX ring, where the previous batch left
 * off; the work array is filled from them with netmap's rules for bad
 * slots; then the lookup runs for each in ring order, under one read lock,
 * while nr_hwcur and rhead span the batch.  A module that looks at the
 * ring's later slots from its lookup sees what it would in netmap: the
 * slots as the process left them, which the work array may not match.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "netmap_double.h"
#include "netmap_double_uapi.h"

/*
 * A TX ring's slots and buffers.  Buffer 0 is the allocator's spare, which
 * netmap puts in place of a buffer it cannot use; slot i owns buffer i + 1.
 */
struct nmd_tx_ring {
	struct nm_bdg_fwd ft[NMD_TX_SLOTS];
	struct lut_entry lut[NMD_TX_SLOTS + 1];
	uint8_t buf[NMD_TX_SLOTS + 1][NMD_FRAME_MAX];
	struct netmap_ring *ring;
};

void nmd_rings_free(struct nmd_rings *r)
{
	if (!r->tx)
		return;
	kfree(r->tx->ring);
	kvfree(r->tx);
	r->tx = NULL;
}

/* The port's TX ring, made at its first batch.  With nmd_lock held. */
static struct netmap_kring *nmd_tx_kring(struct netmap_vp_adapter *src)
{
	struct netmap_adapter *na = &src->up;
	struct netmap_kring *kring = na->tx_rings[0];
	struct nmd_rings *r = container_of(na->tx_rings, struct nmd_rings, ptr[NR_TX]);
	struct nmd_tx_ring *tx;
	uint32_t i;

	if (r->tx)
		return kring;
	tx = kvzalloc(sizeof(*tx), GFP_KERNEL);
	if (!tx)
		return NULL;
	tx->ring = kzalloc(struct_size(tx->ring, slot, NMD_TX_SLOTS), GFP_KERNEL);
	if (!tx->ring) {
		kvfree(tx);
		return NULL;
	}
	tx->ring->num_slots = NMD_TX_SLOTS;
	for (i = 0; i <= NMD_TX_SLOTS; i++)
		tx->lut[i].vaddr = tx->buf[i];
	for (i = 0; i < NMD_TX_SLOTS; i++)
		tx->ring->slot[i].buf_idx = i + 1;
	r->tx = tx;
	na->na_lut.lut = tx->lut;
	na->na_lut.objtotal = NMD_TX_SLOTS + 1;
	na->na_lut.objsize = NMD_FRAME_MAX;
	kring->ring = tx->ring;
	kring->nkr_num_slots = NMD_TX_SLOTS;
	kring->nkr_ft = tx->ft;
	return kring;
}

/* The slot's buffer as netmap's forwarding takes it, or NULL when it cannot. */
static void *nmd_slot_buffer(struct netmap_kring *kring, const struct netmap_slot *slot)
{
	const struct netmap_lut *lut = &kring->na->na_lut;

	if (slot->flags & NS_INDIRECT)
		return (void *) (uintptr_t) slot->ptr;
	return lut->lut[slot->buf_idx < lut->objtotal ? slot->buf_idx : 0].vaddr;
}

/* Writes the batch's slots and fills the work array from them, as netmap does. */
static int nmd_fill(struct netmap_kring *kring, struct nmd_inject_batch *req,
		    const uint8_t __user *data)
{
	struct nmd_rings *r = container_of(kring, struct nmd_rings, kring[NR_TX]);
	uint32_t i;

	for (i = 0; i < req->count; i++) {
		uint32_t at = (kring->nr_hwcur + i) % kring->nkr_num_slots;
		struct netmap_slot *slot = &kring->ring->slot[at];
		const struct nmd_batch_slot *in = &req->slot[i];
		struct nm_bdg_fwd *ft = &kring->nkr_ft[i];
		uint32_t copy = min_t(uint32_t, in->len, NMD_FRAME_MAX);

		/* The slot's own buffer gets the frame, whatever index the slot then names. */
		if (copy_from_user(r->tx->buf[at + 1], data + (size_t) i * NMD_FRAME_MAX, copy))
			return -EFAULT;
		slot->buf_idx = in->buf_idx ? in->buf_idx : at + 1;
		slot->len = (uint16_t) in->len;
		slot->flags = (uint16_t) in->flags;
		slot->ptr = in->ptr;
		ft->ft_buf = nmd_slot_buffer(kring, slot);
		ft->ft_len = slot->len;
		ft->ft_flags = slot->flags;
		ft->ft_offset = 0;
		ft->ft_frags = 1;
		ft->ft_next = 0;
		if (!ft->ft_buf || in->len > NETMAP_BUF_SIZE(kring->na)) {
			ft->ft_buf = kring->na->na_lut.lut[0].vaddr;
			ft->ft_len = 0;
			ft->ft_flags = 0;
		}
	}
	return 0;
}

/* Where a lookup's answer sends a frame, named as NMD_IOC_INJECT names it. */
static void nmd_dst_name(struct nm_bridge *b, struct netmap_vp_adapter *src, uint32_t dst,
			 char name[NMD_NAME_LEN])
{
	if (dst == NM_BDG_BROADCAST)
		strscpy(name, "*", NMD_NAME_LEN);
	else if (dst < NM_BDG_MAXPORTS && b->bdg_ports[dst] && dst != (uint32_t) src->bdg_port)
		strscpy(name, b->bdg_ports[dst]->up.name, NMD_NAME_LEN);
}

/* The lookup for each slot in ring order, as netmap's forwarding calls it. */
static void nmd_forward(struct netmap_vp_adapter *src, struct netmap_kring *kring,
			struct nmd_inject_batch *req)
{
	struct nm_bridge *b = src->na_bdg;
	u_int vhl = src->up.virt_hdr_len;
	uint32_t i;

	kring->rhead = (kring->nr_hwcur + req->count) % kring->nkr_num_slots;
	BDG_RLOCK(b);
	for (i = 0; i < req->count; i++) {
		struct nm_bdg_fwd *ft = &kring->nkr_ft[i];
		uint8_t ring = 0;

		req->slot[i].dst_port = NMD_NO_LOOKUP;
		memset(req->slot[i].dst_name, 0, NMD_NAME_LEN);
		if (vhl >= ft->ft_len || !b->bdg_ops.lookup)
			continue;
		ft->ft_offset = (uint16_t) vhl;
		req->slot[i].dst_port = b->bdg_ops.lookup(ft, &ring, src, b->private_data);
		nmd_dst_name(b, src, req->slot[i].dst_port, req->slot[i].dst_name);
	}
	BDG_RUNLOCK(b);
	kring->nr_hwcur = kring->rhead;
}

long nmd_inject_batch(struct nmd_file *f, struct nmd_inject_batch __user *uarg)
{
	struct netmap_vp_adapter *src = NULL;
	struct nmd_inject_batch *req;
	struct netmap_kring *kring;
	long err;
	uint32_t i;

	req = kmalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	err = -EFAULT;
	if (copy_from_user(req, uarg, sizeof(*req)))
		goto out;
	err = -EINVAL;
	if (req->count == 0 || req->count > NMD_BATCH_MAX || req->from_host > 1)
		goto out;
	for (i = 0; i < req->count; i++)
		if (req->slot[i].flags & ~NS_INDIRECT || req->slot[i].len > U16_MAX)
			goto out;
	mutex_lock(&nmd_lock);
	err = -nmd_inject_source(f, req->from_host, &src);
	if (!err) {
		kring = nmd_tx_kring(src);
		err = kring ? nmd_fill(kring, req, u64_to_user_ptr(req->data)) : -ENOMEM;
	}
	if (!err)
		nmd_forward(src, kring, req);
	mutex_unlock(&nmd_lock);
	if (!err && copy_to_user(uarg, req, sizeof(*req)))
		err = -EFAULT;
out:
	kfree(req);
	return err;
}
