// SPDX-License-Identifier: BSD-2-Clause
/*
 * TEST DOUBLE of netmap's switch-module interface, built as netmap.ko.
 *
 * It keeps VALE switches per network namespace as arrays of ports, exports
 * the functions a switch module calls (regops, vale_create/destroy,
 * bdg_name), and gives userspace a /dev/netmap whose fds register on ports
 * (shared by name, with netmap's ring ownership rules), attach NICs as
 * vale-ctl does, send NIOCCONFIG to the switch's config hook, and push one
 * frame through its lookup hook and report the answer (NMD_IOC_INJECT).
 * Frames written to a port's fd are forwarded for real: netmap_double_path.c
 * (see README.md).
 */
#include <linux/compat.h>
#include <linux/etherdevice.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <net/net_namespace.h>

#include "netmap_double.h"
#include "netmap_double_uapi.h"

struct nm_bridge nmd_bridges[NMD_BRIDGES];
DEFINE_MUTEX(nmd_lock);

/* The MAC of a NIC the double makes up, when the caller's namespace has no device of that name. */
static const u8 nmd_dummy_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

struct net *nmd_current_ns(void)
{
	return current->nsproxy ? current->nsproxy->net_ns : &init_net;
}

struct net *nmd_bridge_ns(const struct nm_bridge *b)
{
#ifdef CONFIG_NET_NS
	return b->ns;
#else
	return &init_net;
#endif
}

static int nmd_basename_len(const char *name)
{
	const char *colon = strchr(name, ':');

	if (!colon || colon == name || colon - name >= IFNAMSIZ)
		return -1;
	return (int) (colon - name);
}

bool nmd_in_use(const struct nm_bridge *b)
{
	return (b->bdg_flags & NM_BDG_ACTIVE) || b->bdg_active_ports;
}

/* The switch of name's prefix in the caller's network namespace.  With nmd_lock held. */
static struct nm_bridge *nmd_find(const char *name)
{
	int len = nmd_basename_len(name);
	struct net *ns = nmd_current_ns();
	int i;

	if (len < 0)
		return NULL;
	for (i = 0; i < NMD_BRIDGES; i++) {
		struct nm_bridge *b = &nmd_bridges[i];

		if (nmd_in_use(b) && nmd_bridge_ns(b) == ns && b->bdg_namelen == len &&
		    strncmp(b->bdg_basename, name, len) == 0)
			return b;
	}
	return NULL;
}

/* A new switch in the caller's namespace; it holds the namespace.  With nmd_lock held. */
static struct nm_bridge *nmd_create(const char *name)
{
	int len = nmd_basename_len(name);
	int i;

	if (len < 0)
		return NULL;
	for (i = 0; i < NMD_BRIDGES; i++) {
		struct nm_bridge *b = &nmd_bridges[i];
		int p;

		if (nmd_in_use(b))
			continue;
		memset(b->bdg_basename, 0, sizeof(b->bdg_basename));
		memcpy(b->bdg_basename, name, len);
		b->bdg_namelen = len;
		for (p = 0; p < NM_BDG_MAXPORTS; p++)
			b->bdg_port_index[p] = p;
		memset(&b->bdg_ops, 0, sizeof(b->bdg_ops));
		b->private_data = NULL;
		b->bdg_flags = 0;
#ifdef CONFIG_NET_NS
		b->ns = get_net(nmd_current_ns());
#endif
		return b;
	}
	return NULL;
}

/* Forgets a switch that has no port left and was not made by a module.  With nmd_lock held. */
static void nmd_bridge_free(struct nm_bridge *b)
{
	if (nmd_in_use(b))
		return;
	memset(&b->bdg_ops, 0, sizeof(b->bdg_ops));
	b->private_data = NULL;
#ifdef CONFIG_NET_NS
	put_net(b->ns);
	b->ns = NULL;
#endif
}

const char *netmap_bdg_name(struct netmap_vp_adapter *vp)
{
	return vp->na_bdg ? vp->na_bdg->bdg_basename : NULL;
}
EXPORT_SYMBOL(netmap_bdg_name);

