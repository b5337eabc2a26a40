/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Noticing when a port's owner lets go (docs/design.md, "How long a
 * registration lives"): registrations end when the owner's rings are
 * released, even if another descriptor keeps the port alive (netmap then
 * calls no dtor).  netmap calls a port adapter's nm_register hook with
 * onoff == 0 whenever rings leave netmap mode, so while a port holds
 * registrations its hook is wrapped ("watched"), as on Linux
 * (kernel/linux/ms_port.c): once the rings are no longer held exclusively by
 * one descriptor, the owner is gone.
 *
 * Unloading: a watched port's hook points into this module, so MOD_UNLOAD
 * is refused (EBUSY) while any port is watched, that is while any
 * registration exists, and no port is watched once unloading has begun.
 * A hook call through a pointer netmap read just before an UNBIND gave its
 * own hook back may still be running module text: netmap makes every
 * nm_register call with its global lock (NMG_LOCK) held, and unloading gives
 * the switch back through netmap_bdg_regops(), which takes that lock first,
 * so it waits such a call out.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/socket.h>

/* After sys/socket.h: net/if.h needs struct sockaddr. */
#include <net/if.h>

#include "ms_fbsd.h"
#include "ms_netmap.h"
#include "multistack/ms_request.h"

/* One watched port: its adapter, the hook netmap gave it, its owner id. */
struct ms_watch {
	struct netmap_adapter *na;
	int (*saved_register)(struct netmap_adapter *na, int onoff);
	uint16_t owner;
};

static struct mtx ms_watch_mtx;
static struct ms_watch ms_watches[NM_BDG_MAXPORTS];
static u_int ms_watch_count;
static bool ms_watch_closed; /* unloading: no more watches */
/* netmap's hook for VALE ports (one function for all of them), as first seen. */
static int (*ms_vp_register)(struct netmap_adapter *na, int onoff);

static struct ms_watch *ms_watch_of(const struct netmap_adapter *na)
{
	u_int i;

	for (i = 0; i < NM_BDG_MAXPORTS; i++)
		if (ms_watches[i].na == na)
			return (&ms_watches[i]);
	return (NULL);
}

/* Gives netmap its hook back; true if the port was watched.  The mutex is held. */
static bool ms_unwatch_locked(struct ms_watch *watch, struct ms_watch *out)
{
	if (watch == NULL || watch->na == NULL)
		return (false);
	if (out != NULL)
		*out = *watch;
	atomic_store_ptr(&watch->na->nm_register, watch->saved_register);
	memset(watch, 0, sizeof(*watch));
	ms_watch_count--;
	return (true);
}

/* netmap calls this with its global lock held when rings go in or out of netmap mode. */
static int ms_watched_register(struct netmap_adapter *na, int onoff)
{
	int (*saved)(struct netmap_adapter * na, int onoff);
	struct ms_watch *watch, gone;
	bool owner_left = false;
	int error;

	mtx_lock(&ms_watch_mtx);
	watch = ms_watch_of(na);
	/* Unwatched a moment ago (last UNBIND) but called through the hook netmap had read. */
	saved = watch != NULL ? watch->saved_register : ms_vp_register;
	mtx_unlock(&ms_watch_mtx);
	error = saved(na, onoff);
	if (onoff)
		return (error);

	mtx_lock(&ms_watch_mtx);
	if (!ms_port_rings_held_exclusively(na))
		owner_left = ms_unwatch_locked(ms_watch_of(na), &gone);
	mtx_unlock(&ms_watch_mtx);
	if (owner_left)
		ms_requests_owner_gone(ms_sw.requests, gone.owner, NULL);
	return (error);
}

void ms_watch_init(void)
{
	mtx_init(&ms_watch_mtx, "multistack watch", NULL, MTX_DEF);
	ms_watch_closed = false;
}

void ms_watch_fini(void)
{
	if (mtx_initialized(&ms_watch_mtx))
		mtx_destroy(&ms_watch_mtx);
}

int ms_watch_close(void)
{
	int error = 0;

	/* MOD_UNLOAD also follows a MOD_LOAD that failed before ms_watch_init(). */
	if (!mtx_initialized(&ms_watch_mtx))
		return (0);
	mtx_lock(&ms_watch_mtx);
	if (ms_watch_count != 0)
		error = EBUSY;
	else
		ms_watch_closed = true;
	mtx_unlock(&ms_watch_mtx);
	return (error);
}

/* Under the switch's read lock (config): the port cannot leave meanwhile. */
int ms_watch_port(struct netmap_vp_adapter *vp)
{
	struct netmap_adapter *na = &vp->up;
	struct ms_watch *slot;
	int error = 0;

	mtx_lock(&ms_watch_mtx);
	if (ms_watch_closed) {
		error = EBUSY;
		goto out;
	}
	if (ms_watch_of(na) != NULL)
		goto out;
	slot = ms_watch_of(NULL);
	if (slot == NULL) {
		error = ENOSPC;
		goto out;
	}
	/* Every plain VALE port has netmap's same hook; anything else is not wrapped. */
	if (na->nm_register == NULL ||
	    (ms_vp_register != NULL && na->nm_register != ms_vp_register)) {
		error = EBUSY;
		goto out;
	}
	ms_vp_register = na->nm_register;
	slot->na = na;
	slot->owner = (uint16_t) vp->bdg_port;
	slot->saved_register = na->nm_register;
	ms_watch_count++;
	atomic_store_ptr(&na->nm_register, ms_watched_register);
	/*
	 * An owner closing right now has released its rings before netmap
	 * reads the hook: if they are gone already, the hook may be missed.
	 */
	atomic_thread_fence_seq_cst();
	if (!ms_port_rings_held_exclusively(na)) {
		ms_unwatch_locked(slot, NULL);
		error = EBUSY;
	}
out:
	mtx_unlock(&ms_watch_mtx);
	return (error);
}

/* The owner's last registration went (UNBIND, revoked) or its port left the switch. */
void ms_unwatch_owner(uint16_t owner)
{
	u_int i;

	mtx_lock(&ms_watch_mtx);
	for (i = 0; i < NM_BDG_MAXPORTS; i++)
		if (ms_watches[i].na != NULL && ms_watches[i].owner == owner)
			ms_unwatch_locked(&ms_watches[i], NULL);
	mtx_unlock(&ms_watch_mtx);
}
