// SPDX-License-Identifier: BSD-2-Clause
/*
 * The module's face towards netmap: the lookup, config and dtor hooks of a
 * VALE switch.  This is the only file that includes netmap's headers, and
 * it must be compiled with the CONFIG_NETMAP_* flags netmap was built with,
 * because they change the layout of the structures read here.
 *
 * Ports: a NIC attached with its host stack (vale-ctl -h) is two switch
 * ports, the NIC's wrapper and the host stack's.  netmap links them: both
 * have na_hostvp pointing at the host port, and the host port's na_vp points
 * at the NIC port.  A plain VALE port has no na_hostvp.  Frames from the NIC
 * are ingress, frames from a plain port (a user-level stack) are egress, and
 * frames from the host stack go to the NIC unchanged: the host is trusted.
 */
#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>

/* netmap's headers, in the order they need each other. */
#include "bsd_glue.h"

#include <net/netmap.h>

#include <dev/netmap/netmap_kern.h>

#include <dev/netmap/netmap_bdg.h>

#include "ms_linux.h"
#include "multistack/ms_uapi.h"

static_assert(sizeof(struct ms_req) == NM_IFRDATA_LEN);
static_assert(MS_MAX_OWNERS >= NM_BDG_MAXPORTS);

/* Serialises config and dtor bodies, so a QUERY never reads a cookie being released. */
static DEFINE_MUTEX(ms_config_mutex);

/* The NIC's port and its host stack's, found once and forgotten when the NIC leaves. */
static atomic_t ms_nic_port = ATOMIC_INIT(-1);
static atomic_t ms_host_port = ATOMIC_INIT(-1);

/* Non-NULL when this module created the switch (exclusive mode). */
static void *ms_auth_token;
static bool ms_attached;
/* The switch itself, as its ports show it: needed to open it up at unload. */
static struct nm_bridge *ms_bridge;

static void ms_note_bridge(struct nm_bridge *b)
{
	if (b && unlikely(READ_ONCE(ms_bridge) != b))
		WRITE_ONCE(ms_bridge, b);
}

static bool ms_is_host_port(const struct netmap_vp_adapter *vp)
{
	return vp->up.na_hostvp == vp;
}

static bool ms_is_nic_port(const struct netmap_vp_adapter *vp)
{
	return vp->up.na_hostvp && vp->up.na_hostvp != vp && vp->up.na_vp == vp;
}

/*
 * Finds the NIC among the switch's ports.  Called from lookup, under the
 * switch's read lock held by netmap's forwarding, so bdg_ports is stable.
 */
static void ms_find_nic(const struct nm_bridge *b)
{
	uint32_t i;

	for (i = 0; i < b->bdg_active_ports && i < NM_BDG_MAXPORTS; i++) {
		const struct netmap_vp_adapter *vp = b->bdg_ports[b->bdg_port_index[i]];

		if (vp && ms_is_nic_port(vp)) {
			atomic_set(&ms_host_port, vp->up.na_hostvp->bdg_port);
			atomic_set(&ms_nic_port, vp->bdg_port);
			return;
		}
	}
}

static uint32_t ms_verdict_port(struct ms_decision d, const struct netmap_vp_adapter *src)
{
	int port;

	switch (d.verdict) {
	case MS_VERDICT_PORT:
		return d.owner < NM_BDG_MAXPORTS ? d.owner : NM_BDG_NOPORT;
	case MS_VERDICT_HOST:
		port = atomic_read(&ms_host_port);
		break;
	case MS_VERDICT_ALL:
		return NM_BDG_BROADCAST;
	case MS_VERDICT_NIC:
		port = atomic_read(&ms_nic_port);
		if (port < 0 && src->na_bdg) {
			ms_find_nic(src->na_bdg);
			port = atomic_read(&ms_nic_port);
		}
		break;
	default:
		return NM_BDG_NOPORT;
	}
	return port >= 0 ? (uint32_t) port : NM_BDG_NOPORT;
}

/*
 * Per frame, in netmap's forwarding path: no sleeping, no allocation, no
 * lock a writer holds.  netmap has already skipped the virtio-net header
 * (ft_offset); a frame spread over slots is judged on its first slot, which
 * the core treats as truncated if the headers do not fit.
 */