/* The token of an exclusive switch is the switch itself: unique while it lives. */
static bool nmd_token_ok(struct nm_bridge *b, void *token)
{
	return !(b->bdg_flags & NM_BDG_EXCLUSIVE) || token == b;
}

int netmap_bdg_regops(const char *name, struct netmap_bdg_ops *ops, void *private_data,
		      void *auth_token)
{
	struct nm_bridge *b;
	int err = 0;

	mutex_lock(&nmd_lock);
	b = nmd_find(name);
	if (!b) {
		err = ENXIO;
	} else if (!nmd_token_ok(b, auth_token)) {
		err = EACCES;
	} else {
		BDG_WLOCK(b);
		if (ops) {
			/* as netmap: only the hooks given replace the switch's */
			if (ops->lookup)
				b->bdg_ops.lookup = ops->lookup;
			if (ops->config)
				b->bdg_ops.config = ops->config;
			if (ops->dtor)
				b->bdg_ops.dtor = ops->dtor;
			b->private_data = private_data;
		} else {
			memset(&b->bdg_ops, 0, sizeof(b->bdg_ops));
			b->private_data = NULL;
		}
		BDG_WUNLOCK(b);
	}
	mutex_unlock(&nmd_lock);
	return err;
}
EXPORT_SYMBOL(netmap_bdg_regops);

void *netmap_vale_create(const char *name, int *return_status)
{
	struct nm_bridge *b;

	mutex_lock(&nmd_lock);
	if (nmd_find(name)) {
		*return_status = EEXIST;
		b = NULL;
	} else {
		b = nmd_create(name);
		*return_status = b ? 0 : ENOMEM;
		if (b)
			b->bdg_flags = NM_BDG_ACTIVE | NM_BDG_EXCLUSIVE;
	}
	mutex_unlock(&nmd_lock);
	return b;
}
EXPORT_SYMBOL(netmap_vale_create);

int netmap_vale_destroy(const char *name, void *auth_token)
{
	struct nm_bridge *b;
	int err = 0;

	mutex_lock(&nmd_lock);
	b = nmd_find(name);
	if (!b) {
		err = ENXIO;
	} else if (!nmd_token_ok(b, auth_token)) {
		err = EACCES;
	} else if (!(b->bdg_flags & NM_BDG_EXCLUSIVE)) {
		err = EINVAL;
	} else if (b->bdg_active_ports) {
		err = EBUSY;
	} else {
		b->bdg_flags = 0;
		nmd_bridge_free(b);
	}
	mutex_unlock(&nmd_lock);
	return err;
}
EXPORT_SYMBOL(netmap_vale_destroy);

/* With nmd_lock held. */
static struct netmap_vp_adapter *nmd_port_by_name(struct nm_bridge *b, const char *name)
{
	uint32_t i;

	for (i = 0; i < b->bdg_active_ports; i++) {
		struct netmap_vp_adapter *vp = b->bdg_ports[b->bdg_port_index[i]];

		if (vp && strncmp(vp->up.name, name, sizeof(vp->up.name)) == 0)
			return vp;
	}
	return NULL;
}

/* With nmd_lock and the write lock held; the port takes the next free index. */
static void nmd_port_add(struct nm_bridge *b, struct netmap_vp_adapter *vp)
{
	int index = (int) b->bdg_port_index[b->bdg_active_ports++];

	vp->bdg_port = index;
	vp->na_bdg = b;
	b->bdg_ports[index] = vp;
}

/* With nmd_lock and the write lock held. */
static void nmd_port_remove(struct nm_bridge *b, struct netmap_vp_adapter *vp)
{
	uint32_t i;

	for (i = 0; i < b->bdg_active_ports; i++) {
		if (b->bdg_port_index[i] != (uint32_t) vp->bdg_port)
			continue;
		b->bdg_active_ports--;
		b->bdg_port_index[i] = b->bdg_port_index[b->bdg_active_ports];
		b->bdg_port_index[b->bdg_active_ports] = vp->bdg_port;
		break;
	}
	b->bdg_ports[vp->bdg_port] = NULL;
	vp->na_bdg = NULL;
}

