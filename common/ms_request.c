// SPDX-License-Identifier: BSD-2-Clause
/*
 * NIOCCONFIG, checked in one order for every kernel:
 *   1. a malformed request (header, command, flags, output fields, reserved
 *      bytes, family, protocol, port 0, fd) is EINVAL, before anything else;
 *   2. the caller's own port (host->caller_port), or its errno (EPERM), for
 *      every command, QUERY included;
 *   3. BIND: the limits (ENOSPC), the proof (host->take_proof: EPERM,
 *      EADDRNOTAVAIL, EBUSY), the core (EADDRINUSE, EEXIST, ENOMEM), then
 *      the proof handed over (EBUSY undoes the registration);
 *      UNBIND: the core (ENOENT, EPERM);
 *      QUERY: who holds the tuple, details only for the holder itself.
 * The lock serialises requests with owners leaving, so a cookie read by
 * QUERY is never being released meanwhile, and the per-port counts agree
 * with the table.
 */
#include "multistack/ms_request.h"
#include "multistack/ms_os.h"

struct ms_requests {
	struct ms_core *core;
	const struct ms_request_host *host;
	struct ms_limits limits;
	struct ms_os_lock *lock;
	uint32_t total;
	uint32_t per_owner[MS_MAX_OWNERS];
	uint64_t refused_for_limit;
};

int ms_status_errno(enum ms_status status)
{
	switch (status) {
	case MS_OK:
		return 0;
	case MS_ERR_INVAL:
		return EINVAL;
	case MS_ERR_NOMEM:
		return ENOMEM;
	case MS_ERR_INUSE:
		return EADDRINUSE;
	case MS_ERR_EXISTS:
		return EEXIST;
	case MS_ERR_NOENT:
		return ENOENT;
	case MS_ERR_PERM:
		return EPERM;
	}
	return EINVAL;
}

enum ms_status ms_requests_create(struct ms_core *core, const struct ms_request_host *host,
				  struct ms_limits limits, struct ms_requests **out)
{
	struct ms_requests *rq = ms_os_zalloc(sizeof(*rq));

	*out = NULL;
	if (!rq)
		return MS_ERR_NOMEM;
	rq->lock = ms_os_lock_create();
	if (!rq->lock) {
		ms_os_free(rq, sizeof(*rq));
		return MS_ERR_NOMEM;
	}
	rq->core = core;
	rq->host = host;
	rq->limits = limits;
	*out = rq;
	return MS_OK;
}

void ms_requests_destroy(struct ms_requests *rq)
{
	if (!rq)
		return;
	ms_os_lock_destroy(rq->lock);
	ms_os_free(rq, sizeof(*rq));
}

