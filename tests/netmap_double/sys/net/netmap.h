/* SPDX-License-Identifier: BSD-2-Clause */
/* TEST DOUBLE of netmap's sys/net/netmap.h: only what kernel/linux and the double use. */
#ifndef NETMAP_DOUBLE_NET_NETMAP_H
#define NETMAP_DOUBLE_NET_NETMAP_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define NETMAP_API 14 /* the version the double imitates */

#define NETMAP_REQ_IFNAMSIZ 64

/* Slot flags seen by a switch lookup. */
#define NS_INDIRECT 0x0010 /* the buffer is in user memory */
#define NS_MOREFRAG 0x0020 /* the frame continues in the next slot */

/*
 * One slot of a ring, shared with the process that owns the ring: buf_idx
 * names its buffer in the allocator's table, ptr holds an indirect slot's
 * address (and the low bits of a buffer offset, which the double never uses).
 */
struct netmap_slot {
	uint32_t buf_idx;
	uint16_t len;
	uint16_t flags;
	uint64_t ptr;
};

/* A ring as the kernel sees it: only its slots (the double maps nothing to userspace). */
struct netmap_ring {
	uint32_t num_slots;
	struct netmap_slot slot[];
};

/* nmreq_register.nr_flags: ask for the selected rings alone (a later opener gets EBUSY). */
#define NR_EXCLUSIVE 0x800
/* nmreq_register.nr_flags: select no RX ring, no TX ring (both: no ring at all). */
#define NR_RX_RINGS_ONLY 0x2000
#define NR_TX_RINGS_ONLY 0x4000

/* nmreq_register.nr_mode: which rings a registration selects (values as netmap's). */
enum {
	NR_REG_DEFAULT = 0, /* as NR_REG_ALL_NIC */
	NR_REG_ALL_NIC = 1, /* every TX and RX ring of the port */
	NR_REG_NIC_SW = 3,  /* a NIC attached with its host rings (vale-ctl -h) */
	NR_REG_NULL = 7,    /* a "null:NAME" port of its own, on an existing allocator */
};

#endif
