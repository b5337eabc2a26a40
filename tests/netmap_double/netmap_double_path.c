// SPDX-License-Identifier: BSD-2-Clause
/*
 * TEST DOUBLE of netmap: the data path.  Frames enter the switch from a VALE
 * port's fd (write) or from a real NIC's receive path (an rx_handler on the
 * device), go through the switch's lookup (the module under test) under the
 * switch's read lock as netmap's forwarding calls it, and are delivered: to a
 * VALE port's receive queue (read, poll), out of the NIC's device
 * (dev_queue_xmit), or up the kernel stack as if the NIC had received them
 * (the host port).  No rings or buffers are shared with userspace: one frame
 * per read or write.  Counters per port are in /proc/netmap_double.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/proc_fs.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h> /* skb_gso_segment() moved here in 6.5 */
#endif

#include "netmap_double.h"
#include "netmap_double_uapi.h"

/*
 * skb->priority of a frame the switch hands to the kernel stack on a hooked
 * NIC: the NIC's rx_handler sees it again and lets it pass (netmap marks its
 * own host-bound skbs the same way).
 */
#define NMD_HOST_MARK 0x4e4d4448u
/* The same for a frame the switch sends out of a NIC whose transmissions it takes (egress hook). */
#define NMD_WIRE_MARK 0x4e4d4457u

/* Mirrors how netmap's forwarding finds the frame after the port's virtio-net header. */
uint32_t nmd_lookup(struct nm_bridge *b, struct netmap_vp_adapter *src, uint8_t *buf, uint32_t len,
		    uint32_t first_frag_len, uint8_t *ring)
{
	struct nm_bdg_fwd ft[2];
	struct nm_bdg_fwd *start;
	u_int vhl = src->up.virt_hdr_len;

	memset(ft, 0, sizeof(ft));
	ft[0].ft_buf = buf;
	if (first_frag_len) {
		ft[0].ft_frags = 2;
		ft[0].ft_len = (uint16_t) first_frag_len;
		ft[0].ft_flags = NS_MOREFRAG;
		ft[1].ft_buf = buf + first_frag_len;
		ft[1].ft_len = (uint16_t) (len - first_frag_len);
	} else {
		ft[0].ft_frags = 1;
		ft[0].ft_len = (uint16_t) len;
	}
	if (vhl < ft[0].ft_len) {
		ft[0].ft_offset = (uint16_t) vhl;
		start = &ft[0];
	} else if (vhl == ft[0].ft_len && (ft[0].ft_flags & NS_MOREFRAG)) {
		ft[0].ft_offset = ft[0].ft_len;
		start = &ft[1];
	} else {
		return NM_BDG_NOPORT;
	}
	return b->bdg_ops.lookup ? b->bdg_ops.lookup(start, ring, src, b->private_data)
				 : NM_BDG_NOPORT;
}

/* A port's kind, by the links netmap gives it (as the module tells them apart). */
static bool nmd_is_host(const struct netmap_vp_adapter *vp)
{
	return vp->up.na_hostvp == vp;
}

static bool nmd_is_nic(const struct netmap_vp_adapter *vp)
{
	return vp->up.na_private == (const void *) vp;
}

static struct nmd_nic *nmd_nic_of(struct netmap_vp_adapter *vp)
{
	return nmd_is_host(vp) ? container_of(vp, struct nmd_nic, bwrap.host)
			       : container_of(vp, struct nmd_nic, bwrap.up);
}

static struct nmd_counters *nmd_counters_of(struct netmap_vp_adapter *vp)
{
	if (nmd_is_host(vp))
		return &nmd_nic_of(vp)->host_counters;
	if (nmd_is_nic(vp))
		return &nmd_nic_of(vp)->counters;
	return &container_of(vp, struct nmd_vp, vp)->counters;
}

void nmd_vp_path_init(struct nmd_vp *p)
{
	skb_queue_head_init(&p->rxq);
	init_waitqueue_head(&p->wait);
}

void nmd_vp_path_fini(struct nmd_vp *p)
{
	skb_queue_purge(&p->rxq);
}

