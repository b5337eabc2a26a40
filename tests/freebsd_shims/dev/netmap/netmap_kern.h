/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST SHIM for the FreeBSD compile check (tests/build/test_freebsd_compile.py), not netmap.
 *
 * Why: netmap's kernel header lives in the kernel sources (sys/dev/netmap/) and FreeBSD does
 * not install it under /usr/include, so the installed headers the check compiles against
 * lack it.  A real sys/ tree (MS_FREEBSD_SYSDIR) or an upstream netmap (MS_NETMAP_SRC) is
 * used instead of this file whenever one is given.
 *
 * What: only the adapters' fields, the per-descriptor state and the forwarding entry that
 * kernel/freebsd/ reads, with the names, types and meanings netmap documents for them; the
 * real structures have many more fields.  Written for this project; nothing is copied.
 */
#ifndef MS_SHIM_NETMAP_KERN_H
#define MS_SHIM_NETMAP_KERN_H

#include <net/netmap.h>
#include <net/netmap_legacy.h>

struct nm_bridge;
struct netmap_adapter;
struct netmap_vp_adapter;
struct nm_bdg_fwd;

/* A ring's direction; netmap numbers receive first. */
enum txrx { NR_RX = 0, NR_TX = 1, NR_TXRX };

/* One ring of a port, as the kernel tracks who has it bound and what it sends. */
struct netmap_kring {
	uint32_t nr_kflags; /* NKR_EXCLUSIVE: one descriptor bound it with NR_EXCLUSIVE */
	uint32_t users;	    /* descriptors that have this ring bound */
	struct netmap_adapter *na;
	struct netmap_ring *ring; /* its slots, shared with the process */
	uint32_t nkr_num_slots;
	uint32_t nr_hwcur;	   /* the first slot the current txsync sends */
	uint32_t rhead;		   /* the slot after its last */
	struct nm_bdg_fwd *nkr_ft; /* a switch port's work array, filled from nr_hwcur on */
	uint64_t offset_mask;	   /* a slot's buffer offset is ptr & offset_mask ... */
	uint64_t offset_max;	   /* ... and at most this */
};

/* The buffers of an allocator: index to address, how many, how large. */
struct lut_entry {
	void *vaddr;
	vm_paddr_t paddr;
};
struct netmap_lut {
	struct lut_entry *lut;
	struct lut_entry *plut;
	uint32_t objtotal;
	uint32_t objsize;
};
#define NKR_EXCLUSIVE 0x2

/* Any netmap port: a NIC, a VALE port, the host stack. */
struct netmap_adapter {
	struct netmap_vp_adapter *na_vp;     /* the switch port standing for this adapter */
	struct netmap_vp_adapter *na_hostvp; /* the host-stack port, when attached with one */
	void *na_private;		     /* a host-stack port: its NIC's wrapper */
	char name[NETMAP_REQ_IFNAMSIZ];
	struct ifnet *ifp; /* a NIC's wrapper: the NIC's interface (its Ethernet address) */
	u_int num_rx_rings;
	u_int num_tx_rings;
	struct netmap_kring **tx_rings;
	struct netmap_kring **rx_rings;
	/* Puts the port's rings in (onoff 1) or out of (0) netmap mode; NMG_LOCK held. */
	int (*nm_register)(struct netmap_adapter *na, int onoff);
	u_int virt_hdr_len; /* bytes of virtio-net header before each frame */
	struct netmap_lut na_lut;
};
#define NETMAP_BUF_SIZE(na) ((na)->na_lut.objsize)

/* The rings of one direction, and how many there are (netmap's accessors). */
static __inline struct netmap_kring **NMR(struct netmap_adapter *na, enum txrx t)
{
	return (t == NR_TX ? na->tx_rings : na->rx_rings);
}
static __inline u_int nma_get_nrings(struct netmap_adapter *na, enum txrx t)
{
	return (t == NR_TX ? na->num_tx_rings : na->num_rx_rings);
}

/* A port of a VALE switch. */
struct netmap_vp_adapter {
	struct netmap_adapter up;
	int bdg_port; /* index in the switch */
	struct nm_bridge *na_bdg;
};

/* A NIC on a switch: its own port and the port of its host stack. */
struct netmap_bwrap_adapter {
	struct netmap_vp_adapter up;
	struct netmap_vp_adapter host;
};
int nm_is_bwrap(struct netmap_adapter *na);

/* What devfs_get_cdevpriv() gives back for a descriptor of /dev/netmap. */
struct netmap_priv_d {
	struct netmap_adapter *np_na;
	uint32_t np_flags; /* the registration's nr_flags (NR_EXCLUSIVE, ...) */
	/* The rings this descriptor has bound: [np_qfirst, np_qlast) of each direction. */
	u_int np_qfirst[NR_TXRX];
	u_int np_qlast[NR_TXRX];
};

/* The first slot of a frame the switch forwards, as lookup sees it. */
struct nm_bdg_fwd {
	void *ft_buf;
	uint16_t ft_offset; /* where the frame starts after a virtio-net header */
	uint16_t ft_flags;  /* NS_INDIRECT: ft_buf is the sender's memory */
	uint16_t ft_len;
};

void *netmap_vale_create(const char *bdg_name, int *return_status);
int netmap_vale_destroy(const char *bdg_name, void *auth_token);

#endif /* MS_SHIM_NETMAP_KERN_H */
