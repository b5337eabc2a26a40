/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST DOUBLE of netmap's sys/dev/netmap/netmap_kern.h: the adapters, the
 * per-fd private data and the forwarding entry, with only the fields the
 * multistack module reads.  Field names and meanings follow netmap's.
 */
#ifndef NETMAP_DOUBLE_NETMAP_KERN_H
#define NETMAP_DOUBLE_NETMAP_KERN_H

#include <net/netmap.h>
#include <net/netmap_legacy.h>

struct nm_bridge;
struct netmap_vp_adapter;
struct netmap_if;

struct netmap_adapter {
	uint32_t magic;
	uint32_t na_flags;
	/* a NIC wrapper: itself; its host port: the wrapper; a port opened by registration: unset */
	struct netmap_vp_adapter *na_vp;
	/* the host stack port; set on both ports of a NIC attached with its host stack */
	struct netmap_vp_adapter *na_hostvp;
	u_int virt_hdr_len;
	char name[NETMAP_REQ_IFNAMSIZ];
};

/* A switch port. */
struct netmap_vp_adapter {
	struct netmap_adapter up;
	int bdg_port;
	struct nm_bridge *na_bdg;
};

/* file->private_data of an fd on /dev/netmap. */
struct netmap_priv_d {
	struct netmap_if *np_nifp;
	struct netmap_adapter *np_na;
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
