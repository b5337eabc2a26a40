// SPDX-License-Identifier: BSD-2-Clause
/*
 * The module's face towards netmap: the lookup, config and dtor hooks of a
 * VALE switch, and taking the switch over.  Like ms_port.c it includes
 * netmap's headers, so it is built with the CONFIG_NETMAP_* flags netmap was
 * built with (they change the layout of the structures read here).
 *
 * Ports: a NIC attached to the switch is a wrapper port; with its host stack
 * (vale-ctl -h) a second port is the host's, and netmap links them (na_hostvp
 * of both is the host port, the host port's na_vp is the NIC's).  Frames from
 * the NIC are ingress, frames from a plain port (a user-level stack) are
 * egress, and frames from the host stack go to the NIC unchanged: the host
 * is trusted.
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/workqueue.h>

/* netmap's headers, in the order they need each other. */
#include "bsd_glue.h"

#include <net/netmap.h>

#include <dev/netmap/netmap_kern.h>

#include <dev/netmap/netmap_bdg.h>

#include "ms_netmap.h"
#include "multistack/ms_takeover.h"
#include "multistack/ms_uapi.h"

static_assert(sizeof(struct ms_req) == NM_IFRDATA_LEN);
static_assert(MS_MAX_OWNERS >= NM_BDG_MAXPORTS);
static_assert(MS_PORT_NAME_LEN == MS_REQ_PORT_NAME_LEN);

/* The switch itself, as its ports show it: needed to open it up at unload. */
static struct nm_bridge *ms_bridge;

/*
 * What a frame's lookup needs to know of the switch, in one word so that
 * every frame sees one consistent picture: the NIC's port and its host
 * stack's (MS_NO_PORT: none), and how many ports were active when they were
 * found.  netmap attaches ports under the switch's write lock, detaches them
 * there too (calling dtor first), and runs lookups under its read lock.  So
 * the view is worked out again only when the switch changed: by the first
 * frame that finds another number of active ports (a port attached), or
 * after dtor cleared it (a port left).  A frame otherwise pays one load and
 * one comparison for it.
 */
#define MS_NO_PORT    0xffffu
#define MS_VIEW_VALID (1ull << 63)

static atomic64_t ms_view = ATOMIC64_INIT(0);

static inline uint32_t ms_view_nic(u64 view)
{
	return (uint32_t) (view & 0xffff);
}

static inline uint32_t ms_view_host(u64 view)
{
	return (uint32_t) (view >> 16 & 0xffff);
}

static inline uint32_t ms_view_active(u64 view)
{
	return (uint32_t) (view >> 32 & 0xffff);
}

/* Under the switch's read or write lock: bdg_ports is stable. */
static u64 ms_view_build(struct nm_bridge *b)
{
	uint32_t i, nic = MS_NO_PORT, host = MS_NO_PORT;
	const struct netmap_vp_adapter *found = NULL;

	for (i = 0; i < b->bdg_active_ports && i < NM_BDG_MAXPORTS; i++) {
		const struct netmap_vp_adapter *vp = b->bdg_ports[b->bdg_port_index[i]];

		if (vp && ms_is_nic_port(vp)) {
			found = vp;
			break;
		}
	}
	if (found) {
		/* A NIC attached with -a still has a host adapter, just not on this switch. */
		const struct netmap_vp_adapter *hostvp = found->up.na_hostvp;

		nic = (uint32_t) found->bdg_port;
		if (hostvp && hostvp != found && hostvp->na_bdg == b)
			host = (uint32_t) hostvp->bdg_port;
		/* The NIC's address first: stacks may send from it once the NIC is a destination.
		 */
		if (found->up.ifp)
			ms_core_set_nic_mac(ms_linux_core, found->up.ifp->dev_addr);
	} else {
		ms_core_clear_nic_mac(ms_linux_core);
	}
	WRITE_ONCE(ms_bridge, b);
	return MS_VIEW_VALID | (u64) (b->bdg_active_ports & 0xffff) << 32 | (u64) host << 16 | nic;
}

/* The view of the switch a frame is forwarded on; rebuilt only after a change. */
static inline u64 ms_view_of(struct nm_bridge *b)
{
	u64 view = (u64) atomic64_read(&ms_view);

	if (likely((view & MS_VIEW_VALID) && ms_view_active(view) == b->bdg_active_ports))
		return view;
	view = ms_view_build(b);
	atomic64_set(&ms_view, (s64) view);
	return view;
}

static uint32_t ms_verdict_port(struct ms_decision d, u64 view)
{
	uint32_t port;

	switch (d.verdict) {
	case MS_VERDICT_PORT:
		return d.owner < NM_BDG_MAXPORTS ? d.owner : NM_BDG_NOPORT;
	case MS_VERDICT_HOST:
		/* No host port (vale-ctl -a): the frame is dropped, never sent to a stack. */
		port = ms_view_host(view);
		break;
	case MS_VERDICT_ALL:
		return NM_BDG_BROADCAST;
	case MS_VERDICT_NIC:
		port = ms_view_nic(view);
		break;
	default:
		return NM_BDG_NOPORT;
	}
	return port != MS_NO_PORT ? port : NM_BDG_NOPORT;
}

