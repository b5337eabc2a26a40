// SPDX-License-Identifier: BSD-2-Clause
/*
 * Which switch port is the caller's, and noticing when its owner lets go.
 *
 * netmap lets anyone who opens a port's name share that port, so a name in a
 * request proves nothing.  A port is the caller's when the caller holds a
 * netmap fd whose registration took every TX and RX ring of the port with
 * NR_EXCLUSIVE: netmap then refuses the rings to every later opener (EBUSY),
 * and an opener without rings (NR_REG_NULL) is not the owner.
 *
 * Registrations must end when that owner's rings are released, even if an
 * opener without rings keeps the port alive (no dtor then).  netmap calls the
 * port adapter's nm_register hook with onoff == 0 whenever rings leave netmap
 * mode, so while a port holds registrations its hook is wrapped ("watched").
 * A watched port holds a module reference: the module cannot be unloaded
 * under a hook that points into it.
 *
 * Dropping that reference from module code leaves the usual window: the code
 * that drops the last reference still runs module text afterwards (its
 * return), and an rmmod could free that text meanwhile.  The window is closed
 * by netmap's locks rather than by where the reference is dropped (any module
 * function that drops it runs some instructions after it):
 *   - the hook: netmap calls nm_register only with its global lock
 *     (NMG_LOCK) held, and releases it only after the hook has returned into
 *     netmap;
 *   - UNBIND (config) and a port leaving (dtor) drop their reference with the
 *     switch's lock held, read or write, which netmap releases only after
 *     they have returned into it;
 *   - module exit gives the switch back first (ms_exit(), ms_netmap_detach(),
 *     netmap_bdg_regops()), and regops takes NMG_LOCK, then this switch's
 *     write lock, before anything of the module is freed (the module's memory
 *     goes only after exit returns).
 * So an rmmod that follows the last module_put() waits, inside exit, until
 * every hook, config and dtor call still running has left the module.  The
 * same holds for a hook call through the pointer netmap read just before an
 * UNBIND gave netmap's own hook back.
 */
#include <linux/ctype.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <net/net_namespace.h>

/* netmap's headers, in the order they need each other. */
#include "bsd_glue.h"

#include <net/netmap.h>

#include <dev/netmap/netmap_kern.h>

#include <dev/netmap/netmap_bdg.h>

#include "ms_netmap.h"

bool ms_is_host_port(const struct netmap_vp_adapter *vp)
{
	return vp->up.na_hostvp == vp;
}

/* A NIC joins a switch wrapped in an adapter whose na_private is the wrapper itself. */
bool ms_is_nic_port(const struct netmap_vp_adapter *vp)
{
	return vp->up.na_private == (const void *) vp;
}

bool ms_is_our_switch(const struct netmap_vp_adapter *vp)
{
	const struct nm_bridge *b = READ_ONCE(vp->na_bdg);

	return b && b->private_data == ms_linux_core;
}

/* Both directions, whatever their order in enum txrx (netmap has NR_RX first). */
static const enum txrx ms_directions[] = { NR_TX, NR_RX };

/* Every ring of the port is held, by one fd only (NR_EXCLUSIVE), or false. */
static bool ms_rings_held_exclusively(struct netmap_adapter *na)
{
	u_int d, i;

	for (d = 0; d < ARRAY_SIZE(ms_directions); d++) {
		enum txrx t = ms_directions[d];
		struct netmap_kring **rings = NMR(na, t);
		u_int n = nma_get_nrings(na, t);

		if (!rings || n == 0)
			return false;
		for (i = 0; i < n; i++) {
			const struct netmap_kring *kring = READ_ONCE(rings[i]);

			if (!kring || kring->users != 1 || !(kring->nr_kflags & NKR_EXCLUSIVE))
				return false;
		}
	}
	return true;
}

static bool ms_priv_owns_port(const struct netmap_priv_d *priv, struct netmap_adapter *na)
{
	u_int d;

	if (!(priv->np_flags & NR_EXCLUSIVE))
		return false;
	for (d = 0; d < ARRAY_SIZE(ms_directions); d++) {
		enum txrx t = ms_directions[d];

		if (priv->np_qfirst[t] != 0 || priv->np_qlast[t] < nma_get_nrings(na, t))
			return false;
	}
	return ms_rings_held_exclusively(na);
}

/* A file is a netmap fd when /dev/netmap's driver, the module named netmap, owns its operations. */
static bool ms_is_netmap_file(const struct file *file)
{
	const struct file_operations *fops = file->f_op;

	return fops && fops->owner && S_ISCHR(file_inode(file)->i_mode) &&
	       strcmp(module_name(fops->owner), "netmap") == 0;
}

struct ms_port_search {
	const char *name;
	struct netmap_vp_adapter *found;
};

/* Under the file table's lock: reads, compares, takes nothing. */
static int ms_port_visit(const void *arg, struct file *file, unsigned fd)
{
	/* iterate_fd() passes its argument as const; the search is ours to fill. */
	struct ms_port_search *search = (struct ms_port_search *) arg;
	const struct netmap_priv_d *priv;
	struct netmap_vp_adapter *vp;
	struct netmap_adapter *na;

	if (!ms_is_netmap_file(file))
		return 0;
	priv = file->private_data;
	na = priv ? READ_ONCE(priv->np_na) : NULL;
	if (!na || strncmp(na->name, search->name, sizeof(na->name)) != 0)
		return 0;
	/* Named as only a switch port can be (ms_is_switch_port_name), so a vp adapter. */
	vp = (struct netmap_vp_adapter *) na;
	if (!ms_is_our_switch(vp) || ms_is_nic_port(vp) || ms_is_host_port(vp) ||
	    !ms_priv_owns_port(priv, na))
		return 0;
	search->found = vp;
	return (int) fd + 1;
}