/*
 * A port leaves its switch: the switch's dtor sees the NIC's (or VALE)
 * port go, both leave under the write lock, then the switch may go too.
 * With nmd_lock held.
 */
static void nmd_detach(struct netmap_vp_adapter *vp, struct netmap_vp_adapter *host)
{
	struct nm_bridge *b = vp->na_bdg;

	if (!b)
		return;
	BDG_WLOCK(b);
	if (b->bdg_ops.dtor)
		b->bdg_ops.dtor(vp);
	nmd_port_remove(b, vp);
	if (host && host->na_bdg == b)
		nmd_port_remove(b, host);
	BDG_WUNLOCK(b);
	nmd_bridge_free(b);
}

static void nmd_rings_init(struct netmap_adapter *na, struct nmd_rings *r)
{
	enum txrx t;

	for (t = NR_RX; t < NR_TXRX; t++) {
		struct netmap_kring *k = &r->kring[t];

		k->tx = t;
		k->ring_id = 0;
		k->na = na;
		snprintf(k->name, sizeof(k->name), "%s %s0", na->name, t == NR_TX ? "TX" : "RX");
		r->ptr[t] = k;
	}
	na->tx_rings = &r->ptr[NR_TX];
	na->rx_rings = &r->ptr[NR_RX];
	na->num_tx_rings = 1;
	na->num_rx_rings = 1;
}

#define nmd_foreach_selected_ring(priv, t, i, k) \
	for ((t) = NR_RX; (t) < NR_TXRX; (t)++)  \
		for ((i) = (priv)->np_qfirst[t]; \
		     (i) < (priv)->np_qlast[t] && ((k) = NMR((priv)->np_na, t)[i]); (i)++)

/* netmap's rule: EBUSY if a ring is held exclusively, or is held and we ask to hold it alone. */
static int nmd_krings_get(struct netmap_priv_d *priv)
{
	bool excl = priv->np_flags & NR_EXCLUSIVE;
	struct netmap_kring *k;
	enum txrx t;
	u_int i;

	nmd_foreach_selected_ring(priv, t, i, k)
	{
		if ((k->nr_kflags & NKR_EXCLUSIVE) || (k->users && excl))
			return EBUSY;
	}
	nmd_foreach_selected_ring(priv, t, i, k)
	{
		k->users++;
		if (excl)
			k->nr_kflags |= NKR_EXCLUSIVE;
		k->nr_pending_mode = NKR_NETMAP_ON;
	}
	return 0;
}

static void nmd_krings_put(struct netmap_priv_d *priv)
{
	bool excl = priv->np_flags & NR_EXCLUSIVE;
	struct netmap_kring *k;
	enum txrx t;
	u_int i;

	nmd_foreach_selected_ring(priv, t, i, k)
	{
		if (excl)
			k->nr_kflags &= ~NKR_EXCLUSIVE;
		k->users--;
		if (k->users == 0)
			k->nr_pending_mode = NKR_NETMAP_OFF;
	}
}

/* Some ring of priv is to change mode: netmap then calls nm_register. */
static bool nmd_kring_pending(struct netmap_priv_d *priv)
{
	struct netmap_kring *k;
	enum txrx t;
	u_int i;

	nmd_foreach_selected_ring(priv, t, i, k)
	{
		if (k->nr_mode != k->nr_pending_mode)
			return true;
	}
	return false;
}

/* The default nm_register of a switch port: commit the rings' modes under the write lock. */
static int nmd_vp_reg(struct netmap_adapter *na, int onoff)
{
	struct netmap_vp_adapter *vp = (struct netmap_vp_adapter *) na;
	enum txrx t;

	if (vp->na_bdg)
		BDG_WLOCK(vp->na_bdg);
	if (onoff && na->active_fds == 0)
		na->na_flags |= NAF_NETMAP_ON;
	else if (!onoff && na->active_fds == 0)
		na->na_flags &= ~NAF_NETMAP_ON;
	for (t = NR_RX; t < NR_TXRX; t++) {
		u_int i;

		for (i = 0; i < nma_get_nrings(na, t); i++) {
			struct netmap_kring *k = NMR(na, t)[i];

			if (onoff && k->nr_pending_mode == NKR_NETMAP_ON)
				k->nr_mode = NKR_NETMAP_ON;
			else if (!onoff && k->nr_pending_mode == NKR_NETMAP_OFF)
				k->nr_mode = NKR_NETMAP_OFF;
		}
	}
	if (vp->na_bdg)
		BDG_WUNLOCK(vp->na_bdg);
	return 0;
}

