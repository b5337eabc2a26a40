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
struct netmap_vp_adapter;

/* Any netmap port: a NIC, a VALE port, the host stack. */
struct netmap_adapter {
	struct netmap_vp_adapter *na_vp;     /* the switch port standing for this adapter */
	struct netmap_vp_adapter *na_hostvp; /* the host-stack port, when attached with one */
	void *na_private;		     /* a host-stack port: its NIC's wrapper */
	char name[NETMAP_REQ_IFNAMSIZ];
	struct ifnet *ifp; /* a NIC's wrapper: the NIC's interface (its Ethernet address) */
};

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