static bool ms_all_zero(const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static bool ms_req_well_formed(const struct ms_req *req)
{
	return req->magic == MS_REQ_MAGIC && req->version == MS_REQ_VERSION &&
	       req->cmd >= MS_CMD_BIND && req->cmd <= MS_CMD_QUERY && req->flags == 0 &&
	       req->out_flags == 0 && req->out_owner_pid == 0 && req->out_packets == 0 &&
	       req->out_bytes == 0 &&
	       ms_all_zero(req->out_owner_port, sizeof(req->out_owner_port)) &&
	       ms_all_zero(req->reserved, sizeof(req->reserved)) &&
	       (req->fd >= 0 || req->fd == MS_REQ_FD_SEARCH);
}

/* Port 0 names no socket's port: a kernel never binds a socket to it. */
static bool ms_req_tuple(const struct ms_req *req, struct ms_tuple *tuple)
{
	__builtin_memset(tuple, 0, sizeof(*tuple));
	tuple->family = req->family;
	tuple->proto = req->proto;
	tuple->port = req->port;
	__builtin_memcpy(tuple->addr, req->addr, sizeof(tuple->addr));
	return tuple->port != 0 && ms_tuple_valid(tuple);
}

static struct ms_request_result ms_result(int error, const char *why)
{
	struct ms_request_result result = { error, why };

	return result;
}

static const char *ms_bind_refusal(enum ms_status status)
{
	switch (status) {
	case MS_ERR_INUSE:
		return "held by another port";
	case MS_ERR_EXISTS:
		return "already registered by this port";
	case MS_ERR_NOMEM:
		return "out of memory";
	default:
		return "invalid tuple";
	}
}

static struct ms_request_result ms_do_bind(struct ms_requests *rq, void *ctx,
					   const struct ms_tuple *tuple, const struct ms_req *req,
					   uint16_t owner, const char *name)
{
	enum ms_status status;
	void *cookie = NULL;
	void *undone = NULL;
	int error;

	if (rq->total >= rq->limits.max_registrations ||
	    rq->per_owner[owner] >= rq->limits.max_per_port) {
		rq->refused_for_limit++;
		return ms_result(ENOSPC, rq->total >= rq->limits.max_registrations
					     ? "the switch's registration limit is reached"
					     : "the port's registration limit is reached");
	}
	error = rq->host->take_proof(ctx, tuple, req->fd, name, &cookie);
	if (error)
		return ms_result(error, error == EADDRNOTAVAIL ? "the address is not local"
					: error == EBUSY       ? "the socket has other holders"
					: error == ENOMEM      ? "out of memory"
							       : "no such socket of the caller");
	status = ms_bind(rq->core, tuple, owner, cookie);
	if (status != MS_OK) {
		rq->host->release(cookie, NULL);
		return ms_result(ms_status_errno(status), ms_bind_refusal(status));
	}
	error = rq->host->commit_proof(ctx, cookie);
	if (error) {
		/* The caller raced itself (another holder appeared): undo. */
		if (ms_unbind(rq->core, tuple, owner, &undone) == MS_OK)
			rq->host->release(undone, NULL);
		return ms_result(error, "the socket gained another holder during BIND");
	}
	rq->total++;
	rq->per_owner[owner]++;
	return ms_result(0, "registered");
}

static struct ms_request_result ms_do_unbind(struct ms_requests *rq, void *ctx,
					     const struct ms_tuple *tuple, uint16_t owner)
{
	void *cookie = NULL;
	enum ms_status status = ms_unbind(rq->core, tuple, owner, &cookie);

	if (status != MS_OK)
		return ms_result(ms_status_errno(status), status == MS_ERR_NOENT
							      ? "not registered"
							      : "registered by another port");
	rq->host->release(cookie, NULL);
	rq->total--;
	if (--rq->per_owner[owner] == 0)
		rq->host->owner_idle(ctx, owner);
	return ms_result(0, "unregistered");
}

/* Anyone may learn that a tuple is taken (BIND would say so); only the holder learns more. */
static void ms_do_query(struct ms_requests *rq, const struct ms_tuple *tuple, uint16_t owner,
			struct ms_req *req)
{
	struct ms_registration reg;
	struct ms_tuple wildcard = *tuple;
	uint32_t pid = 0;

	if (ms_query(rq->core, tuple, &reg) != MS_OK) {
		__builtin_memset(wildcard.addr, 0, sizeof(wildcard.addr));
		if (ms_query(rq->core, &wildcard, &reg) != MS_OK)
			return;
		req->out_flags |= MS_QUERY_WILDCARD;
	}
	req->out_flags |= MS_QUERY_FOUND;
	if (reg.owner != owner)
		return;
	req->out_flags |= MS_QUERY_MINE;
	req->out_packets = reg.packets;
	req->out_bytes = reg.bytes;
	if (reg.cookie) {
		rq->host->describe(reg.cookie, &pid, req->out_owner_port);
		req->out_owner_pid = pid;
	}
}

struct ms_request_result ms_request(struct ms_requests *rq, void *ctx,
				    const char name[MS_REQ_PORT_NAME_LEN], struct ms_req *req)
{
	char port[MS_REQ_PORT_NAME_LEN + 1];
	struct ms_request_result result;
	struct ms_tuple tuple;
	uint16_t owner = 0;
	int error;

	__builtin_memcpy(port, name, MS_REQ_PORT_NAME_LEN);
	port[MS_REQ_PORT_NAME_LEN] = '\0';
	if (!ms_req_well_formed(req) || !ms_req_tuple(req, &tuple))
		return ms_result(EINVAL, "malformed request");

	ms_os_lock(rq->lock);
	error = rq->host->caller_port(ctx, port, &owner);
	if (error || owner >= MS_MAX_OWNERS)
		result = ms_result(error ? error : EPERM,
				   "the caller holds no netmap fd owning all rings of that port");
	else if (req->cmd == MS_CMD_BIND)
		result = ms_do_bind(rq, ctx, &tuple, req, owner, port);
	else if (req->cmd == MS_CMD_UNBIND)
		result = ms_do_unbind(rq, ctx, &tuple, owner);
	else {
		ms_do_query(rq, &tuple, owner, req);
		result = ms_result(0, "answered");
	}
	ms_os_unlock(rq->lock);
	return result;
}

uint32_t ms_requests_owner_gone(struct ms_requests *rq, uint16_t owner, void *release_arg)
{
	uint32_t removed;

	if (owner >= MS_MAX_OWNERS)
		return 0;
	ms_os_lock(rq->lock);
	removed = ms_unbind_owner(rq->core, owner, rq->host->release, release_arg);
	rq->total -= removed < rq->total ? removed : rq->total;
	rq->per_owner[owner] = 0;
	ms_os_unlock(rq->lock);
	return removed;
}

bool ms_requests_revoke(struct ms_requests *rq, void *ctx, const struct ms_tuple *tuple,
			uint16_t owner, bool (*is_it)(const void *cookie, const void *arg),
			const void *arg)
{
	struct ms_registration reg;
	void *cookie = NULL;
	bool revoked = false;

	if (owner >= MS_MAX_OWNERS)
		return false;
	ms_os_lock(rq->lock);
	if (ms_query(rq->core, tuple, &reg) == MS_OK && reg.owner == owner && reg.cookie &&
	    is_it(reg.cookie, arg) && ms_unbind(rq->core, tuple, owner, &cookie) == MS_OK) {
		rq->host->release(cookie, NULL);
		rq->total--;
		if (--rq->per_owner[owner] == 0)
			rq->host->owner_idle(ctx, owner);
		revoked = true;
	}
	ms_os_unlock(rq->lock);
	return revoked;
}

uint64_t ms_requests_refused_for_limit(struct ms_requests *rq)
{
	uint64_t refused;

	ms_os_lock(rq->lock);
	refused = rq->refused_for_limit;
	ms_os_unlock(rq->lock);
	return refused;
}

struct ms_limits ms_requests_limits(const struct ms_requests *rq)
{
	return rq->limits;
}