/* What np_nifp points at while an fd is registered (the double maps no netmap_if). */
static char nmd_nifp_token;

/*
 * netmap_do_regif(): select the rings, take them (EBUSY as netmap), call
 * nm_register(na, 1) when the port's first registration comes or a ring
 * changes mode, count the fd.  As in netmap, np_na is set first (the ring
 * walks read it) and cleared again on failure.  With nmd_lock held.
 */
static int nmd_regif(struct netmap_priv_d *priv, struct netmap_adapter *na, uint32_t nr_flags)
{
	enum txrx t;
	int err;

	priv->np_flags = nr_flags;
	for (t = NR_RX; t < NR_TXRX; t++) {
		/* as netmap_interp_ringid(): NR_TX_RINGS_ONLY leaves out RX, and the reverse */
		bool out = nr_flags & (t == NR_RX ? NR_TX_RINGS_ONLY : NR_RX_RINGS_ONLY);

		priv->np_qfirst[t] = 0;
		priv->np_qlast[t] = out ? 0 : nma_get_nrings(na, t);
	}
	WRITE_ONCE(priv->np_na, na);
	err = nmd_krings_get(priv);
	if (err)
		goto fail;
	if (na->active_fds == 0 || nmd_kring_pending(priv)) {
		err = na->nm_register(na, 1);
		if (err) {
			nmd_krings_put(priv);
			goto fail;
		}
	}
	na->active_fds++;
	priv->np_nifp = (struct netmap_if *) &nmd_nifp_token;
	return 0;
fail:
	WRITE_ONCE(priv->np_na, NULL);
	return err;
}

/*
 * netmap_do_unregif(): uncount the fd, put its rings, and call nm_register(na, 0)
 * THROUGH THE ADAPTER'S POINTER when the last fd goes or one of its rings goes off.
 * With nmd_lock held; the caller then drops the fd's reference to the adapter.
 */
static void nmd_unregif(struct netmap_priv_d *priv)
{
	struct netmap_adapter *na = priv->np_na;

	na->active_fds--;
	nmd_krings_put(priv);
	if (na->active_fds <= 0 || nmd_kring_pending(priv))
		na->nm_register(na, 0);
	priv->np_nifp = NULL;
}

/* netmap_adapter_put(): the last holder destroys the adapter.  With nmd_lock held. */
static void nmd_adapter_put(struct netmap_adapter *na)
{
	if (--na->na_refcount > 0)
		return;
	na->nm_dtor(na);
}

static void nmd_vp_dtor(struct netmap_adapter *na)
{
	struct nmd_vp *p = container_of(na, struct nmd_vp, vp.up);

	nmd_detach(&p->vp, NULL);
	/* off the switch: nothing can queue a frame for it any more */
	nmd_vp_path_fini(p);
	nmd_rings_free(&p->rings);
	kfree(p);
}

static void nmd_nic_dtor(struct netmap_adapter *na)
{
	struct nmd_nic *nic = container_of(na, struct nmd_nic, bwrap.up.up);

	nmd_detach(&nic->bwrap.up, &nic->bwrap.host);
	if (nic->own_dev)
		free_netdev(na->ifp);
	else
		dev_put(na->ifp);
	nmd_rings_free(&nic->rings);
	nmd_rings_free(&nic->host_rings);
	kfree(nic);
}

/* A host port goes with its bwrap, which holds it until then. */
static void nmd_host_dtor(struct netmap_adapter *na)
{
	(void) na;
}

/* The fd's registration goes (close): netmap_priv_delete().  With nmd_lock held. */
static void nmd_priv_delete(struct netmap_priv_d *priv)
{
	struct netmap_adapter *na = priv->np_na;

	if (!na)
		return;
	nmd_unregif(priv);
	WRITE_ONCE(priv->np_na, NULL);
	nmd_adapter_put(na);
}