/*
 * Per frame, in netmap's forwarding path, under the switch's read lock:
 * no sleeping, no allocation, no lock, interrupts left as they are (the
 * core's counters are per-CPU adds that need no masking).  netmap has
 * already skipped the virtio-net header (ft_offset); a frame spread over
 * slots is judged on its first slot, which the core treats as truncated if
 * the headers do not fit.
 *
 * netmap calls this once per frame while it walks its batch, and passes
 * one frame; the next frames' table lines are fetched from the sending
 * ring's slots meanwhile (ms_ahead.c).
 */
static uint32_t ms_vale_lookup(struct nm_bdg_fwd *ft, uint8_t *ring, struct netmap_vp_adapter *src,
			       void *private_data)
{
	struct ms_core *core = private_data;
	const uint8_t *frame = (const uint8_t *) ft->ft_buf + ft->ft_offset;
	uint32_t len = ft->ft_len > ft->ft_offset ? ft->ft_len - ft->ft_offset : 0;
	u64 view = ms_view_of(src->na_bdg);
	uint32_t me = (uint32_t) src->bdg_port, dst;
	bool from_nic = me == ms_view_nic(view);
	struct ms_decision d;

	if (unlikely(me == ms_view_host(view))) {
		/* The host is trusted: its frames go to its NIC unchanged. */
		return ms_view_nic(view) != MS_NO_PORT ? ms_view_nic(view) : NM_BDG_NOPORT;
	}
	/* A buffer in user memory cannot be read here without faulting. */
	if (unlikely(ft->ft_flags & NS_INDIRECT)) {
		d.verdict = from_nic ? MS_VERDICT_HOST : MS_VERDICT_DROP;
		return ms_verdict_port(d, view);
	}

	rcu_read_lock();
	if (ms_prefetch_pays(core))
		ms_look_ahead(core, ft, *ring, src, from_nic);
	if (from_nic) {
		d = ms_ingress(core, frame, len);
		/* The NIC was attached without its host stack (vale-ctl -a): drop, and say why. */
		if (d.verdict == MS_VERDICT_HOST && ms_view_host(view) == MS_NO_PORT)
			d = ms_core_override(core, MS_DIR_INGRESS, d, MS_REASON_NO_HOST_PORT);
	} else {
		d = ms_egress(core, frame, len, (uint16_t) me);
	}
	rcu_read_unlock();

	dst = ms_verdict_port(d, view);
	/* Stacks and the host usually have one ring; the NIC keeps the source's. */
	if (dst != NM_BDG_NOPORT && dst != ms_view_nic(view))
		*ring = 0;
	return dst;
}

/* What config learns about the caller, for the request path's hooks. */
struct ms_call {
	struct netmap_vp_adapter *port;
};

static int ms_host_caller_port(void *ctx, const char *name, uint16_t *owner)
{
	struct ms_call *call = ctx;

	call->port = ms_port_of_caller(name);
	if (!call->port)
		return EPERM;
	/* The switch's read lock is held: the view (the NIC, the switch itself) is current. */
	ms_view_of(call->port->na_bdg);
	*owner = (uint16_t) call->port->bdg_port;
	return 0;
}

static const char *ms_short_name(const char *port)
{
	const char *colon = strchr(port, ':');

	return colon ? colon + 1 : port;
}

static int ms_host_take_proof(void *ctx, const struct ms_tuple *tuple, int32_t fd, const char *port,
			      void **cookie)
{
	struct ms_owner *owner;
	struct file *sock_file;
	int found_fd = -1;
	int err;

	(void) ctx;
	err = ms_sock_take(tuple, fd, &sock_file, &found_fd);
	if (err)
		return err;
	owner = ms_owner_new(sock_file, found_fd, ms_short_name(port));
	if (!owner) {
		fput(sock_file);
		return ENOMEM;
	}
	*cookie = owner;
	return 0;
}

static int ms_host_commit_proof(void *ctx, void *cookie)
{
	struct ms_call *call = ctx;
	struct ms_owner *owner = cookie;
	int err;

	/* Watch first: a port whose owner is leaving refuses the BIND before the socket is taken.
	 */
	err = ms_port_watch(call->port);
	if (err)
		return err;
	return ms_sock_hand_over(owner->sock_file, owner->fd);
}

/* No registration left: the port need not be watched, and the module is no longer in use. */
static void ms_host_owner_idle(void *ctx, uint16_t owner)
{
	struct ms_call *call = ctx;

	(void) owner;
	ms_port_unwatch(call->port);
}

static const struct ms_request_host ms_linux_host = {
	.caller_port = ms_host_caller_port,
	.take_proof = ms_host_take_proof,
	.commit_proof = ms_host_commit_proof,
	.owner_idle = ms_host_owner_idle,
	.release = ms_owner_release,
	.describe = ms_owner_describe,
};

const struct ms_request_host *ms_linux_request_host(void)
{
	return &ms_linux_host;
}

static const char *ms_cmd_name(uint8_t cmd)
{
	return cmd == MS_CMD_BIND ? "BIND" : cmd == MS_CMD_UNBIND ? "UNBIND" : "QUERY";
}

