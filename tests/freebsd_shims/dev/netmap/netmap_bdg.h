/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST SHIM for the FreeBSD compile check (tests/build/test_freebsd_compile.py), not netmap.
 *
 * Why: netmap's VALE switch header lives in the kernel sources (sys/dev/netmap/) and FreeBSD
 * does not install it under /usr/include.  A real sys/ tree or an upstream netmap is used
 * instead of this file whenever one is given.
 *
 * What: only the module interface kernel/freebsd/ uses (netmap_bdg_regops() and its callback
 * types, the switch's ports, flags and FreeBSD lock), with the names, signatures and values
 * netmap documents; the real switch has more fields.  Written for this project.
 */
#ifndef MS_SHIM_NETMAP_BDG_H
#define MS_SHIM_NETMAP_BDG_H

#include <sys/types.h>

#include <sys/lock.h>
#include <sys/rwlock.h>

#include <net/if.h>

/* On FreeBSD the switch's lock is an rwlock (config and lookup run under the read side). */
#define BDG_RWLOCK_T   struct rwlock
#define BDG_WLOCK(b)   rw_wlock(&(b)->bdg_lock)
#define BDG_WUNLOCK(b) rw_wunlock(&(b)->bdg_lock)

/* lookup's answers: a port index below NM_BDG_MAXPORTS, every port but the source, or none. */
#define NM_BDG_MAXPORTS	 254
#define NM_BDG_BROADCAST NM_BDG_MAXPORTS
#define NM_BDG_NOPORT	 (NM_BDG_MAXPORTS + 1)

typedef uint32_t (*bdg_lookup_fn_t)(struct nm_bdg_fwd *ft, uint8_t *ring_nr,
				    struct netmap_vp_adapter *src, void *private_data);
typedef int (*bdg_config_fn_t)(struct nm_ifreq *nifr);
typedef void (*bdg_dtor_fn_t)(const struct netmap_vp_adapter *vp);
/* Creating ports and wrapping NICs: left to netmap (NULL) by this module. */
struct nmreq_header;
struct netmap_mem_d;
typedef int (*bdg_vp_create_fn_t)(struct nmreq_header *hdr, if_t ifp, struct netmap_mem_d *nmd,
				  struct netmap_vp_adapter **ret);
typedef int (*bdg_bwrap_attach_fn_t)(const char *nr_name, struct netmap_adapter *hwna);

struct netmap_bdg_ops {
	bdg_lookup_fn_t lookup;
	bdg_config_fn_t config;
	bdg_dtor_fn_t dtor;
	bdg_vp_create_fn_t vp_create;
	bdg_bwrap_attach_fn_t bwrap_attach;
	char name[IFNAMSIZ];
};

int netmap_bdg_regops(const char *name, struct netmap_bdg_ops *bdg_ops, void *private_data,
		      void *auth_token);

struct nm_bridge {
	BDG_RWLOCK_T bdg_lock;
	uint32_t bdg_active_ports;
	uint32_t bdg_port_index[NM_BDG_MAXPORTS]; /* the first bdg_active_ports are in use */
	struct netmap_vp_adapter *bdg_ports[NM_BDG_MAXPORTS];
#define NM_BDG_EXCLUSIVE 2 /* taken by a module: only its auth token may change it */
	uint8_t bdg_flags;
	void *private_data; /* what netmap_bdg_regops() was given; lookup receives it */
};

#endif /* MS_SHIM_NETMAP_BDG_H */
