/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the netmap-facing files (ms_netmap.c, ms_port.c) share.  Include it
 * after netmap's headers; the rest of the module sees ports as indexes.
 */
#ifndef MULTISTACK_MS_NETMAP_H
#define MULTISTACK_MS_NETMAP_H

#include "ms_linux.h"

struct netmap_vp_adapter;
struct nm_bdg_fwd;

/* ms_port.c: port roles, the caller's own port, watching its owner. */
bool ms_is_host_port(const struct netmap_vp_adapter *vp);
bool ms_is_nic_port(const struct netmap_vp_adapter *vp);
bool ms_is_our_switch(const struct netmap_vp_adapter *vp);
struct netmap_vp_adapter *ms_port_of_caller(const char *name);
int ms_port_watch(struct netmap_vp_adapter *vp);
void ms_port_unwatch(const struct netmap_vp_adapter *vp);

/*
 * ms_ahead.c: hints the core about the frames that follow ft in its sending
 * ring (ring_nr of src), in the direction of ft's frame.  Inside the core's
 * read-side section; worth calling only while ms_prefetch_pays(core).
 */
void ms_look_ahead(struct ms_core *core, const struct nm_bdg_fwd *ft, uint8_t ring_nr,
		   struct netmap_vp_adapter *src, bool ingress);

#endif
