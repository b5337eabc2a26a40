/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NIOCCONFIG: the request path of common/ms_request.c (the order of checks,
 * limits, QUERY's answer, every errno), fed with what only FreeBSD knows:
 * the caller's port (ms_switch.c) and the socket proving ownership
 * (ms_owner.c).  netmap calls this with the switch's read lock held, an
 * rwlock: nothing here sleeps, so the caller's descriptor of the proof is
 * closed on the caller's way back to user mode (ms_handover.c), where Linux
 * closes it at once.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/file.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/ucred.h>

#include "ms_fbsd.h"
#include "ms_netmap.h"
#include "multistack/ms_os.h"
#include "multistack/ms_request.h"
#include "multistack/ms_uapi.h"

CTASSERT(sizeof(struct ms_req) == MS_REQ_SIZE);
CTASSERT(sizeof(((struct nm_ifreq *) NULL)->data) == sizeof(struct ms_req));
CTASSERT(MS_MAX_OWNERS >= NM_BDG_MAXPORTS);
CTASSERT(MS_NAME_MAX == MS_REQ_PORT_NAME_LEN);

/* What one request has learnt so far, for the hooks that follow. */
struct ms_call {
	uint16_t owner;
	struct netmap_vp_adapter *port; /* held by the caller: alive under the switch lock */
	struct ms_tuple tuple;
};

static int ms_host_caller_port(void *ctx, const char *name, uint16_t *owner)
{
	struct ms_call *call = ctx;

	if (ms_port_of_caller(name, owner, &call->port) != 0)
		return (EPERM);
	call->owner = *owner;
	return (0);
}

static int ms_host_take_proof(void *ctx, const struct ms_tuple *tuple, int32_t fd, const char *port,
			      void **cookie)
{
	struct ms_call *call = ctx;
	struct thread *td = curthread;
	struct ms_fbsd_reg *reg;
	struct file *fp;
	int error;

	error = ms_owner_find_socket(td, tuple, fd, &fp, &fd);
	if (error != 0)
		return (error);
	call->tuple = *tuple;
	reg = malloc(sizeof(*reg), M_MULTISTACK, M_NOWAIT | M_ZERO);
	if (reg == NULL) {
		ms_file_drop(fp);
		return (ENOMEM);
	}
	reg->fp = fp;
	reg->fd = fd;
	reg->pid = td->td_proc->p_pid;
	reg->uid = td->td_ucred->cr_uid;
	strlcpy(reg->port, port + strlen(ms_sw.name), sizeof(reg->port));
	*cookie = reg;
	return (0);
}

static int ms_host_commit_proof(void *ctx, void *cookie)
{
	const struct ms_call *call = ctx;
	const struct ms_fbsd_reg *reg = cookie;
	int error;

	/* Watch first: a port whose owner is leaving refuses the BIND before the socket is taken.
	 */
	error = ms_watch_port(call->port);
	if (error != 0)
		return (error);
	return (ms_handover_start(reg->fp, reg->fd, &call->tuple, call->owner));
}

/* No registration left (UNBIND, or a hand-over revoked): the port need not be watched. */
static void ms_host_owner_idle(void *ctx, uint16_t owner)
{
	(void) ctx;
	ms_unwatch_owner(owner);
}

static void ms_host_describe(const void *cookie, uint32_t *pid, char port[MS_REQ_PORT_NAME_LEN])
{
	const struct ms_fbsd_reg *reg = cookie;

	*pid = (uint32_t) reg->pid;
	strlcpy(port, reg->port, MS_REQ_PORT_NAME_LEN);
}

static const struct ms_request_host ms_fbsd_host = {
	.caller_port = ms_host_caller_port,
	.take_proof = ms_host_take_proof,
	.commit_proof = ms_host_commit_proof,
	.owner_idle = ms_host_owner_idle,
	.release = ms_release_cookie,
	.describe = ms_host_describe,
};

const struct ms_request_host *ms_config_host(void)
{
	return (&ms_fbsd_host);
}

int ms_config(struct nm_ifreq *nr)
{
	struct ms_call call = { 0 };
	struct ms_request_result result;
	struct ms_req req;
	char line[128];

	memcpy(&req, nr->data, sizeof(req));
	result = ms_request(ms_sw.requests, &call, nr->nifr_name, &req);
	if (result.error != 0) {
		snprintf(line, sizeof(line),
			 "request %u for %u/%u port %u by pid %d on %.16s: %s "
			 "(error %d)",
			 req.cmd, req.family, req.proto, req.port, curproc->p_pid, nr->nifr_name,
			 result.why, result.error);
		ms_os_log(1, line);
		return (result.error);
	}
	if (req.cmd == MS_CMD_QUERY)
		memcpy(nr->data, &req, sizeof(req));
	return (0);
}
