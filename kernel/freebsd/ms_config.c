/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NIOCCONFIG: BIND, UNBIND and QUERY, checked in the same order and with the
 * same errno values as the Linux module (kernel/linux/ms_netmap.c):
 *   1. a malformed request (header, command, flags, output fields, reserved
 *      bytes, tuple, fd) is EINVAL;
 *   2. the caller's own port is looked up; QUERY works without one, BIND and
 *      UNBIND are EPERM without one;
 *   3. BIND: no socket of the caller owning the tuple is EPERM, then the
 *      core's answer (EADDRINUSE, EEXIST, ENOMEM); UNBIND: ENOENT or EPERM.
 * netmap calls this with the switch's read lock held: nothing here sleeps.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/epoch.h>
#include <sys/file.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/ucred.h>

#include "ms_fbsd.h"
#include "ms_netmap.h"
#include "multistack/ms_os.h"
#include "multistack/ms_uapi.h"

CTASSERT(sizeof(struct ms_req) == MS_REQ_SIZE);
CTASSERT(sizeof(((struct nm_ifreq *) NULL)->data) == sizeof(struct ms_req));
CTASSERT(MS_MAX_OWNERS >= NM_BDG_MAXPORTS);

int ms_errno(enum ms_status status)
{
	switch (status) {
	case MS_OK:
		return (0);
	case MS_ERR_INVAL:
		return (EINVAL);
	case MS_ERR_NOMEM:
		return (ENOMEM);
	case MS_ERR_INUSE:
		return (EADDRINUSE);
	case MS_ERR_EXISTS:
		return (EEXIST);
	case MS_ERR_NOENT:
		return (ENOENT);
	case MS_ERR_PERM:
		return (EPERM);
	}
	return (EINVAL);
}

static void ms_config_log(const char *what, const struct ms_tuple *tuple, const char *port,
			  int error)
{
	char line[128];

	snprintf(line, sizeof(line), "%s %u/%u port %u by pid %d on %s: error %d", what,
		 tuple->family, tuple->proto, tuple->port, curproc->p_pid, port, error);
	ms_os_log(1, line);
}

static bool ms_req_well_formed(const struct ms_req *req)
{
	static const uint8_t zero[sizeof(req->reserved)];

	return (req->magic == MS_REQ_MAGIC && req->version == MS_REQ_VERSION &&
		req->cmd >= MS_CMD_BIND && req->cmd <= MS_CMD_QUERY && req->flags == 0 &&
		req->out_flags == 0 && req->out_owner_pid == 0 && req->out_packets == 0 &&
		req->out_bytes == 0 && req->out_owner_port[0] == '\0' &&
		memcmp(req->reserved, zero, sizeof(zero)) == 0 &&
		(req->fd >= 0 || req->fd == MS_REQ_FD_SEARCH));
}

static void ms_req_tuple(const struct ms_req *req, struct ms_tuple *tuple)
{
	memset(tuple, 0, sizeof(*tuple));
	tuple->family = req->family;
	tuple->proto = req->proto;
	tuple->port = req->port;
	memcpy(tuple->addr, req->addr, sizeof(tuple->addr));
}

static int ms_do_bind(const struct ms_tuple *tuple, const struct ms_req *req, uint16_t owner,
		      const char *port)
{
	struct thread *td = curthread;
	struct ms_fbsd_reg *reg;
	enum ms_status status;
	struct file *fp;
	int error;

	error = ms_owner_find_socket(td, tuple, req->fd, &fp);
	if (error != 0) {
		ms_config_log("BIND: no such socket of the caller", tuple, port, error);
		return (error);
	}
	reg = malloc(sizeof(*reg), M_MULTISTACK, M_NOWAIT | M_ZERO);
	if (reg == NULL) {
		ms_file_drop(fp);
		return (ENOMEM);
	}
	reg->fp = fp;
	reg->pid = td->td_proc->p_pid;
	reg->uid = td->td_ucred->cr_uid;
	strlcpy(reg->port, port + strlen(ms_sw.name), sizeof(reg->port));
	status = ms_bind(ms_sw.core, tuple, owner, reg);
	if (status != MS_OK) {
		ms_release_cookie(reg, NULL);
		ms_config_log("BIND refused", tuple, port, ms_errno(status));
	}
	return (ms_errno(status));
}

static int ms_do_unbind(const struct ms_tuple *tuple, uint16_t owner, const char *port)
{
	enum ms_status status;
	void *cookie = NULL;

	status = ms_unbind(ms_sw.core, tuple, owner, &cookie);
	if (status == MS_OK) {
		ms_release_cookie(cookie, NULL);
		return (0);
	}
	ms_config_log("UNBIND refused", tuple, port, ms_errno(status));
	return (ms_errno(status));
}

/*
 * Cookies are freed by the release task only after a net epoch has passed,
 * so reading one inside the epoch is safe even if an UNBIND races with us.
 */
static void ms_do_query(const struct ms_tuple *tuple, struct ms_req *req, bool have_port,
			uint16_t owner)
{
	struct ms_tuple wildcard = *tuple;
	const struct ms_fbsd_reg *reg;
	struct ms_registration found;
	struct epoch_tracker et;

	NET_EPOCH_ENTER(et);
	if (ms_query(ms_sw.core, tuple, &found) != MS_OK) {
		memset(wildcard.addr, 0, sizeof(wildcard.addr));
		if (ms_query(ms_sw.core, &wildcard, &found) != MS_OK)
			goto out;
		req->out_flags |= MS_QUERY_WILDCARD;
	}
	req->out_flags |= MS_QUERY_FOUND;
	if (have_port && found.owner == owner)
		req->out_flags |= MS_QUERY_MINE;
	req->out_packets = found.packets;
	req->out_bytes = found.bytes;
	reg = found.cookie;
	if (reg != NULL) {
		req->out_owner_pid = (uint32_t) reg->pid;
		strlcpy(req->out_owner_port, reg->port, sizeof(req->out_owner_port));
	}
out:
	NET_EPOCH_EXIT(et);
}

int ms_config(struct nm_ifreq *nr)
{
	char name[MS_NAME_MAX + 1];
	struct ms_tuple tuple;
	struct ms_req req;
	uint16_t owner = 0;
	bool have_port;

	memcpy(&req, nr->data, sizeof(req));
	memcpy(name, nr->nifr_name, MS_NAME_MAX);
	name[MS_NAME_MAX] = '\0';
	ms_req_tuple(&req, &tuple);
	if (!ms_req_well_formed(&req) || !ms_tuple_valid(&tuple)) {
		ms_config_log("malformed request", &tuple, name, EINVAL);
		return (EINVAL);
	}

	have_port = ms_switch_caller_port(name, &owner) == 0;
	if (req.cmd == MS_CMD_QUERY) {
		ms_do_query(&tuple, &req, have_port, owner);
		memcpy(nr->data, &req, sizeof(req));
		return (0);
	}
	if (!have_port) {
		ms_config_log("caller's netmap fd is not on this port", &tuple, name, EPERM);
		return (EPERM);
	}
	if (req.cmd == MS_CMD_BIND)
		return (ms_do_bind(&tuple, &req, owner, name));
	return (ms_do_unbind(&tuple, owner, name));
}