/* A name after the switch's that names a network device in the caller's namespace. */
static struct net_device *nmd_device_of(const char *name)
{
	int len = nmd_basename_len(name);

	return len < 0 ? NULL : dev_get_by_name(nmd_current_ns(), name + len + 1);
}

static bool nmd_vhl_ok(uint32_t vhl)
{
	return vhl == 0 || vhl == 10 || vhl == 12;
}

/* NIOCREGIF of a VALE port: joins the port of that name, or makes it.  With nmd_lock held. */
static long nmd_register(struct nmd_file *f, struct nmd_attach *req)
{
	struct netmap_vp_adapter *vp;
	struct nm_bridge *b;
	struct nmd_vp *p;
	long err;

	/*
	 * NR_REG_NULL is no way to hold a port without its rings: netmap opens a
	 * separate "null:NAME" adapter then, and only on an allocator given by
	 * nr_mem_id (EINVAL without one; the double has none).  Holding a port
	 * with no ring is NR_TX_RINGS_ONLY | NR_RX_RINGS_ONLY.
	 */
	if ((req->nr_mode != NR_REG_DEFAULT && req->nr_mode != NR_REG_ALL_NIC) ||
	    (req->nr_flags & ~(NR_EXCLUSIVE | NR_TX_RINGS_ONLY | NR_RX_RINGS_ONLY)))
		return -EINVAL;
	b = nmd_find(req->name);
	if (!b)
		b = nmd_create(req->name);
	if (!b)
		return -ENOMEM;
	vp = nmd_port_by_name(b, req->name);
	if (vp) {
		vp->up.na_refcount++;
	} else {
		struct net_device *dev = nmd_device_of(req->name);

		if (dev) { /* "valem:eth0" names a NIC: only vale-ctl may attach it */
			dev_put(dev);
			err = -EINVAL;
			goto out_free_bridge;
		}
		if (b->bdg_active_ports + 2 >= NM_BDG_MAXPORTS) {
			err = -ENOMEM;
			goto out_free_bridge;
		}
		p = kzalloc(sizeof(*p), GFP_KERNEL);
		if (!p) {
			err = -ENOMEM;
			goto out_free_bridge;
		}
		vp = &p->vp;
		strscpy(vp->up.name, req->name, sizeof(vp->up.name));
		vp->up.virt_hdr_len = req->virt_hdr_len;
		vp->up.na_vp = vp;
		vp->up.nm_register = nmd_vp_reg;
		vp->up.nm_dtor = nmd_vp_dtor;
		vp->up.na_refcount = 1;
		nmd_rings_init(&vp->up, &p->rings);
		nmd_vp_path_init(p);
		BDG_WLOCK(b);
		nmd_port_add(b, vp);
		BDG_WUNLOCK(b);
	}
	if (NETMAP_OWNED_BY_KERN(&vp->up)) {
		err = -EBUSY;
		goto out_put;
	}
	err = -nmd_regif(&f->priv, &vp->up, req->nr_flags);
	if (err)
		goto out_put;
	req->port_index = vp->bdg_port;
	req->host_port_index = -1;
	return 0;
out_put:
	nmd_adapter_put(&vp->up);
	return err;
out_free_bridge:
	nmd_bridge_free(b);
	return err;
}

/* A made-up NIC for a name the caller's namespace has no device for. */
static struct net_device *nmd_dummy_device(const char *ifname)
{
	struct net_device *dev = alloc_netdev(0, "nmd%d", NET_NAME_UNKNOWN, ether_setup);

	if (!dev)
		return NULL;
	strscpy(dev->name, ifname, sizeof(dev->name));
	dev_net_set(dev, nmd_current_ns());
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 15, 0)
	eth_hw_addr_set(dev, nmd_dummy_mac);
#else
	memcpy(dev->dev_addr, nmd_dummy_mac, ETH_ALEN);
#endif
	return dev;
}

static void nmd_detach_nic(struct nmd_file *f);

