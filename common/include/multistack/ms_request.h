/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The NIOCCONFIG request path, once for every kernel: validation, the order
 * of the checks, limits, QUERY's answer and the errno of each refusal.  A
 * kernel glue supplies what only it can know through struct ms_request_host
 * (which port is the caller's, what proves ownership of a tuple) and calls
 * ms_request() from its switch's config hook.  See docs/design.md, "Isolation
 * model", for the rules these checks enforce.
 */
#ifndef MULTISTACK_MS_REQUEST_H
#define MULTISTACK_MS_REQUEST_H

#include "ms_os_types.h"
#include "multistack/ms_core.h"
#include "multistack/ms_uapi.h"

#define MS_REQ_PORT_NAME_LEN 16 /* nifr_name and out_owner_port, NUL included */

struct ms_request_host {
	/*
	 * The caller's own port named `name` on this switch (the caller holds
	 * every one of its rings), as an owner id; or an errno (EPERM).
	 */
	int (*caller_port)(void *ctx, const char *name, uint16_t *owner);
	/*
	 * Takes the caller's proof of ownership of `tuple` (socket `fd`, or a
	 * search of its files when fd is MS_REQ_FD_SEARCH) as a cookie; or an
	 * errno (EPERM, EADDRNOTAVAIL, EBUSY, ENOMEM).  The proof is not yet
	 * handed over: commit_proof() does that once the registration exists.
	 */
	int (*take_proof)(void *ctx, const struct ms_tuple *tuple, int32_t fd, const char *port,
			  void **cookie);
	/* Hands the proof over for good (closes the caller's descriptor); or an errno (EBUSY). */
	int (*commit_proof)(void *ctx, void *cookie);
	/* The owner's last registration went by UNBIND: the glue may stop watching it. */
	void (*owner_idle)(void *ctx, uint16_t owner);
	/* Gives a proof back: a refused BIND, UNBIND, the owner gone. Must not sleep. */
	void (*release)(void *cookie, void *arg);
	/* Who registered: process id and port name without the switch prefix. */
	void (*describe)(const void *cookie, uint32_t *pid, char port[MS_REQ_PORT_NAME_LEN]);
};

struct ms_limits {
	uint32_t max_registrations; /* over the whole switch */
	uint32_t max_per_port;
};

/* Why the last request was refused, for the glue's log line; never NULL. */
struct ms_request_result {
	int error;	 /* 0 or a positive errno */
	const char *why; /* a short sentence */
};

struct ms_requests;

enum ms_status ms_requests_create(struct ms_core *core, const struct ms_request_host *host,
				  struct ms_limits limits, struct ms_requests **out);
void ms_requests_destroy(struct ms_requests *rq);

/*
 * One NIOCCONFIG: `name` is nifr_name (not necessarily terminated), `req` its
 * data, updated in place for QUERY.  Sleeps only if the host's hooks do.
 */
struct ms_request_result ms_request(struct ms_requests *rq, void *ctx,
				    const char name[MS_REQ_PORT_NAME_LEN], struct ms_req *req);

/* An owner is gone (port closed, rings released): its registrations end. */
uint32_t ms_requests_owner_gone(struct ms_requests *rq, uint16_t owner, void *release_arg);

/*
 * Ends one registration after the fact: the one of `tuple` by `owner` whose
 * cookie `is_it` recognises (a glue that hands the proof over after BIND has
 * returned, and finds it failed).  Another registration of the tuple, made
 * meanwhile, is left alone.  `ctx` goes to owner_idle.  True if it ended one.
 */
bool ms_requests_revoke(struct ms_requests *rq, void *ctx, const struct ms_tuple *tuple,
			uint16_t owner, bool (*is_it)(const void *cookie, const void *arg),
			const void *arg);

/* How many registrations refused for a limit (ENOSPC) since creation. */
uint64_t ms_requests_refused_for_limit(struct ms_requests *rq);
/* The limits in force, for the status listing. */
struct ms_limits ms_requests_limits(const struct ms_requests *rq);

/* The one place a core status becomes an errno. */
int ms_status_errno(enum ms_status status);

#endif /* MULTISTACK_MS_REQUEST_H */