/* A fresh skb holding hdr_len zero bytes (the destination's virtio-net header) then frame. */
static struct sk_buff *nmd_frame_skb(const uint8_t *frame, uint32_t len, u_int hdr_len,
				     u_int headroom)
{
	struct sk_buff *skb = alloc_skb(headroom + hdr_len + len, GFP_ATOMIC);

	if (!skb)
		return NULL;
	skb_reserve(skb, (int) headroom);
	if (hdr_len)
		skb_put_zero(skb, hdr_len);
	skb_put_data(skb, frame, len);
	return skb;
}

/* Into a VALE port's queue, if some fd holds its RX ring (netmap: a ring not open drops). */
static bool nmd_to_vp(struct netmap_vp_adapter *vp, const uint8_t *frame, uint32_t len)
{
	struct nmd_vp *p = container_of(vp, struct nmd_vp, vp);
	struct sk_buff *skb;
	unsigned long flags;
	bool queued = false;

	if (READ_ONCE(vp->up.rx_rings[0]->nr_mode) != NKR_NETMAP_ON)
		return false;
	skb = nmd_frame_skb(frame, len, vp->up.virt_hdr_len, 0);
	if (!skb)
		return false;
	spin_lock_irqsave(&p->rxq.lock, flags);
	if (skb_queue_len(&p->rxq) < NMD_RXQ_MAX) {
		__skb_queue_tail(&p->rxq, skb);
		queued = true;
	}
	spin_unlock_irqrestore(&p->rxq.lock, flags);
	if (!queued) {
		kfree_skb(skb);
		return false;
	}
	wake_up_interruptible_poll(&p->wait, EPOLLIN | EPOLLRDNORM);
	return true;
}

/* Out of the NIC's device, as netmap's NIC port transmits. */
static bool nmd_to_wire(struct nmd_nic *nic, const uint8_t *frame, uint32_t len)
{
	struct net_device *dev = nic->bwrap.up.up.ifp;
	struct sk_buff *skb;
	int rc;

	if (nic->own_dev)
		return false; /* a made-up NIC has no wire */
	skb = nmd_frame_skb(frame, len, 0, LL_RESERVED_SPACE(dev));
	if (!skb)
		return false;
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb->protocol = eth_hdr(skb)->h_proto;
	skb_set_network_header(skb, ETH_HLEN);
	skb->priority = NMD_WIRE_MARK;
	rc = dev_queue_xmit(skb);
	return rc == NET_XMIT_SUCCESS || rc == NET_XMIT_CN;
}

/* Up the kernel stack, as if the NIC's device had received it (netmap's host port). */
static bool nmd_to_kernel(struct nmd_nic *nic, const uint8_t *frame, uint32_t len)
{
	struct net_device *dev = nic->bwrap.up.up.ifp;
	struct sk_buff *skb;

	if (nic->own_dev)
		return false; /* a made-up NIC's device is not registered: no stack above it */
	skb = nmd_frame_skb(frame, len, 0, NET_SKB_PAD + NET_IP_ALIGN);
	if (!skb)
		return false;
	skb->protocol = eth_type_trans(skb, dev);
	skb->priority = NMD_HOST_MARK;
	/* from process context too: softirqs off around netif_rx, on any kernel version */
	local_bh_disable();
	netif_rx(skb);
	local_bh_enable();
	return true;
}

/* How a frame's source is to be treated on delivery. */
struct nmd_source {
	struct netmap_vp_adapter *vp;
	/* the frame is a NIC's received skb: its host port's share is that skb itself */
	bool host_passes;
	bool to_host; /* out: the host port is one of the destinations */
};

/* One destination port; the frame still carries the source's virtio-net header. */
static void nmd_deliver_one(struct nmd_source *src, struct netmap_vp_adapter *dst,
			    const uint8_t *buf, uint32_t len)
{
	u_int vhl = src->vp->up.virt_hdr_len;
	struct nmd_counters *c = nmd_counters_of(dst);
	const uint8_t *frame = buf + vhl;
	uint32_t flen = len - vhl;
	bool ok;

	if (nmd_is_host(dst) && src->host_passes) {
		src->to_host = true; /* counted by the caller once the skb passes */
		return;
	}
	if (nmd_is_host(dst))
		ok = nmd_to_kernel(nmd_nic_of(dst), frame, flen);
	else if (nmd_is_nic(dst))
		ok = nmd_to_wire(nmd_nic_of(dst), frame, flen);
	else
		ok = nmd_to_vp(dst, frame, flen);
	atomic_long_inc(ok ? &c->rx : &c->rx_drop);
}

