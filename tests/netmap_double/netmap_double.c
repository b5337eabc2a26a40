// SPDX-License-Identifier: BSD-2-Clause
/*
 * TEST DOUBLE of netmap's switch-module interface, built as netmap.ko.
 *
 * It keeps VALE switches as arrays of ports, exports the functions a switch
 * module calls (regops, vale_create/destroy, bdg_name), and gives userspace
 * a /dev/netmap whose fds can become ports, send NIOCCONFIG to the switch's
 * config hook, and push one frame through its lookup hook (see README.md).
 * It forwards nothing: a test reads the lookup's answer instead.
 */
#include "bsd_glue.h"
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/netmap.h>
#include <dev/netmap/netmap_kern.h>
#include <dev/netmap/netmap_bdg.h>

#include "netmap_double_uapi.h"

#define NMD_BRIDGES 4

static struct nm_bridge nmd_bridges[NMD_BRIDGES];
/* Serialises creating, attaching to and freeing switches (netmap's NMG_LOCK). */
static DEFINE_MUTEX(nmd_lock);

/* One fd: netmap's per-fd data first, so file->private_data works as netmap's. */
struct nmd_file {
	struct netmap_priv_d priv;
	struct nm_bridge *bridge;
	struct netmap_vp_adapter *port; /* the fd's port (a NIC's NIC port) */
	struct netmap_vp_adapter *host; /* a NIC's host stack port, else NULL */
};

static int nmd_basename_len(const char *name)
{
	const char *colon = strchr(name, ':');

	if (!colon || colon == name || colon - name >= IFNAMSIZ)
		return -1;
	return (int)(colon - name);
}

/* With nmd_lock held. */
static struct nm_bridge *nmd_find(const char *name)
{
	int len = nmd_basename_len(name);
	int i;

	if (len < 0)
		return NULL;
	for (i = 0; i < NMD_BRIDGES; i++) {
		struct nm_bridge *b = &nmd_bridges[i];

		if ((b->bdg_flags & NM_BDG_ACTIVE || b->bdg_active_ports) && b->bdg_namelen == len &&
		    strncmp(b->bdg_basename, name, len) == 0)
			return b;
	}
	return NULL;
}

/* With nmd_lock held. */
static struct nm_bridge *nmd_create(const char *name)
{
	int len = nmd_basename_len(name);
	int i;

	if (len < 0)
		return NULL;
	for (i = 0; i < NMD_BRIDGES; i++) {
		struct nm_bridge *b = &nmd_bridges[i];
		int p;

		if (b->bdg_flags & NM_BDG_ACTIVE || b->bdg_active_ports)
			continue;
		memset(b->bdg_basename, 0, sizeof(b->bdg_basename));
		memcpy(b->bdg_basename, name, len);
		b->bdg_namelen = len;
		for (p = 0; p < NM_BDG_MAXPORTS; p++)
			b->bdg_port_index[p] = p;
		memset(&b->bdg_ops, 0, sizeof(b->bdg_ops));
		b->private_data = NULL;
		b->bdg_flags = 0;
		return b;
	}
	return NULL;
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
			b->bdg_ops = *ops;
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
	if (!b)
		err = ENXIO;
	else if (!nmd_token_ok(b, auth_token))
		err = EACCES;
	else if (!(b->bdg_flags & NM_BDG_EXCLUSIVE))
		err = EINVAL;
	else if (b->bdg_active_ports)
		err = EBUSY;
	else
		b->bdg_flags = 0;
	mutex_unlock(&nmd_lock);
	return err;
}
EXPORT_SYMBOL(netmap_vale_destroy);

static bool nmd_name_taken(struct nm_bridge *b, const char *name)
{
	uint32_t i;

	for (i = 0; i < b->bdg_active_ports; i++) {
		struct netmap_vp_adapter *vp = b->bdg_ports[b->bdg_port_index[i]];

		if (vp && strncmp(vp->up.name, name, sizeof(vp->up.name)) == 0)
			return true;
	}
	return false;
}

/* With nmd_lock and the write lock held; the port takes the next free index. */
static void nmd_port_add(struct nm_bridge *b, struct netmap_vp_adapter *vp)
{
	int index = (int)b->bdg_port_index[b->bdg_active_ports++];

	vp->bdg_port = index;
	vp->na_bdg = b;
	b->bdg_ports[index] = vp;
}