/*
 * A name netmap can only give to a switch port: "<switch>:<id>" with id made
 * of letters, digits and '_'.  Pipes ('{', '}'), monitors ('/'), host ports
 * ('^') and NICs (Linux refuses ':' in interface names) never match, so an
 * adapter found under such a name is a struct netmap_vp_adapter.
 */
static bool ms_is_switch_port_name(const char *name)
{
	size_t len = strlen(ms_switch_name);
	const char *id = name + len;

	if (strncmp(name, ms_switch_name, len) != 0 || *id == '\0')
		return false;
	for (; *id; id++)
		if (!isalnum((unsigned char) *id) && *id != '_')
			return false;
	return true;
}

/*
 * Runs in config, under the switch's read lock (held by netmap around
 * config), so the port cannot leave the switch meanwhile.
 */
struct netmap_vp_adapter *ms_port_of_caller(const char *name)
{
	struct ms_port_search search = { .name = name, .found = NULL };

	/* The switch lives in the initial namespace; netmap keeps one set per namespace. */
	if (current->nsproxy->net_ns != &init_net)
		return NULL;
	if (!ms_is_switch_port_name(name))
		return NULL;
	if (!iterate_fd(current->files, 0, ms_port_visit, &search))
		return NULL;
	return search.found;
}

/* One watched port: its adapter, the hook netmap gave it, its owner id. */
struct ms_watch {
	struct netmap_adapter *na;
	int (*saved_register)(struct netmap_adapter *na, int onoff);
	u16 owner;
};

static DEFINE_MUTEX(ms_watch_mutex);
static struct ms_watch ms_watches[NM_BDG_MAXPORTS];
/* netmap's hook for VALE ports (one function for all of them), as first seen. */
static int (*ms_vp_register)(struct netmap_adapter *na, int onoff);

static struct ms_watch *ms_watch_of(const struct netmap_adapter *na)
{
	unsigned i;

	for (i = 0; i < NM_BDG_MAXPORTS; i++)
		if (ms_watches[i].na == na)
			return &ms_watches[i];
	return NULL;
}

/* Takes the slot out and gives back netmap's hook; the caller drops the module reference. */
static bool ms_unwatch_locked(struct netmap_adapter *na, struct ms_watch *out)
{
	struct ms_watch *watch = ms_watch_of(na);

	if (!watch)
		return false;
	*out = *watch;
	WRITE_ONCE(na->nm_register, watch->saved_register);
	memset(watch, 0, sizeof(*watch));
	return true;
}

/*
 * netmap calls this (with its global lock held) when rings of the port go
 * in or out of netmap mode.  Once the owner's rings are out, the owner is
 * gone: its registrations end, and the port is no longer watched.
 */
static int ms_watched_register(struct netmap_adapter *na, int onoff)
{
	int (*saved)(struct netmap_adapter * na, int onoff);
	struct ms_watch *watch;
	struct ms_watch gone;
	bool owner_left = false;
	int err;

	mutex_lock(&ms_watch_mutex);
	watch = ms_watch_of(na);
	/* Unwatched a moment ago (last UNBIND) but called through the hook netmap had read. */
	saved = watch ? watch->saved_register : ms_vp_register;
	mutex_unlock(&ms_watch_mutex);
	err = saved(na, onoff);
	if (onoff)
		return err;

	mutex_lock(&ms_watch_mutex);
	if (!ms_rings_held_exclusively(na))
		owner_left = ms_unwatch_locked(na, &gone);
	mutex_unlock(&ms_watch_mutex);
	if (owner_left) {
		ms_requests_owner_gone(ms_linux_requests, gone.owner, NULL);
		/* Safe to return through module text: NMG_LOCK orders rmmod after us (above). */
		module_put(THIS_MODULE);
	}
	return err;
}

int ms_port_watch(struct netmap_vp_adapter *vp)
{
	struct netmap_adapter *na = &vp->up;
	struct ms_watch *slot;
	int err = 0;

	mutex_lock(&ms_watch_mutex);
	if (ms_watch_of(na))
		goto out;
	slot = ms_watch_of(NULL);
	if (!slot) {
		err = ENOSPC;
		goto out;
	}
	/* Every plain VALE port has netmap's same hook; anything else is not wrapped. */
	if (!na->nm_register || (ms_vp_register && na->nm_register != ms_vp_register)) {
		err = EBUSY;
		goto out;
	}
	ms_vp_register = na->nm_register;
	slot->na = na;
	slot->owner = (u16) vp->bdg_port;
	slot->saved_register = na->nm_register;
	__module_get(THIS_MODULE);
	WRITE_ONCE(na->nm_register, ms_watched_register);
	/*
	 * An owner closing right now has released its rings before netmap
	 * reads the hook: if they are gone already, our hook may be missed.
	 */
	smp_mb();
	if (!ms_rings_held_exclusively(na)) {
		struct ms_watch undone;

		ms_unwatch_locked(na, &undone);
		module_put(THIS_MODULE);
		err = EBUSY;
	}
out:
	mutex_unlock(&ms_watch_mutex);
	return err;
}

void ms_port_unwatch(const struct netmap_vp_adapter *vp)
{
	struct ms_watch gone;
	bool was_watched;

	mutex_lock(&ms_watch_mutex);
	was_watched = ms_unwatch_locked((struct netmap_adapter *) &vp->up, &gone);
	mutex_unlock(&ms_watch_mutex);
	if (was_watched)
		module_put(THIS_MODULE);
}