/*
 * Sends the frame where lookup said, as netmap's forwarding does: nowhere for
 * NM_BDG_NOPORT, for the source port itself or for an empty index; every port
 * but the source for NM_BDG_BROADCAST.  With the switch's read lock held.
 */
static void nmd_deliver(struct nm_bridge *b, struct nmd_source *src, uint32_t dst,
			const uint8_t *buf, uint32_t len)
{
	uint32_t me = (uint32_t) src->vp->bdg_port;
	uint32_t i;

	if (dst == NM_BDG_BROADCAST) {
		for (i = 0; i < b->bdg_active_ports; i++) {
			struct netmap_vp_adapter *vp = b->bdg_ports[b->bdg_port_index[i]];

			if (vp && vp != src->vp)
				nmd_deliver_one(src, vp, buf, len);
		}
		return;
	}
	if (dst >= NM_BDG_MAXPORTS || dst == me || !b->bdg_ports[dst])
		return;
	nmd_deliver_one(src, b->bdg_ports[dst], buf, len);
}

/* The VALE port an fd is registered on, or an errno.  With nmd_lock held. */
static int nmd_fd_port(struct file *file, enum txrx t, struct nmd_vp **port)
{
	struct nmd_file *f = file->private_data;
	struct netmap_priv_d *priv = &f->priv;

	if (f->nic || !priv->np_nifp)
		return ENXIO; /* registered nowhere, or a NIC's fd (vale-ctl's) */
	if (priv->np_qfirst[t] == priv->np_qlast[t])
		return EPERM; /* the fd holds no ring this way */
	*port = container_of(priv->np_na, struct nmd_vp, vp.up);
	return 0;
}

/*
 * write(): one frame (the port's virtio-net header, then Ethernet) from the
 * fd's port into the switch.  len is returned even when the switch drops the
 * frame: netmap's TXSYNC reports no drop either.
 */
ssize_t nmd_write(struct file *file, const char __user *ubuf, size_t len, loff_t *off)
{
	struct nmd_source src = { 0 };
	struct nm_bridge *b;
	struct nmd_vp *p;
	uint8_t ring = 0; /* the source ring: each port has one */
	uint8_t *buf;
	uint32_t dst;
	int err;

	(void) off;
	if (len < ETH_HLEN || len > NMD_FRAME_MAX)
		return -EINVAL;
	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, ubuf, len)) {
		kfree(buf);
		return -EFAULT;
	}
	mutex_lock(&nmd_lock);
	err = nmd_fd_port(file, NR_TX, &p);
	b = err ? NULL : p->vp.na_bdg;
	if (!err && !b)
		err = ENXIO;
	if (!err && len < p->vp.up.virt_hdr_len + ETH_HLEN)
		err = EINVAL;
	if (err) {
		mutex_unlock(&nmd_lock);
		kfree(buf);
		return -err;
	}
	/* as NIOCCONFIG: the read lock keeps the switch's ports; NMG_LOCK is not needed */
	BDG_RLOCK(b);
	mutex_unlock(&nmd_lock);
	src.vp = &p->vp;
	atomic_long_inc(&p->counters.tx);
	dst = nmd_lookup(b, src.vp, buf, (uint32_t) len, 0, &ring);
	nmd_deliver(b, &src, dst, buf, (uint32_t) len);
	BDG_RUNLOCK(b);
	kfree(buf);
	return (ssize_t) len;
}

/* The port's oldest frame if it fits in size: NULL with *err EMSGSIZE (kept) or EAGAIN. */
static struct sk_buff *nmd_dequeue(struct nmd_vp *p, size_t size, int *err)
{
	struct sk_buff *skb;
	unsigned long flags;

