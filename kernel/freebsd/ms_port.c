/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which switch port is the caller's (docs/design.md, "Isolation model").
 *
 * netmap lets anyone who opens a port's name share that port, so a name
 * proves nothing.  NIOCCONFIG arrives through netmap's ioctl on one of the
 * caller's descriptors, and during that ioctl devfs knows the file in use
 * (curthread->td_fpop): devfs_get_cdevpriv() returns netmap's private state
 * of exactly that descriptor.  The port is the caller's when that descriptor
 * is registered on a plain VALE port of this module's switch, nifr_name
 * names it, and the registration took every TX and RX ring of the port with
 * NR_EXCLUSIVE: netmap then refuses the rings to every later opener (EBUSY),
 * and an opener holding no rings is not the owner.  This is the rule the
 * Linux glue applies to the caller's netmap descriptors; FreeBSD can apply
 * it to the very descriptor of the request.
 *
 * Network stacks: netmap on FreeBSD keeps one set of VALE switches for the
 * whole system, whatever the caller's vnet (on Linux each network namespace
 * has its own).  The switch's stack is the host's (prison0's vnet, where the
 * module is loaded and the NIC attached); a caller in a jail with a vnet of
 * its own is refused, as Linux refuses a caller from another namespace.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/conf.h>
#include <sys/jail.h>
#include <sys/proc.h>
#include <sys/socket.h>
#include <sys/ucred.h>

/* After sys/socket.h: net/if.h needs struct sockaddr. */
#include <net/if.h>

#include "ms_fbsd.h"
#include "ms_netmap.h"

/*
 * Read through the credential's prison rather than TD_TO_VNET(), which
 * net/vnet.h defines as NULL unless VIMAGE is defined for this module's
 * build, whatever the running kernel has.  A kernel without VIMAGE leaves
 * every pr_vnet and so_vnet NULL: one stack, always equal.
 */
bool ms_vnet_is_switchs(const struct vnet *vnet)
{
	return (vnet == prison0.pr_vnet);
}

bool ms_caller_in_switchs_vnet(void)
{
	return (ms_vnet_is_switchs(curthread->td_ucred->cr_prison->pr_vnet));
}

/* Both directions, whatever their order in enum txrx (netmap has NR_RX first). */
static const enum txrx ms_directions[] = { NR_TX, NR_RX };

/* Every ring of the port is bound by one descriptor only, with NR_EXCLUSIVE. */
bool ms_port_rings_held_exclusively(struct netmap_adapter *na)
{
	u_int d, i;

	for (d = 0; d < nitems(ms_directions); d++) {
		enum txrx t = ms_directions[d];
		struct netmap_kring **rings = NMR(na, t);
		u_int n = nma_get_nrings(na, t);

		if (rings == NULL || n == 0)
			return (false);
		for (i = 0; i < n; i++) {
			const struct netmap_kring *kring = rings[i];

			if (kring == NULL || kring->users != 1 ||
			    (kring->nr_kflags & NKR_EXCLUSIVE) == 0)
				return (false);
		}
	}
	return (true);
}

/* The descriptor's own registration covers every ring, exclusively. */
static bool ms_priv_owns_port(const struct netmap_priv_d *priv, struct netmap_adapter *na)
{
	u_int d;

	if ((priv->np_flags & NR_EXCLUSIVE) == 0)
		return (false);
	for (d = 0; d < nitems(ms_directions); d++) {
		enum txrx t = ms_directions[d];

		if (priv->np_qfirst[t] != 0 || priv->np_qlast[t] < nma_get_nrings(na, t))
			return (false);
	}
	return (ms_port_rings_held_exclusively(na));
}

/*
 * Runs in config, under the switch's read lock, so the port cannot leave
 * the switch meanwhile; netmap's global lock is not held, so the ring
 * counts read here are those of the last completed registration.
 */
int ms_port_of_caller(const char *nifr_name, uint16_t *owner, struct netmap_vp_adapter **port)
{
	struct netmap_priv_d *priv = NULL;
	struct netmap_vp_adapter *vp;
	struct netmap_adapter *na;

	if (!ms_caller_in_switchs_vnet())
		return (EPERM);
	if (devfs_get_cdevpriv((void **) &priv) != 0 || priv == NULL)
		return (EPERM);
	na = priv->np_na;
	/* A NIC's wrapper, a pipe, a monitor, a null port: not a stack's VALE port. */
	if (na == NULL || nm_is_bwrap(na) || na->na_vp != (struct netmap_vp_adapter *) na)
		return (EPERM);
	vp = (struct netmap_vp_adapter *) na;
	if (vp->na_bdg == NULL || vp->na_bdg->private_data != ms_sw.core || ms_port_is_host(vp) ||
	    vp->bdg_port < 0 || vp->bdg_port >= NM_BDG_MAXPORTS)
		return (EPERM);
	if (strncmp(na->name, ms_sw.name, strlen(ms_sw.name)) != 0 ||
	    strncmp(na->name, nifr_name, MS_NAME_MAX) != 0)
		return (EPERM);
	if (!ms_priv_owns_port(priv, na))
		return (EPERM);
	ms_note_bridge(vp->na_bdg);
	*owner = (uint16_t) vp->bdg_port;
	*port = vp;
	return (0);
}
