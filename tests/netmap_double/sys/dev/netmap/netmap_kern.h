/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST DOUBLE of netmap's sys/dev/netmap/netmap_kern.h: the rings, adapters,
 * per-fd private data and forwarding entry, with only the fields a switch
 * module (or the double) reads.  Names, types and meanings follow netmap's;
 * the order and the fields left out do not (a module reads them by name).
 */
#ifndef NETMAP_DOUBLE_NETMAP_KERN_H
#define NETMAP_DOUBLE_NETMAP_KERN_H

#include <net/netmap.h>
#include <net/netmap_legacy.h>

struct nm_bridge;
struct netmap_adapter;
struct netmap_vp_adapter;
struct netmap_if;

enum txrx { NR_RX = 0, NR_TX = 1, NR_TXRX };

struct nm_bdg_fwd;

/* One ring of a port, as the kernel keeps it. */
struct netmap_kring {
	uint32_t nr_kflags;
#define NKR_EXCLUSIVE 0x2	  /* a registration holds it with NR_EXCLUSIVE */
	uint32_t nr_mode;	  /* NKR_NETMAP_ON once nm_register(na, 1) committed it */
	uint32_t nr_pending_mode; /* what the registrations want; nm_register commits it */
#define NKR_NETMAP_OFF 0x0
#define NKR_NETMAP_ON  0x1
	uint32_t users; /* registrations that selected this ring */
	uint32_t ring_id;
	enum txrx tx;
	char name[NETMAP_REQ_IFNAMSIZ + 4]; /* "<port> TX0": never truncated */
	struct netmap_adapter *na;
	/*
	 * A TX ring that sends into a switch: its slots, the first slot the
	 * current txsync sends (nr_hwcur) and the one after its last (rhead),
	 * and the work array the switch fills from them (nkr_ft).  A buffer
	 * offset is ptr & offset_mask, at most offset_max.
	 */
	struct netmap_ring *ring;
	uint32_t nkr_num_slots;
	uint32_t nr_hwcur;
	uint32_t rhead;
	struct nm_bdg_fwd *nkr_ft;
	uint64_t offset_mask;
	uint64_t offset_max;
};

/* The allocator's buffers: index to address, how many, how large. */
struct lut_entry {
	void *vaddr;
};

struct netmap_lut {
	struct lut_entry *lut;
	uint32_t objtotal;
	uint32_t objsize;
};

struct netmap_adapter {
	uint32_t magic;
	uint32_t na_flags;
#define NAF_NETMAP_ON  32	  /* some registration has the port in netmap mode */
#define NAF_HOST_RINGS 64	  /* a NIC with host rings */
#define NAF_BUSY       (1U << 31) /* owned by the kernel: NIOCREGIF gets EBUSY */
	int active_fds;		  /* registrations (fds) on this adapter, with rings or not */
	u_int num_rx_rings;
	u_int num_tx_rings;
	struct netmap_kring **tx_rings;
	struct netmap_kring **rx_rings;
	if_t ifp; /* a NIC's net_device (a bwrap and its host port); NULL for a VALE port */
	void (*nm_dtor)(struct netmap_adapter *);
	/* called through this pointer: a module may wrap it */
	int (*nm_register)(struct netmap_adapter *, int onoff);
	/* a VALE port and a bwrap: itself; a host port: its bwrap */
	struct netmap_vp_adapter *na_vp;
	/* a bwrap and its host port: the host port (even when it is not on the switch) */
	struct netmap_vp_adapter *na_hostvp;
	int na_refcount;
	/* a bwrap and its host port: the bwrap; a VALE port: NULL */
	void *na_private;
	u_int virt_hdr_len;
	struct netmap_lut na_lut; /* the buffers of its rings */
	char name[NETMAP_REQ_IFNAMSIZ];
};

#define NETMAP_BUF_SIZE(na) ((na)->na_lut.objsize)

static inline struct netmap_kring **NMR(struct netmap_adapter *na, enum txrx t)
{
	return t == NR_TX ? na->tx_rings : na->rx_rings;
}

static inline u_int nma_get_nrings(struct netmap_adapter *na, enum txrx t)
{
	return t == NR_TX ? na->num_tx_rings : na->num_rx_rings;
}

#define NETMAP_OWNED_BY_KERN(na) ((na)->na_flags & NAF_BUSY)

/* A switch port. */
struct netmap_vp_adapter {
	struct netmap_adapter up;
	int bdg_port;
	struct nm_bridge *na_bdg; /* NULL when not on a switch (a -a NIC's host port) */
};

/* A NIC on a switch: its port (up) and its host stack's port (host). */
struct netmap_bwrap_adapter {
	struct netmap_vp_adapter up;
	struct netmap_vp_adapter host;
	struct netmap_adapter *hwna;	/* the double has no hardware adapter: NULL */
	struct netmap_priv_d *na_kpriv; /* the kernel's registration of the bwrap */
};

/* file->private_data of an fd on /dev/netmap. */
struct netmap_priv_d {
	struct netmap_if *np_nifp; /* non-NULL once registered */
	struct netmap_adapter *np_na;
	if_t np_ifp;
	uint32_t np_flags; /* nr_flags of the registration (NR_EXCLUSIVE) */
	u_int np_qfirst[NR_TXRX], np_qlast[NR_TXRX]; /* the rings it holds: [first, last) */
	int np_refs;
};

/* One slot of a frame being forwarded; lookup sees the first one. */
struct nm_bdg_fwd {
	void *ft_buf;
	uint8_t ft_frags;
	uint16_t ft_offset;
	uint16_t ft_flags;
	uint16_t ft_len;
	uint16_t ft_next;
};

const char *netmap_bdg_name(struct netmap_vp_adapter *vp);
void *netmap_vale_create(const char *bdg_name, int *return_status);
int netmap_vale_destroy(const char *bdg_name, void *auth_token);

#endif