/* vale-ctl -h / -a: a bwrap on the switch, registered by the kernel.  With nmd_lock held. */
static long nmd_attach_nic(struct nmd_file *f, struct nmd_attach *req)
{
	bool with_host = req->kind == NMD_KIND_NIC;
	struct netmap_adapter *na, *hna;
	struct nmd_nic *nic;
	struct nm_bridge *b;
	char host_name[NMD_NAME_LEN + 1];
	long err;

	snprintf(host_name, sizeof(host_name), "%s^", req->name);
	b = nmd_find(req->name);
	if (b && (b->bdg_flags & NM_BDG_EXCLUSIVE))
		return -EACCES; /* what vale-ctl gets on a module's exclusive switch */
	if (!b)
		b = nmd_create(req->name);
	if (!b)
		return -ENOMEM;
	if (nmd_port_by_name(b, req->name) || nmd_port_by_name(b, host_name)) {
		err = -EBUSY; /* the NIC is in use already */
		goto out_free_bridge;
	}
	if (b->bdg_active_ports + 2 >= NM_BDG_MAXPORTS) {
		err = -ENOMEM;
		goto out_free_bridge;
	}
	nic = kzalloc(sizeof(*nic), GFP_KERNEL);
	if (!nic) {
		err = -ENOMEM;
		goto out_free_bridge;
	}
	na = &nic->bwrap.up.up;
	hna = &nic->bwrap.host.up;
	na->ifp = nmd_device_of(req->name);
	if (!na->ifp) {
		na->ifp = nmd_dummy_device(req->name + nmd_basename_len(req->name) + 1);
		nic->own_dev = true;
	}
	if (!na->ifp) {
		kfree(nic);
		err = -ENOMEM;
		goto out_free_bridge;
	}
	strscpy(na->name, req->name, sizeof(na->name));
	strscpy(hna->name, host_name, sizeof(hna->name));
	/* Linked as netmap links a bwrap and its host port, with or without -h. */
	na->na_private = &nic->bwrap;
	na->na_vp = &nic->bwrap.up;
	na->na_hostvp = &nic->bwrap.host;
	na->na_flags = NAF_HOST_RINGS;
	na->virt_hdr_len = req->virt_hdr_len;
	na->nm_register = nmd_vp_reg;
	na->nm_dtor = nmd_nic_dtor;
	na->na_refcount = 1;
	nmd_rings_init(na, &nic->rings);
	hna->ifp = na->ifp;
	hna->na_private = &nic->bwrap;
	hna->na_vp = &nic->bwrap.up;
	hna->na_hostvp = &nic->bwrap.host;
	hna->na_flags = NAF_BUSY; /* no NIOCREGIF of the host port */
	hna->virt_hdr_len = req->virt_hdr_len;
	hna->nm_register = nmd_vp_reg;
	hna->nm_dtor = nmd_host_dtor;
	hna->na_refcount = 1; /* its bwrap's */
	nmd_rings_init(hna, &nic->host_rings);
	BDG_WLOCK(b);
	nmd_port_add(b, &nic->bwrap.up);
	if (with_host)
		nmd_port_add(b, &nic->bwrap.host);
	BDG_WUNLOCK(b);
	/* vale-ctl's registration stays with the kernel: every ring, not exclusive */
	err = -nmd_regif(&nic->kpriv, na, 0);
	if (err) {
		nmd_adapter_put(na);
		return err;
	}
	nic->bwrap.na_kpriv = &nic->kpriv;
	na->na_flags |= NAF_BUSY;
	f->nic = nic;
	/* a real device: what it receives goes into the switch from now on */
	err = -nmd_nic_hook(nic);
	if (err) {
		nmd_detach_nic(f);
		return err;
	}
	req->port_index = nic->bwrap.up.bdg_port;
	req->host_port_index = with_host ? nic->bwrap.host.bdg_port : -1;
	return 0;
out_free_bridge:
	nmd_bridge_free(b);
	return err;
}