	spin_lock_irqsave(&p->rxq.lock, flags);
	skb = skb_peek(&p->rxq);
	if (skb && skb->len > size) {
		skb = NULL;
		*err = EMSGSIZE;
	} else if (skb) {
		__skb_unlink(skb, &p->rxq);
	} else {
		*err = EAGAIN;
	}
	spin_unlock_irqrestore(&p->rxq.lock, flags);
	return skb;
}

/*
 * read(): one frame from the fd's port (its virtio-net header first, if it
 * has one).  All fds on a port share its queue: whoever reads first gets it.
 */
ssize_t nmd_read(struct file *file, char __user *ubuf, size_t size, loff_t *off)
{
	struct sk_buff *skb;
	struct nmd_vp *p;
	ssize_t n;
	int err;

	(void) off;
	mutex_lock(&nmd_lock);
	err = nmd_fd_port(file, NR_RX, &p);
	mutex_unlock(&nmd_lock);
	if (err)
		return -err;
	for (;;) {
		skb = nmd_dequeue(p, size, &err);
		if (skb || err != EAGAIN)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(p->wait, !skb_queue_empty_lockless(&p->rxq)))
			return -ERESTARTSYS;
	}
	if (!skb)
		return -err;
	n = copy_to_user(ubuf, skb->data, skb->len) ? -EFAULT : (ssize_t) skb->len;
	consume_skb(skb);
	return n;
}