static uint32_t ms_vale_lookup(struct nm_bdg_fwd *ft, uint8_t *ring, struct netmap_vp_adapter *src,
			       void *private_data)
{
	struct ms_core *core = private_data;
	const uint8_t *frame = (const uint8_t *) ft->ft_buf + ft->ft_offset;
	uint32_t len = ft->ft_len > ft->ft_offset ? ft->ft_len - ft->ft_offset : 0;
	struct ms_decision d;
	unsigned long irqflags;
	uint32_t dst;

	if (ms_is_host_port(src)) {
		/* The host port's na_vp is its NIC's port. */
		return src->up.na_vp ? (uint32_t) src->up.na_vp->bdg_port : NM_BDG_NOPORT;
	}
	/* A buffer in user memory cannot be read here without faulting. */
	if (ft->ft_flags & NS_INDIRECT) {
		d.verdict = ms_is_nic_port(src) ? MS_VERDICT_HOST : MS_VERDICT_DROP;
		return ms_verdict_port(d, src);
	}

	ms_note_bridge(src->na_bdg);
	/*
	 * netmap calls lookup from process context, softirqs and even hard
	 * interrupts (the generic adapter's hrtimer): only masking interrupts
	 * keeps the per-CPU counters of the core from interleaving.
	 */
	local_irq_save(irqflags);
	rcu_read_lock();
	if (ms_is_nic_port(src)) {
		if (atomic_read(&ms_nic_port) != src->bdg_port) {
			atomic_set(&ms_host_port, src->up.na_hostvp->bdg_port);
			atomic_set(&ms_nic_port, src->bdg_port);
		}
		d = ms_ingress(core, frame, len);
	} else {
		d = ms_egress(core, frame, len, (uint16_t) src->bdg_port);
	}
	rcu_read_unlock();
	local_irq_restore(irqflags);

	dst = ms_verdict_port(d, src);
	/* Stacks and the host usually have one ring; the NIC keeps the source's. */
	if (dst != NM_BDG_NOPORT && dst != (uint32_t) atomic_read(&ms_nic_port))
		*ring = 0;
	return dst;
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

/* Under the file table's lock: compares pointers and names, nothing more. */
static int ms_port_visit(const void *arg, struct file *file, unsigned fd)
{
	/* iterate_fd() passes its argument as const; the search is ours to fill. */
	struct ms_port_search *search = (struct ms_port_search *) arg;
	struct netmap_priv_d *priv;
	struct netmap_adapter *na;

	if (!ms_is_netmap_file(file))
		return 0;
	priv = file->private_data;
	na = priv ? READ_ONCE(priv->np_na) : NULL;
	if (!na || strncmp(na->name, search->name, sizeof(na->name)) != 0)
		return 0;
	search->found = (struct netmap_vp_adapter *) na;
	return (int) fd + 1;
}

/*
 * A name netmap can only give to a switch port: "<switch>:<id>" with id made
 * of letters, digits and '_'.  Pipes ('{', '}'), monitors ('/'), host ports
 * ('^') and NICs (Linux refuses ':' in interface names) never match, so the
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
 * The caller's own port named nifr_name: config receives neither the fd nor
 * the port, so the caller must hold a netmap fd registered on that port, and
 * the port must be on this module's switch.  Runs under the switch's read
 * lock (held by netmap around config), so the port cannot leave meanwhile.
 */
static struct netmap_vp_adapter *ms_caller_port(const char *name)
{
	struct ms_port_search search = { .name = name, .found = NULL };
	struct netmap_vp_adapter *vp;
	const char *bdg;
	size_t len = strcspn(ms_switch_name, ":");

	if (!ms_is_switch_port_name(name) || !iterate_fd(current->files, 0, ms_port_visit, &search))
		return NULL;
	vp = search.found;
	/* A plain port's na_vp is unset or itself; a NIC's wrapper is not a stack's port. */
	if ((vp->up.na_vp && vp->up.na_vp != vp) || ms_is_nic_port(vp) || ms_is_host_port(vp))
		return NULL;
	bdg = netmap_bdg_name(vp);
	if (!bdg || strlen(bdg) != len || strncmp(bdg, ms_switch_name, len) != 0)
		return NULL;
	ms_note_bridge(vp->na_bdg);
	return vp;
}

static const char *ms_short_name(const char *port)
{
	const char *colon = strchr(port, ':');

	return colon ? colon + 1 : port;
}

static bool ms_req_well_formed(const struct ms_req *req)
{
	static const uint8_t zero[sizeof(req->reserved)];

	return req->magic == MS_REQ_MAGIC && req->version == MS_REQ_VERSION &&
	       req->cmd >= MS_CMD_BIND && req->cmd <= MS_CMD_QUERY && req->flags == 0 &&
	       req->out_flags == 0 && req->out_owner_pid == 0 && req->out_packets == 0 &&
	       req->out_bytes == 0 && req->out_owner_port[0] == 0 &&
	       memcmp(req->reserved, zero, sizeof(zero)) == 0;
}

static int ms_do_bind(const struct ms_tuple *tuple, const struct ms_req *req,
		      const struct netmap_vp_adapter *port)
{
	struct file *sock_file;
	struct ms_owner *owner;
	enum ms_status status;
	int err;

	err = ms_sock_find(tuple, req->fd, &sock_file);
	if (err) {
		pr_warn_ratelimited("multistack: BIND %u/%u port %u by pid %d on %s: no such "
				    "socket of the caller (EPERM)\n",
				    tuple->family, tuple->proto, tuple->port, task_tgid_nr(current),
				    port->up.name);
		return err;
	}
	owner = ms_owner_new(sock_file, ms_short_name(port->up.name));
	if (!owner) {
		fput(sock_file);
		pr_warn_ratelimited("multistack: BIND on %s: out of memory (ENOMEM)\n",
				    port->up.name);
		return ENOMEM;
	}
	status = ms_bind(ms_linux_core, tuple, (uint16_t) port->bdg_port, owner);
	if (status != MS_OK) {
		ms_owner_release(owner, NULL);
		pr_warn_ratelimited("multistack: BIND %u/%u port %u on %s refused: %s\n",
				    tuple->family, tuple->proto, tuple->port, port->up.name,
				    status == MS_ERR_INUSE    ? "held by another port"
				    : status == MS_ERR_EXISTS ? "already registered by this port"
				    : status == MS_ERR_NOMEM  ? "out of memory"
							      : "invalid tuple");
	}
	return ms_status_errno(status);
}

static int ms_do_unbind(const struct ms_tuple *tuple, const struct netmap_vp_adapter *port)
{
	void *cookie = NULL;
	enum ms_status status = ms_unbind(ms_linux_core, tuple, (uint16_t) port->bdg_port, &cookie);

	if (status == MS_OK) {
		ms_owner_release(cookie, NULL);
		return 0;
	}
	pr_warn_ratelimited("multistack: UNBIND %u/%u port %u on %s refused: %s\n", tuple->family,
			    tuple->proto, tuple->port, port->up.name,
			    status == MS_ERR_NOENT ? "not registered"
						   : "registered by another port");
	return ms_status_errno(status);
}

static void ms_do_query(const struct ms_tuple *tuple, struct ms_req *req,
			const struct netmap_vp_adapter *port)
{
	struct ms_registration reg;
	struct ms_tuple wildcard = *tuple;
	const struct ms_owner *owner;

	if (ms_query(ms_linux_core, tuple, &reg) != MS_OK) {
		memset(wildcard.addr, 0, sizeof(wildcard.addr));
		if (ms_query(ms_linux_core, &wildcard, &reg) != MS_OK)
			return;
		req->out_flags |= MS_QUERY_WILDCARD;
	}
	req->out_flags |= MS_QUERY_FOUND;
	if (port && reg.owner == port->bdg_port)
		req->out_flags |= MS_QUERY_MINE;
	req->out_packets = reg.packets;
	req->out_bytes = reg.bytes;
	owner = reg.cookie;
	if (owner) {
		req->out_owner_pid = (uint32_t) owner->pid;
		strscpy(req->out_owner_port, owner->port, sizeof(req->out_owner_port));
	}
}

static int ms_vale_config(struct nm_ifreq *nifr)
{
	struct ms_req req;
	struct ms_tuple tuple;
	struct netmap_vp_adapter *port;
	char name[IFNAMSIZ + 1];
	int err = 0;

	memcpy(&req, nifr->data, sizeof(req));
	memcpy(name, nifr->nifr_name, IFNAMSIZ);
	name[IFNAMSIZ] = '\0';
	memset(&tuple, 0, sizeof(tuple));
	tuple.family = req.family;
	tuple.proto = req.proto;
	tuple.port = req.port;
	memcpy(tuple.addr, req.addr, sizeof(tuple.addr));
	if (!ms_req_well_formed(&req) || !ms_tuple_valid(&tuple) ||
	    (req.fd < 0 && req.fd != MS_REQ_FD_SEARCH)) {
		pr_warn_ratelimited("multistack: malformed request from pid %d on %s (EINVAL)\n",
				    task_tgid_nr(current), name);
		return EINVAL;
	}

	mutex_lock(&ms_config_mutex);
	port = ms_caller_port(name);
	if (req.cmd == MS_CMD_QUERY) {
		ms_do_query(&tuple, &req, port);
		memcpy(nifr->data, &req, sizeof(req));
	} else if (!port) {
		pr_warn_ratelimited(
		    "multistack: pid %d holds no netmap fd on port %s of %s (EPERM)\n",
		    task_tgid_nr(current), name, ms_switch_name);
		err = EPERM;
	} else if (req.cmd == MS_CMD_BIND) {
		err = ms_do_bind(&tuple, &req, port);
	} else {
		err = ms_do_unbind(&tuple, port);
	}
	mutex_unlock(&ms_config_mutex);
	return err;
}

/* A port leaves the switch: its registrations go, and their sockets are let go. */
static void ms_vale_dtor(const struct netmap_vp_adapter *vp)
{
	if (vp->bdg_port == atomic_read(&ms_nic_port)) {
		atomic_set(&ms_nic_port, -1);
		atomic_set(&ms_host_port, -1);
	}
	mutex_lock(&ms_config_mutex);
	ms_unbind_owner(ms_linux_core, (uint16_t) vp->bdg_port, ms_owner_release, NULL);
	mutex_unlock(&ms_config_mutex);
}

static struct netmap_bdg_ops ms_ops = {
	.lookup = ms_vale_lookup,
	.config = ms_vale_config,
	.dtor = ms_vale_dtor,
	.name = "multistack",
};

int ms_netmap_attach(const char *switch_name)
{
	int err;

	/* An existing switch (its NIC attached with vale-ctl -h) is taken over as it is. */
	err = netmap_bdg_regops(switch_name, &ms_ops, ms_linux_core, NULL);
	if (err == ENXIO) {
		/*
		 * None yet: create it.  netmap makes a module's switch exclusive,
		 * so vale-ctl cannot attach NICs to it later (EACCES); stacks'
		 * ports still open on it.
		 */
		ms_auth_token = netmap_vale_create(switch_name, &err);
		if (!ms_auth_token)
			return -(err ? err : ENOMEM);
		err = netmap_bdg_regops(switch_name, &ms_ops, ms_linux_core, ms_auth_token);
		if (err) {
			netmap_vale_destroy(switch_name, ms_auth_token);
			ms_auth_token = NULL;
		}
	}
	if (err) {
		pr_err("multistack: cannot take over switch %s (error %d)\n", switch_name, err);
		return -err;
	}
	ms_attached = true;
	return 0;
}

/*
 * A switch this module created cannot be destroyed while ports remain, and
 * netmap would keep it exclusive to a token nobody holds any more: the next
 * load could not take it over.  So it is opened up instead, as if vale-ctl
 * had made it; it stays active, and the next load takes it over as found.
 */
static void ms_open_up_switch(void)
{
	struct nm_bridge *b = READ_ONCE(ms_bridge);

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

/*
 * Gives the switch back its default behaviour.  regops takes the switch's
 * write lock, so once it returns no lookup, config or dtor of ours runs.
 */
void ms_netmap_detach(void)
{
	int err;

	if (!ms_attached)
		return;
	err = netmap_bdg_regops(ms_switch_name, NULL, NULL, ms_auth_token);
	if (err)
		pr_warn("multistack: switch %s is gone (error %d)\n", ms_switch_name, err);
	if (ms_auth_token) {
		err = netmap_vale_destroy(ms_switch_name, ms_auth_token);
		if (err == EBUSY)
			ms_open_up_switch();
		else if (err)
			pr_warn("multistack: cannot destroy switch %s (error %d)\n", ms_switch_name,
				err);
	}
	ms_auth_token = NULL;
	ms_bridge = NULL;
	ms_attached = false;
}