/* With nmd_lock and the write lock held. */
static void nmd_port_remove(struct nm_bridge *b, struct netmap_vp_adapter *vp)
{
	uint32_t i;

	for (i = 0; i < b->bdg_active_ports; i++) {
		if (b->bdg_port_index[i] != (uint32_t)vp->bdg_port)
			continue;
		b->bdg_active_ports--;
		b->bdg_port_index[i] = b->bdg_port_index[b->bdg_active_ports];
		b->bdg_port_index[b->bdg_active_ports] = vp->bdg_port;
		break;
	}
	b->bdg_ports[vp->bdg_port] = NULL;
	vp->na_bdg = NULL;
}

static struct netmap_vp_adapter *nmd_new_port(const char *name, u_int virt_hdr_len)
{
	struct netmap_vp_adapter *vp = kzalloc(sizeof(*vp), GFP_KERNEL);

	if (vp) {
		strscpy(vp->up.name, name, sizeof(vp->up.name));
		vp->up.virt_hdr_len = virt_hdr_len;
	}
	return vp;
}

static long nmd_attach(struct nmd_file *f, struct nmd_attach __user *uarg)
{
	struct nmd_attach req;
	struct netmap_vp_adapter *port = NULL;
	struct netmap_vp_adapter *host = NULL;
	char host_name[NMD_NAME_LEN + 1];
	struct nm_bridge *b;
	long err = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	req.name[NMD_NAME_LEN - 1] = '\0';
	if (req.kind > NMD_KIND_NIC || nmd_basename_len(req.name) < 0 ||
	    (req.virt_hdr_len != 0 && req.virt_hdr_len != 10 && req.virt_hdr_len != 12) ||
	    strlen(req.name) + 2 > sizeof(port->up.name))
		return -EINVAL;
	snprintf(host_name, sizeof(host_name), "%s^", req.name);

	mutex_lock(&nmd_lock);
	if (f->port) {
		err = -EBUSY;
		goto out;
	}
	b = nmd_find(req.name);
	if (b && req.kind == NMD_KIND_NIC && (b->bdg_flags & NM_BDG_EXCLUSIVE)) {
		err = -EACCES; /* what vale-ctl gets on a module's exclusive switch */
		goto out;
	}
	if (!b)
		b = nmd_create(req.name);
	if (!b) {
		err = -ENOSPC;
		goto out;
	}
	if (nmd_name_taken(b, req.name) || nmd_name_taken(b, host_name)) {
		err = -EEXIST;
		goto out;
	}
	if (b->bdg_active_ports + (req.kind == NMD_KIND_NIC ? 2 : 1) > NM_BDG_MAXPORTS) {
		err = -ENOSPC;
		goto out;
	}
	port = nmd_new_port(req.name, req.virt_hdr_len);
	if (req.kind == NMD_KIND_NIC)
		host = nmd_new_port(host_name, req.virt_hdr_len);
	if (!port || (req.kind == NMD_KIND_NIC && !host)) {
		kfree(port);
		kfree(host);
		err = -ENOMEM;
		goto out;
	}
	/*
	 * Linked as netmap links a NIC's wrapper port and its host port.  A
	 * plain port opened by registration keeps na_vp unset, as in netmap.
	 */
	if (host) {
		port->up.na_vp = port;
		port->up.na_hostvp = host;
		host->up.na_vp = port;
		host->up.na_hostvp = host;
	}
	BDG_WLOCK(b);
	nmd_port_add(b, port);
	if (host)
		nmd_port_add(b, host);
	BDG_WUNLOCK(b);
	f->bridge = b;
	f->port = port;
	f->host = host;
	/* A plain port is registered on its fd; a NIC's fd stands for vale-ctl and holds none. */
	if (!host)
		WRITE_ONCE(f->priv.np_na, &port->up);
	req.port_index = port->bdg_port;
	req.host_port_index = host ? host->bdg_port : -1;
out:
	mutex_unlock(&nmd_lock);
	if (!err && copy_to_user(uarg, &req, sizeof(req)))
		err = -EFAULT;
	return err;
}

/* The fd goes away: its ports leave, and the switch's dtor sees them go. */
static void nmd_detach(struct nmd_file *f)
{
	struct nm_bridge *b = f->bridge;

	if (!b)
		return;
	mutex_lock(&nmd_lock);
	WRITE_ONCE(f->priv.np_na, NULL);
	BDG_WLOCK(b);
	if (b->bdg_ops.dtor)
		b->bdg_ops.dtor(f->port);
	nmd_port_remove(b, f->port);
	if (f->host)
		nmd_port_remove(b, f->host);
	BDG_WUNLOCK(b);
	mutex_unlock(&nmd_lock);
	kfree(f->port);
	kfree(f->host);
	f->bridge = NULL;
	f->port = NULL;
	f->host = NULL;
}