/* POLLIN: the port's queue holds a frame (and the fd its RX ring); POLLOUT: a TX ring. */
__poll_t nmd_poll(struct file *file, poll_table *wait)
{
	struct nmd_vp *rx = NULL, *tx = NULL;
	__poll_t mask = 0;
	int rx_err, tx_err;

	mutex_lock(&nmd_lock);
	rx_err = nmd_fd_port(file, NR_RX, &rx);
	tx_err = nmd_fd_port(file, NR_TX, &tx);
	mutex_unlock(&nmd_lock);
	if (rx_err == ENXIO)
		return EPOLLERR;
	if (!rx_err) {
		poll_wait(file, &rx->wait, wait);
		if (!skb_queue_empty_lockless(&rx->rxq))
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	if (!tx_err)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/*
 * What a hooked NIC's device receives enters the switch from the NIC's port.
 * Softirq context: the switch's lock is only tried, as netmap does for a
 * source that may not sleep (a busy switch drops the frame).  The host port's
 * share is the skb itself, passed on to the kernel stack.
 */
static rx_handler_result_t nmd_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct nmd_nic *nic = rcu_dereference(skb->dev->rx_handler_data);
	struct nmd_source src = { .vp = &nic->bwrap.up, .host_passes = true };
	u_int vhl = src.vp->up.virt_hdr_len;
	uint8_t ring = 0, *buf = NULL;
	struct nm_bridge *b;
	uint32_t len, dst;
	int mac_len;

	if (skb->priority == NMD_HOST_MARK) { /* the switch sent it to the host port */
		skb->priority = 0;
		return RX_HANDLER_PASS;
	}
	if (skb->pkt_type == PACKET_LOOPBACK || !skb_mac_header_was_set(skb))
		return RX_HANDLER_PASS;
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;
	*pskb = skb;
	mac_len = skb->data - skb_mac_header(skb);
	len = skb->len + (uint32_t) mac_len + vhl;
	if (mac_len != ETH_HLEN || len > NMD_FRAME_MAX || skb_linearize(skb))
		goto drop;
	if (vhl) { /* the NIC's port carries a header: the frame gets a zeroed one */
		buf = kzalloc(len, GFP_ATOMIC);
		if (!buf)
			goto drop;
		memcpy(buf + vhl, skb->data - ETH_HLEN, len - vhl);
	}
	b = READ_ONCE(src.vp->na_bdg);
	if (!b || !down_read_trylock(&b->bdg_lock))
		goto drop;
	if (src.vp->na_bdg != b) { /* left the switch meanwhile */
		up_read(&b->bdg_lock);
		goto drop;
	}
	atomic_long_inc(&nic->counters.tx);
	dst = nmd_lookup(b, src.vp, buf ? buf : skb->data - ETH_HLEN, len, 0, &ring);
	nmd_deliver(b, &src, dst, buf ? buf : skb->data - ETH_HLEN, len);
	up_read(&b->bdg_lock);
	kfree(buf);
	if (src.to_host) {
		atomic_long_inc(&nic->host_counters.rx);
		return RX_HANDLER_PASS;
	}
	consume_skb(skb);
	return RX_HANDLER_CONSUMED;
drop:
	kfree(buf);
	atomic_long_inc(&nic->counters.tx_drop);
	kfree_skb(skb);
	return RX_HANDLER_CONSUMED;
}

/* 1 when what the kernel sends on a hooked NIC goes through the switch (tests read it). */
static bool host_tx = IS_ENABLED(CONFIG_NETFILTER_EGRESS);
module_param(host_tx, bool, 0444);
MODULE_PARM_DESC(
    host_tx,
    "frames the kernel sends on an attached NIC enter the switch from its host port (read-only)");

#if IS_ENABLED(CONFIG_NETFILTER_EGRESS)
/*
 * What the kernel sends on a hooked NIC's device enters the switch from the
 * host port, as netmap's host rings take it (netfilter's egress hook: softirqs
 * off, so the switch's lock is only tried).  Without the host port on the
 * switch (vale-ctl -a) it goes nowhere, as in netmap.  Frames the switch
 * itself sends out of the NIC carry NMD_WIRE_MARK and pass.
 *
 * nmd_from_kernel: one frame the kernel sent, into the switch from the host
 * port; the skb is used up.
 */
static void nmd_from_kernel(struct nmd_nic *nic, struct sk_buff *skb, netdev_features_t features)
{
	struct nmd_source src = { .vp = &nic->bwrap.host };
	u_int vhl = src.vp->up.virt_hdr_len;
	uint8_t ring = 0, *buf = NULL;
	struct nm_bridge *b;
	uint32_t len, dst;

	/* the checksum step of the kernel's transmit path, for what the device cannot do */
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_csum_hwoffload_help(skb, features))
		goto drop;
	len = skb->len + vhl;
	buf = len <= NMD_FRAME_MAX ? kzalloc(len, GFP_ATOMIC) : NULL;
	if (!buf || skb_copy_bits(skb, 0, buf + vhl, (int) skb->len))
		goto drop;
	b = READ_ONCE(src.vp->na_bdg);
	if (!b || !down_read_trylock(&b->bdg_lock))
		goto drop;
	if (src.vp->na_bdg != b) {
		up_read(&b->bdg_lock);
		goto drop;
	}
	atomic_long_inc(&nic->host_counters.tx);
	dst = nmd_lookup(b, src.vp, buf, len, 0, &ring);
	nmd_deliver(b, &src, dst, buf, len);
	up_read(&b->bdg_lock);
	kfree(buf);
	consume_skb(skb);
	return;
drop:
	kfree(buf);
	atomic_long_inc(&nic->host_counters.tx_drop);
	kfree_skb(skb);
}

/*
 * netmap takes what the kernel sends at the driver, after the transmit path
 * did what the device cannot: segmentation (a device without TSO gets frames
 * of the MTU; with it, a frame over netmap's buffer size is dropped) and
 * checksums.  The hook runs before that step, so it repeats it.
 */
static unsigned int nmd_tx_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *st)
{
	struct nmd_nic *nic = priv;
	netdev_features_t features;
	struct sk_buff *segs, *seg, *next;

	(void) st;
	if (skb->priority == NMD_WIRE_MARK) {
		skb->priority = 0;
		return NF_ACCEPT;
	}
	features = netif_skb_features(skb);
	if (!netif_needs_gso(skb, features)) {
		nmd_from_kernel(nic, skb, features);
		return NF_STOLEN;
	}
	segs = skb_gso_segment(skb, features);
	if (IS_ERR_OR_NULL(segs)) {
		atomic_long_inc(&nic->host_counters.tx_drop);
		kfree_skb(skb);
		return NF_STOLEN;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next)
	{
		skb_mark_not_on_list(seg);
		nmd_from_kernel(nic, seg, features);
	}
	return NF_STOLEN;
}

