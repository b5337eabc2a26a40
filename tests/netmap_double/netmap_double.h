/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST DOUBLE of netmap: what its two files share.  netmap_double.c keeps the
 * switches, ports and registrations; netmap_double_path.c moves frames
 * between them (write/read/poll on a port's fd, a real NIC's receive path,
 * the counters in /proc/netmap_double).
 */
#ifndef NETMAP_DOUBLE_H
#define NETMAP_DOUBLE_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/poll.h>
#include <linux/skbuff.h>
#include <linux/wait.h>

/* netmap's headers, in the order they need each other. */
#include "bsd_glue.h"

#include <net/netmap.h>

#include <dev/netmap/netmap_kern.h>

#include <dev/netmap/netmap_bdg.h>

#include "netmap_double_uapi.h"

/* Switches of every namespace together (netmap keeps 8 per namespace). */
#define NMD_BRIDGES 16

/* Frames a port's receive queue holds, as the slots of a netmap ring (1024 by default). */
#define NMD_RXQ_MAX NMD_RXQ_FRAMES

extern struct nm_bridge nmd_bridges[NMD_BRIDGES];
/* Serialises creating, registering on, attaching to and freeing ports and switches (NMG_LOCK). */
extern struct mutex nmd_lock;

/* What a port did with frames, for tests (/proc/netmap_double). */
struct nmd_counters {
	atomic_long_t tx;      /* frames this port put into the switch */
	atomic_long_t tx_drop; /* frames of this port lost before the lookup (switch busy, size) */
	atomic_long_t rx;      /* frames the switch delivered to this port */
	atomic_long_t rx_drop; /* frames for this port it could not take (queue full, no ring) */
};

struct nmd_tx_ring;

/* One ring each way: enough for netmap's ownership rules. */
struct nmd_rings {
	struct netmap_kring kring[NR_TXRX];
	struct netmap_kring *ptr[NR_TXRX];
	struct nmd_tx_ring *tx; /* the TX ring's slots and buffers, from the first batch on */
};

/* A VALE port an application registers on; every fd on it shares its receive queue. */
struct nmd_vp {
	struct netmap_vp_adapter vp;
	struct nmd_rings rings;
	struct sk_buff_head rxq;
	wait_queue_head_t wait;
	struct nmd_counters counters;
};

/* A NIC on a switch, as netmap's bwrap: the NIC's port and its host port. */
struct nmd_nic {
	struct netmap_bwrap_adapter bwrap;
	struct nmd_rings rings;
	struct nmd_rings host_rings;
	struct netmap_priv_d kpriv; /* the registration vale-ctl leaves to the kernel */
	bool own_dev;		    /* ifp is the double's made-up device */
	bool rx_hooked;		    /* ifp's received frames go into the switch */
#if IS_ENABLED(CONFIG_NETFILTER_EGRESS)
	bool tx_hooked;		    /* what the kernel sends on ifp goes into the switch */
	struct nf_hook_ops tx_hook; /* (from the host port) */
#endif
	struct nmd_counters counters;
	struct nmd_counters host_counters;
};

/* One fd: netmap's per-fd data first, so file->private_data works as netmap's. */
struct nmd_file {
	struct netmap_priv_d priv;
	struct nmd_nic *nic; /* a NIC this fd attached (vale-ctl), else NULL */
};

struct net *nmd_current_ns(void);
struct net *nmd_bridge_ns(const struct nm_bridge *b);
bool nmd_in_use(const struct nm_bridge *b);

/* netmap_double.c */
int nmd_inject_source(struct nmd_file *f, bool from_host, struct netmap_vp_adapter **src);

/* netmap_double_batch.c */
long nmd_inject_batch(struct nmd_file *f, struct nmd_inject_batch __user *uarg);
void nmd_rings_free(struct nmd_rings *r);

/* netmap_double_path.c */
void nmd_vp_path_init(struct nmd_vp *p);
void nmd_vp_path_fini(struct nmd_vp *p);
int nmd_nic_hook(struct nmd_nic *nic);
void nmd_nic_unhook(struct nmd_nic *nic);
uint32_t nmd_lookup(struct nm_bridge *b, struct netmap_vp_adapter *src, uint8_t *buf, uint32_t len,
		    uint32_t first_frag_len, uint8_t *ring);
ssize_t nmd_write(struct file *file, const char __user *ubuf, size_t len, loff_t *off);
ssize_t nmd_read(struct file *file, char __user *ubuf, size_t size, loff_t *off);
__poll_t nmd_poll(struct file *file, poll_table *wait);
int nmd_stats_init(void);
void nmd_stats_exit(void);

#endif