/* Mirrors how netmap's forwarding finds the frame and calls lookup. */
static uint32_t nmd_run_lookup(struct nmd_file *f, struct nmd_inject *req,
			       struct netmap_vp_adapter *src)
{
	struct nm_bdg_fwd ft[2];
	struct nm_bdg_fwd *start;
	struct nm_bridge *b = f->bridge;
	u_int vhl = src->up.virt_hdr_len;
	uint8_t ring = (uint8_t)req->ring;
	uint32_t dst;

	memset(ft, 0, sizeof(ft));
	ft[0].ft_buf = req->frame;
	if (req->first_frag_len) {
		ft[0].ft_frags = 2;
		ft[0].ft_len = (uint16_t)req->first_frag_len;
		ft[0].ft_flags = NS_MOREFRAG;
		ft[1].ft_buf = req->frame + req->first_frag_len;
		ft[1].ft_len = (uint16_t)(req->len - req->first_frag_len);
	} else {
		ft[0].ft_frags = 1;
		ft[0].ft_len = (uint16_t)req->len;
	}
	if (vhl < ft[0].ft_len) {
		ft[0].ft_offset = (uint16_t)vhl;
		start = &ft[0];
	} else if (vhl == ft[0].ft_len && (ft[0].ft_flags & NS_MOREFRAG)) {
		ft[0].ft_offset = ft[0].ft_len;
		start = &ft[1];
	} else {
		return NM_BDG_NOPORT;
	}

	BDG_RLOCK(b);
	dst = b->bdg_ops.lookup ? b->bdg_ops.lookup(start, &ring, src, b->private_data) :
				  NM_BDG_NOPORT;
	req->dst_ring = ring;
	memset(req->dst_name, 0, sizeof(req->dst_name));
	if (dst == NM_BDG_BROADCAST)
		strscpy(req->dst_name, "*", sizeof(req->dst_name));
	else if (dst < NM_BDG_MAXPORTS && b->bdg_ports[dst] && dst != (uint32_t)src->bdg_port)
		strscpy(req->dst_name, b->bdg_ports[dst]->up.name, sizeof(req->dst_name));
	BDG_RUNLOCK(b);
	return dst;
}

static long nmd_inject(struct nmd_file *f, struct nmd_inject __user *uarg)
{
	struct nmd_inject *req;
	struct netmap_vp_adapter *src;
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
	src = req->from_host ? f->host : f->port;
	if (!src) {
		mutex_unlock(&nmd_lock);
		err = -ENOTCONN;
		goto out;
	}
	req->dst_port = nmd_run_lookup(f, req, src);
	mutex_unlock(&nmd_lock);
	if (copy_to_user(uarg, req, sizeof(*req)))
		err = -EFAULT;
out:
	kfree(req);
	return err;
}

/* Routed to the switch's config hook under its read lock, as netmap does. */
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
	mutex_unlock(&nmd_lock);
	if (b) {
		BDG_RLOCK(b);
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
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case NMD_IOC_ATTACH:
		return nmd_attach(f, uarg);
	case NMD_IOC_INJECT:
		return nmd_inject(f, uarg);
	case NIOCCONFIG:
		return nmd_config(uarg);
	}
	return -ENOTTY;
}

static int nmd_open(struct inode *inode, struct file *file)
{
	struct nmd_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	(void)inode;
	if (!f)
		return -ENOMEM;
	file->private_data = &f->priv;
	return 0;
}

static int nmd_release(struct inode *inode, struct file *file)
{
	struct nmd_file *f = file->private_data;

	(void)inode;
	nmd_detach(f);
	kfree(f);
	return 0;
}

static const struct file_operations nmd_fops = {
	.owner = THIS_MODULE,
	.open = nmd_open,
	.release = nmd_release,
	.unlocked_ioctl = nmd_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice nmd_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "netmap",
	.fops = &nmd_fops,
};

static int __init nmd_init(void)
{
	int i;

	for (i = 0; i < NMD_BRIDGES; i++)
		init_rwsem(&nmd_bridges[i].bdg_lock);
	pr_info("netmap: TEST DOUBLE loaded (tests/netmap_double), NETMAP_API %d\n", NETMAP_API);
	return misc_register(&nmd_device);
}

static void __exit nmd_exit(void)
{
	misc_deregister(&nmd_device);
}

module_init(nmd_init);
module_exit(nmd_exit);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("TEST DOUBLE of netmap's switch-module interface (multistack tests only)");
