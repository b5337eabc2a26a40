/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The switch callbacks: where each frame goes, which port is the caller's,
 * and what happens when a port leaves.
 *
 * Port roles on the switch, told apart by netmap's own adapter fields:
 *   - the NIC: a bwrap adapter (nm_is_bwrap);
 *   - the host stack: the bwrap's second port, whose na_hostvp points at
 *     itself;
 *   - a user-level stack: any other VALE port.  Its bdg_port index is the
 *     owner id the core knows.  The NIC and the host stack never own tuples
 *     (ms_port.c tells which stack port is a caller's).
 *
 * netmap calls lookup with the switch's read lock held, and dtor with its
 * write lock held: port indexes and bdg_ports[] cannot change meanwhile.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <machine/atomic.h>
#include <sys/epoch.h>
#include <sys/socket.h>

/* After sys/socket.h: net/if.h needs struct sockaddr. */
#include <net/if.h>
#include <net/if_var.h>

#include "ms_fbsd.h"
#include "ms_netmap.h"
#include "multistack/ms_request.h"

/* The frame as the core sees it: after netmap's virtio-net header, if any. */
static void ms_frame(const struct nm_bdg_fwd *ft, const uint8_t **buf, uint32_t *len)
{
	uint16_t offset = ft->ft_offset;

	if (offset > ft->ft_len)
		offset = ft->ft_len;
	*buf = (const uint8_t *) ft->ft_buf + offset;
	*len = (uint32_t) ft->ft_len - offset;
}

static bool ms_port_is_nic(const struct nm_bridge *b, u_int index)
{
	struct netmap_vp_adapter *vp;

	if (index >= NM_BDG_MAXPORTS)
		return (false);
	vp = b->bdg_ports[index];
	return (vp != NULL && nm_is_bwrap(&vp->up));
}

/*
 * The NIC's port index, or NM_BDG_NOPORT.  The index is cached because
 * egress asks for it on every frame; a stale cache is detected by looking at
 * the port itself, which is stable under the switch's read lock.
 */
/* The core checks that stacks send from the NIC's address: it learns it with the NIC. */
static void ms_learn_nic(struct netmap_vp_adapter *nic)
{
	struct ifnet *ifp = nic->up.ifp;

	if (ifp != NULL)
#if __FreeBSD_version >= 1400000
		ms_core_set_nic_mac(ms_sw.core, (const uint8_t *) if_getlladdr(ifp));
#else
		ms_core_set_nic_mac(ms_sw.core, (const uint8_t *) IF_LLADDR(ifp));
#endif
	atomic_store_int(&ms_sw.nic_port, nic->bdg_port);
}

static uint32_t ms_nic_port(struct nm_bridge *b)
{
	u_int cached = atomic_load_int(&ms_sw.nic_port);
	u_int i;

	if (ms_port_is_nic(b, cached))
		return (cached);
	for (i = 0; i < b->bdg_active_ports; i++) {
		u_int index = b->bdg_port_index[i];

		if (ms_port_is_nic(b, index)) {
			ms_learn_nic(b->bdg_ports[index]);
			return (index);
		}
	}
	return (NM_BDG_NOPORT);
}

/*
 * Remembers the switch, seen through one of its ports, for
 * ms_switch_open_up().  Every writer stores the same pointer, and the only
 * reader runs after the hooks are gone: an aligned pointer store suffices.
 */
void ms_note_bridge(struct nm_bridge *b)
{
	if (b != NULL && ms_sw.bridge != b)
		ms_sw.bridge = b;
}

static uint32_t ms_host_port_of(struct netmap_vp_adapter *nic)
{
	struct netmap_bwrap_adapter *bna = (struct netmap_bwrap_adapter *) nic;

	if (bna->host.na_bdg != nic->na_bdg)
		return (NM_BDG_NOPORT); /* attached without its host stack */
	return ((uint32_t) bna->host.bdg_port);
}

bool ms_port_is_host(const struct netmap_vp_adapter *vp)
{
	return (!nm_is_bwrap(__DECONST(struct netmap_adapter *, &vp->up)) &&
		vp->up.na_hostvp == vp);
}

static uint32_t ms_ingress_port(struct netmap_vp_adapter *nic, struct ms_decision d)
{
	switch (d.verdict) {
	case MS_VERDICT_PORT:
		return (d.owner < NM_BDG_MAXPORTS ? d.owner : NM_BDG_NOPORT);
	case MS_VERDICT_HOST:
		return (ms_host_port_of(nic));
	case MS_VERDICT_ALL:
		return (NM_BDG_BROADCAST);
	default:
		return (NM_BDG_NOPORT);
	}
}

uint32_t ms_switch_lookup(struct nm_bdg_fwd *ft, uint8_t *ring, struct netmap_vp_adapter *src,
			  void *private_data)
{
	struct ms_core *core = private_data;
	struct epoch_tracker et;
	struct ms_decision d;
	const uint8_t *buf;
	uint32_t len, dst;

	if (ms_port_is_host(src)) {
		/* The kernel stack is the authority for what it sends. */
		struct netmap_bwrap_adapter *bna = src->up.na_private;

		return ((uint32_t) bna->up.bdg_port);
	}
	/*
	 * An indirect buffer lives in the sender's memory: reading it here
	 * could fault, and it could change after it was checked.  As on Linux,
	 * the NIC's go to the host stack and a stack's are dropped.
	 */
	if (ft->ft_flags & NS_INDIRECT)
		return (nm_is_bwrap(&src->up) ? ms_host_port_of(src) : NM_BDG_NOPORT);

	ms_frame(ft, &buf, &len);
	ms_note_bridge(src->na_bdg);
	NET_EPOCH_ENTER(et);
	/*
	 * No critical section: a lookup preempting this one on the same CPU
	 * cannot split the core's counter updates, each one counter(9) add
	 * (MS_OS_PERCPU_ADD in include/ms_os_types.h).
	 */
	if (nm_is_bwrap(&src->up) && atomic_load_int(&ms_sw.nic_port) != (u_int) src->bdg_port)
		ms_learn_nic(src);
	if (ms_prefetch_pays(core))
		ms_look_ahead(core, ft, *ring, src, nm_is_bwrap(&src->up));
	if (nm_is_bwrap(&src->up)) {
		d = ms_ingress(core, buf, len);
		/* Attached without its host stack: dropped, and counted as such. */
		if (d.verdict == MS_VERDICT_HOST && ms_host_port_of(src) == NM_BDG_NOPORT)
			d = ms_core_override(core, MS_DIR_INGRESS, d, MS_REASON_NO_HOST_PORT);
	} else {
		d = ms_egress(core, buf, len, (uint16_t) src->bdg_port);
	}
	NET_EPOCH_EXIT(et);

	if (nm_is_bwrap(&src->up))
		dst = ms_ingress_port(src, d);
	else if (d.verdict == MS_VERDICT_NIC)
		dst = ms_nic_port(src->na_bdg);
	else
		dst = NM_BDG_NOPORT;
	/* Stacks and the host stack usually have one ring; the NIC keeps the source's. */
	if (dst < NM_BDG_MAXPORTS && !ms_port_is_nic(src->na_bdg, dst))
		*ring = 0;
	return (dst);
}

void ms_switch_dtor(const struct netmap_vp_adapter *vp)
{
	/* The switch's write lock is held: file references go to the task. */
	if (nm_is_bwrap(__DECONST(struct netmap_adapter *, &vp->up))) {
		atomic_store_int(&ms_sw.nic_port, NM_BDG_NOPORT);
		ms_core_clear_nic_mac(ms_sw.core);
	}
	if (vp->bdg_port >= 0 && vp->bdg_port < NM_BDG_MAXPORTS) {
		ms_requests_owner_gone(ms_sw.requests, (uint16_t) vp->bdg_port, NULL);
		ms_unwatch_owner((uint16_t) vp->bdg_port);
	}
}

/*
 * A switch this module created cannot be destroyed while ports remain, and
 * netmap would keep it exclusive to a token nobody holds any more, so the
 * next load could not take it over.  It is opened up instead, as if vale-ctl
 * had made it (as the Linux module does).  Called after the hooks are gone.
 */
void ms_switch_open_up(void)
{
	struct nm_bridge *b = ms_sw.bridge;

	if (b == NULL) {
		printf("multistack: switch %s keeps ports this module never saw; it stays "
		       "exclusive\n",
		       ms_sw.name);
		return;
	}
	BDG_WLOCK(b);
	b->bdg_flags &= ~NM_BDG_EXCLUSIVE;
	BDG_WUNLOCK(b);
	printf("multistack: switch %s still has ports: left in place, no longer exclusive\n",
	       ms_sw.name);
}