/* vale-ctl -d: the kernel's registration goes, then the NIC.  With nmd_lock held. */
static void nmd_detach_nic(struct nmd_file *f)
{
	struct nmd_nic *nic = f->nic;
	struct netmap_adapter *na = &nic->bwrap.up.up;

	f->nic = NULL;
	nmd_nic_unhook(nic);
	nmd_unregif(&nic->kpriv);
	nic->kpriv.np_na = NULL;
	nic->bwrap.na_kpriv = NULL;
	na->na_flags &= ~NAF_BUSY;
	nmd_adapter_put(na);
}

static long nmd_attach(struct nmd_file *f, struct nmd_attach __user *uarg)
{
	struct nmd_attach req;
	long err;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	req.name[NMD_NAME_LEN - 1] = '\0';
	if (req.kind > NMD_KIND_NIC_NO_HOST || nmd_basename_len(req.name) < 0 ||
	    !nmd_vhl_ok(req.virt_hdr_len) || strlen(req.name) + 2 > NETMAP_REQ_IFNAMSIZ)
		return -EINVAL;

	mutex_lock(&nmd_lock);
	if (f->priv.np_nifp || f->nic)
		err = -EBUSY; /* this fd is registered already */
	else if (req.kind == NMD_KIND_VP)
		err = nmd_register(f, &req);
	else
		err = nmd_attach_nic(f, &req);
	mutex_unlock(&nmd_lock);
	if (!err && copy_to_user(uarg, &req, sizeof(req)))
		err = -EFAULT;
	return err;
}

/* The switch's answer for one frame, reported as NMD_IOC_INJECT says.  With nmd_lock held. */
static uint32_t nmd_run_lookup(struct nmd_inject *req, struct netmap_vp_adapter *src)
{
	struct nm_bridge *b = src->na_bdg;
	uint8_t ring = (uint8_t) req->ring;
	uint32_t dst;

	BDG_RLOCK(b);
	dst = nmd_lookup(b, src, req->frame, req->len, req->first_frag_len, &ring);
	req->dst_ring = ring;
	memset(req->dst_name, 0, sizeof(req->dst_name));
	if (dst == NM_BDG_BROADCAST)
		strscpy(req->dst_name, "*", sizeof(req->dst_name));
	else if (dst < NM_BDG_MAXPORTS && b->bdg_ports[dst] && dst != (uint32_t) src->bdg_port)
		strscpy(req->dst_name, b->bdg_ports[dst]->up.name, sizeof(req->dst_name));
	BDG_RUNLOCK(b);
	return dst;
}

/*
 * The port a frame is injected from, or an errno: a NIC fd sends from the NIC
 * or its host port (which must be on the switch); a registered fd sends from
 * its port only if it holds a TX ring (as netmap's TXSYNC on an fd with none
 * sends nothing); an fd registered nowhere has nothing to send from (ENXIO,
 * as netmap's TXSYNC).  With nmd_lock held.
 */
int nmd_inject_source(struct nmd_file *f, bool from_host, struct netmap_vp_adapter **src)
{
	struct netmap_priv_d *priv = &f->priv;

	if (f->nic) {
		*src = from_host ? &f->nic->bwrap.host : &f->nic->bwrap.up;
		return (*src)->na_bdg ? 0 : ENXIO;
	}
	if (!priv->np_nifp || from_host)
		return ENXIO;
	if (priv->np_qfirst[NR_TX] == priv->np_qlast[NR_TX])
		return EPERM;
	*src = (struct netmap_vp_adapter *) priv->np_na;
	return (*src)->na_bdg ? 0 : ENXIO;
}

static long nmd_inject(struct nmd_file *f, struct nmd_inject __user *uarg)
{
	struct netmap_vp_adapter *src = NULL;
	struct nmd_inject *req;
	long err = 0;

	req = kmalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	if (copy_from_user(req, uarg, sizeof(*req))) {
		err = -EFAULT;
		goto out;
	}
	if (req->len == 0 || req->len > NMD_FRAME_MAX || req->first_frag_len >= req->len ||
	    req->from_host > 1) {
		err = -EINVAL;
		goto out;
	}
	mutex_lock(&nmd_lock);
	err = -nmd_inject_source(f, req->from_host, &src);
	if (!err)
		req->dst_port = nmd_run_lookup(req, src);
	mutex_unlock(&nmd_lock);
	if (!err && copy_to_user(uarg, req, sizeof(*req)))
		err = -EFAULT;
out:
	kfree(req);
	return err;
}