/* netmap calls this with the switch's read lock held: sleeping is allowed. */
static int ms_vale_config(struct nm_ifreq *nifr)
{
	struct ms_call call = { .port = NULL };
	struct ms_request_result result;
	struct ms_req req;

	memcpy(&req, nifr->data, sizeof(req));
	result = ms_request(ms_linux_requests, &call, nifr->nifr_name, &req);
	if (result.error) {
		pr_warn_ratelimited("multistack: %s %u/%u port %u by pid %d on %.*s refused: %s "
				    "(errno %d)\n",
				    ms_cmd_name(req.cmd), req.family, req.proto, req.port,
				    task_tgid_nr(current), IFNAMSIZ, nifr->nifr_name, result.why,
				    result.error);
		return result.error;
	}
	if (req.cmd == MS_CMD_QUERY)
		memcpy(nifr->data, &req, sizeof(req));
	return 0;
}

/* A port leaves the switch: its registrations go, and their sockets are let go. */
static void ms_vale_dtor(const struct netmap_vp_adapter *vp)
{
	u64 view = (u64) atomic64_read(&ms_view);

	/* Under the switch's write lock, the port still listed: the next frame
	 * finds the switch anew.  A NIC's address is forgotten at once. */
	if ((uint32_t) vp->bdg_port == ms_view_nic(view) ||
	    (uint32_t) vp->bdg_port == ms_view_host(view))
		ms_core_clear_nic_mac(ms_linux_core);
	atomic64_set(&ms_view, 0);
	ms_requests_owner_gone(ms_linux_requests, (uint16_t) vp->bdg_port, NULL);
	ms_port_unwatch(vp);
}

static struct netmap_bdg_ops ms_ops = {
	.lookup = ms_vale_lookup,
	.config = ms_vale_config,
	.dtor = ms_vale_dtor,
	.name = "multistack",
};

/* netmap's calls for common/ms_takeover.c. */
static int ms_sw_regops(void *arg, const char *name, bool ours, void *token)
{
	(void) arg;
	return netmap_bdg_regops(name, ours ? &ms_ops : NULL, ours ? ms_linux_core : NULL, token);
}

static void *ms_sw_create(void *arg, const char *name, int *error)
{
	(void) arg;
	return netmap_vale_create(name, error);
}

static int ms_sw_destroy(void *arg, const char *name, void *token)
{
	(void) arg;
	return netmap_vale_destroy(name, token);
}

/* The switch as its ports showed it: a switch whose ports this module never saw stays as is. */
static void ms_sw_open_up(void *arg)
{
	struct nm_bridge *b = READ_ONCE(ms_bridge);

	(void) arg;
	if (!b) {
		pr_warn(
		    "multistack: switch %s keeps ports this module never saw; it stays exclusive\n",
		    ms_switch_name);
		return;
	}
	BDG_WLOCK(b);
	b->bdg_flags &= ~NM_BDG_EXCLUSIVE;
	BDG_WUNLOCK(b);
	pr_info("multistack: switch %s still has ports: left in place, no longer exclusive\n",
		ms_switch_name);
}

static void ms_sw_note(void *arg, const char *what, int error)
{
	(void) arg;
	pr_warn("multistack: switch %s %s (error %d)\n", ms_switch_name, what, error);
}

static const struct ms_switch_ops ms_switch_ops = {
	.regops = ms_sw_regops,
	.create = ms_sw_create,
	.destroy = ms_sw_destroy,
	.open_up = ms_sw_open_up,
	.note = ms_sw_note,
};

static struct ms_takeover ms_takeover = { .ops = &ms_switch_ops };

static int ms_netmap_attach_here(void)
{
	ms_takeover.name = ms_switch_name;
	return -ms_takeover_attach(&ms_takeover);
}

static void ms_netmap_detach_here(void)
{
	ms_takeover_detach(&ms_takeover);
	ms_bridge = NULL;
	atomic64_set(&ms_view, 0);
}

/*
 * netmap names switches per network namespace, taking the namespace of the
 * calling task.  insmod and rmmod may run in any namespace; a kernel worker
 * runs in the initial one, so the switch served is always init's valem:
 * and unloading from elsewhere still releases that very switch.
 */
struct ms_switch_work {
	struct work_struct work;
	bool attach;
	int result;
};

static void ms_switch_work_fn(struct work_struct *work)
{
	struct ms_switch_work *job = container_of(work, struct ms_switch_work, work);

	if (job->attach)
		job->result = ms_netmap_attach_here();
	else
		ms_netmap_detach_here();
}

static int ms_in_init_namespace(bool attach)
{
	struct ms_switch_work job = { .attach = attach, .result = 0 };

	INIT_WORK_ONSTACK(&job.work, ms_switch_work_fn);
	schedule_work(&job.work);
	flush_work(&job.work);
	destroy_work_on_stack(&job.work);
	return job.result;
}

int ms_netmap_attach(void)
{
	return ms_in_init_namespace(true);
}

void ms_netmap_detach(void)
{
	ms_in_init_namespace(false);
}
