/* SPDX-License-Identifier: BSD-2-Clause */
/* TEST DOUBLE of netmap's sys/dev/netmap/netmap_bdg.h: the switch and its module hooks. */
#ifndef NETMAP_DOUBLE_NETMAP_BDG_H
#define NETMAP_DOUBLE_NETMAP_BDG_H

#define NM_BDG_MAXPORTS 254
#define NM_BDG_BROADCAST NM_BDG_MAXPORTS
#define NM_BDG_NOPORT (NM_BDG_MAXPORTS + 1)

#define NM_BDG_ACTIVE 1
#define NM_BDG_EXCLUSIVE 2

typedef uint32_t (*bdg_lookup_fn_t)(struct nm_bdg_fwd *ft, uint8_t *ring_nr,
				    struct netmap_vp_adapter *src, void *private_data);
typedef int (*bdg_config_fn_t)(struct nm_ifreq *nifr);
typedef void (*bdg_dtor_fn_t)(const struct netmap_vp_adapter *vp);
/* The double never calls these two; they keep the structure's shape. */
typedef int (*bdg_vp_create_fn_t)(void);
typedef int (*bdg_bwrap_attach_fn_t)(void);

struct netmap_bdg_ops {
	bdg_lookup_fn_t lookup;
	bdg_config_fn_t config;
	bdg_dtor_fn_t dtor;
	bdg_vp_create_fn_t vp_create;
	bdg_bwrap_attach_fn_t bwrap_attach;
	char name[IFNAMSIZ];
};

struct nm_bridge {
	BDG_RWLOCK_T bdg_lock; /* readers: forwarding and config; writer: attach, detach, regops */
	int bdg_namelen;
	uint32_t bdg_active_ports;
	char bdg_basename[IFNAMSIZ];
	uint32_t bdg_port_index[NM_BDG_MAXPORTS]; /* the first bdg_active_ports are in use */
	struct netmap_vp_adapter *bdg_ports[NM_BDG_MAXPORTS];
	struct netmap_bdg_ops bdg_ops;
	void *private_data; /* what netmap_bdg_regops() was given; NULL after regops(NULL) */
	uint8_t bdg_flags;
#ifdef CONFIG_NET_NS
	struct net *ns; /* switches are per network namespace: this one's */
#endif
};

int netmap_bdg_regops(const char *name, struct netmap_bdg_ops *bdg_ops, void *private_data,
		      void *auth_token);

#endif