/*
 * Routed to the switch's config hook under its read lock, as netmap does:
 * the switch of nifr_name in the CALLER's namespace; EINVAL without one or
 * without a hook.  nmd_lock is not held around the hook (netmap drops
 * NMG_LOCK first); the switch cannot go meanwhile, since freeing it takes
 * nmd_lock and the write lock.
 */
static long nmd_config(struct nm_ifreq __user *uarg)
{
	struct nm_ifreq ifr;
	struct nm_bridge *b;
	char name[IFNAMSIZ + 1];
	int err = EINVAL;

	if (copy_from_user(&ifr, uarg, sizeof(ifr)))
		return -EFAULT;
	memcpy(name, ifr.nifr_name, IFNAMSIZ);
	name[IFNAMSIZ] = '\0';
	mutex_lock(&nmd_lock);
	b = nmd_find(name);
	if (b)
		BDG_RLOCK(b);
	mutex_unlock(&nmd_lock);
	if (b) {
		if (b->bdg_ops.config)
			err = b->bdg_ops.config(&ifr);
		BDG_RUNLOCK(b);
	}
	if (copy_to_user(uarg, &ifr, sizeof(ifr)))
		return -EFAULT;
	return -err;
}

static long nmd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct nmd_file *f = file->private_data;
	void __user *uarg = (void __user *) arg;

	switch (cmd) {
	case NMD_IOC_ATTACH:
		return nmd_attach(f, uarg);
	case NMD_IOC_INJECT:
		return nmd_inject(f, uarg);
	case NMD_IOC_INJECT_BATCH:
		return nmd_inject_batch(f, uarg);
	case NIOCCONFIG:
		return nmd_config(uarg);
	}
	return -ENOTTY;
}

static int nmd_open(struct inode *inode, struct file *file)
{
	struct nmd_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	(void) inode;
	if (!f)
		return -ENOMEM;
	f->priv.np_refs = 1;
	file->private_data = &f->priv;
	return 0;
}

static int nmd_release(struct inode *inode, struct file *file)
{
	struct nmd_file *f = file->private_data;

	(void) inode;
	mutex_lock(&nmd_lock);
	if (f->nic)
		nmd_detach_nic(f);
	nmd_priv_delete(&f->priv);
	mutex_unlock(&nmd_lock);
	kfree(f);
	return 0;
}

static const struct file_operations nmd_fops = {
	.owner = THIS_MODULE,
	.open = nmd_open,
	.release = nmd_release,
	.unlocked_ioctl = nmd_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = nmd_read,
	.write = nmd_write,
	.poll = nmd_poll,
};

static struct miscdevice nmd_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "netmap",
	.fops = &nmd_fops,
};

static int __init nmd_init(void)
{
	int i, err;

	for (i = 0; i < NMD_BRIDGES; i++)
		init_rwsem(&nmd_bridges[i].bdg_lock);
	err = nmd_stats_init();
	if (err)
		return err;
	err = misc_register(&nmd_device);
	if (err) {
		nmd_stats_exit();
		return err;
	}
	pr_info("netmap: TEST DOUBLE loaded (tests/netmap_double), NETMAP_API %d\n", NETMAP_API);
	return 0;
}

/* Every fd is closed (each holds this module); a module's switch may still be there. */
static void __exit nmd_exit(void)
{
	int i;

	misc_deregister(&nmd_device);
	nmd_stats_exit();
	for (i = 0; i < NMD_BRIDGES; i++) {
		struct nm_bridge *b = &nmd_bridges[i];

		if (!nmd_in_use(b))
			continue;
		b->bdg_flags = 0;
		if (!b->bdg_active_ports)
			nmd_bridge_free(b);
	}
}

module_init(nmd_init);
module_exit(nmd_exit);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("TEST DOUBLE of netmap's switch-module interface (multistack tests only)");