static int nmd_tx_hook_register(struct nmd_nic *nic)
{
	struct net_device *dev = nic->bwrap.up.up.ifp;
	int err;

	nic->tx_hook.hook = nmd_tx_hook;
	nic->tx_hook.pf = NFPROTO_NETDEV;
	nic->tx_hook.hooknum = NF_NETDEV_EGRESS;
	nic->tx_hook.priority = INT_MIN; /* before any other: netmap takes the frames first */
	nic->tx_hook.dev = dev;
	nic->tx_hook.priv = nic;
	err = nf_register_net_hook(dev_net(dev), &nic->tx_hook);
	nic->tx_hooked = !err;
	return err;
}

static void nmd_tx_hook_unregister(struct nmd_nic *nic)
{
	if (nic->tx_hooked)
		nf_unregister_net_hook(dev_net(nic->bwrap.up.up.ifp), &nic->tx_hook);
	nic->tx_hooked = false;
}
#else
/* No egress hook in this kernel: what it sends on the NIC goes straight out (README.md). */
static int nmd_tx_hook_register(struct nmd_nic *nic)
{
	(void) nic;
	return 0;
}

static void nmd_tx_hook_unregister(struct nmd_nic *nic)
{
	(void) nic;
}
#endif

/* A real device's frames, received and sent, go into the switch while the NIC is attached. */
int nmd_nic_hook(struct nmd_nic *nic)
{
	int err;

	if (nic->own_dev)
		return 0;
	rtnl_lock();
	err = netdev_rx_handler_register(nic->bwrap.up.up.ifp, nmd_rx_handler, nic);
	rtnl_unlock();
	if (err)
		return -err;
	nic->rx_hooked = true;
	err = nmd_tx_hook_register(nic);
	return err < 0 ? -err : err;
}

/* Once this returns no hook of ours runs for the device (both wait for an RCU period). */
void nmd_nic_unhook(struct nmd_nic *nic)
{
	nmd_tx_hook_unregister(nic);
	if (!nic->rx_hooked)
		return;
	rtnl_lock();
	netdev_rx_handler_unregister(nic->bwrap.up.up.ifp);
	rtnl_unlock();
	nic->rx_hooked = false;
}

/* One line per port of the reader's namespace's switches. */
static int nmd_stats_show(struct seq_file *m, void *v)
{
	struct net *ns = nmd_current_ns();
	int i;

	(void) v;
	seq_puts(m, "port index tx tx_drop rx rx_drop queued\n");
	mutex_lock(&nmd_lock);
	for (i = 0; i < NMD_BRIDGES; i++) {
		struct nm_bridge *b = &nmd_bridges[i];
		uint32_t j;

		if (!nmd_in_use(b) || nmd_bridge_ns(b) != ns)
			continue;
		for (j = 0; j < b->bdg_active_ports; j++) {
			struct netmap_vp_adapter *vp = b->bdg_ports[b->bdg_port_index[j]];
			struct nmd_counters *c;
			uint32_t queued = 0;

			if (!vp)
				continue;
			c = nmd_counters_of(vp);
			if (!nmd_is_host(vp) && !nmd_is_nic(vp))
				queued = skb_queue_len(&container_of(vp, struct nmd_vp, vp)->rxq);
			seq_printf(m, "%s %d %ld %ld %ld %ld %u\n", vp->up.name, vp->bdg_port,
				   atomic_long_read(&c->tx), atomic_long_read(&c->tx_drop),
				   atomic_long_read(&c->rx), atomic_long_read(&c->rx_drop), queued);
		}
	}
	mutex_unlock(&nmd_lock);
	return 0;
}

int nmd_stats_init(void)
{
	return proc_create_single("netmap_double", 0444, NULL, nmd_stats_show) ? 0 : -ENOMEM;
}

void nmd_stats_exit(void)
{
	remove_proc_entry("netmap_double", NULL);
}
