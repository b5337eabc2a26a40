/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sysctl net.multistack.status: the records of common/ms_status.c, the same
 * lines /proc/net/multistack prints on Linux.
 *
 * ms_foreach() visits under the core's mutex, while writing to the sysctl
 * request may fault and sleep; so the registrations are first copied into a
 * snapshot, then printed without any lock held.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/malloc.h>
#include <sys/priv.h>
#include <sys/proc.h>
#include <sys/sbuf.h>
#include <sys/sysctl.h>
#include <sys/ucred.h>

#include "ms_fbsd.h"
#include "multistack/ms_request.h"
#include "multistack/ms_status.h"

struct ms_status_row {
	struct ms_registration reg;
	struct ms_fbsd_reg owner; /* a copy: the cookie may go once the mutex is dropped */
	bool has_owner;
};

struct ms_snapshot {
	struct ms_status_row *rows;
	uint32_t capacity;
	uint32_t count;
};

/* Registrations made between counting and visiting are left for the next read. */
#define MS_SNAPSHOT_SLACK 16

static int ms_snapshot_visit(const struct ms_registration *reg, void *arg)
{
	struct ms_snapshot *snap = arg;
	struct ms_status_row *row;

	if (snap->count == snap->capacity)
		return (1);
	row = &snap->rows[snap->count++];
	row->reg = *reg;
	row->has_owner = reg->cookie != NULL;
	if (row->has_owner)
		row->owner = *(const struct ms_fbsd_reg *) reg->cookie;
	return (0);
}

/*
 * Who registered is the owner's business, as on Linux: pid and uid are shown
 * to the registration's own user and to whoever holds the privilege FreeBSD
 * requires for learning the credentials behind a connection
 * (PRIV_NETINET_GETCRED, root outside a jail); everyone else reads "-".
 */
static bool ms_may_see(struct ucred *reader, const struct ms_fbsd_reg *owner)
{
	return (reader->cr_uid == owner->uid || priv_check_cred(reader, PRIV_NETINET_GETCRED) == 0);
}

static void ms_print_row(struct sbuf *sb, struct ucred *reader, const struct ms_status_row *row)
{
	struct ms_status_owner seen = { 0 };
	char line[MS_STATUS_LINE_MAX];

	if (row->has_owner) {
		seen.port = row->owner.port;
		if (ms_may_see(reader, &row->owner)) {
			seen.shown = true;
			seen.pid = row->owner.pid;
			seen.uid = row->owner.uid;
		}
	}
	sbuf_bcat(sb, line, ms_status_line_reg(line, &row->reg, &seen));
}

int ms_status_sysctl(SYSCTL_HANDLER_ARGS)
{
	char line[MS_STATUS_LINE_MAX];
	struct ms_snapshot snap = { 0 };
	struct ms_stats *stats;
	unsigned dir, reason;
	struct sbuf *sb;
	uint32_t i;
	int error;

	snap.capacity = ms_count(ms_sw.core) + MS_SNAPSHOT_SLACK;
	snap.rows = malloc(sizeof(*snap.rows) * snap.capacity, M_MULTISTACK, M_WAITOK | M_ZERO);
	stats = malloc(sizeof(*stats), M_MULTISTACK, M_WAITOK | M_ZERO);
	ms_foreach(ms_sw.core, ms_snapshot_visit, &snap);
	ms_stats_read(ms_sw.core, stats);

	sb = sbuf_new_for_sysctl(NULL, NULL, 4096, req);
	sbuf_bcat(sb, line, ms_status_line_version(line));
	sbuf_bcat(sb, line, ms_status_line_switch(line, ms_sw.name, snap.count));
	sbuf_bcat(sb, line,
		  ms_status_line_limits(line, ms_requests_limits(ms_sw.requests),
					ms_requests_refused_for_limit(ms_sw.requests)));
	for (i = 0; i < snap.count; i++)
		ms_print_row(sb, req->td->td_ucred, &snap.rows[i]);
	for (dir = 0; dir < MS_DIR__COUNT; dir++)
		for (reason = 0; reason < MS_REASON__COUNT; reason++)
			sbuf_bcat(
			    sb, line,
			    ms_status_line_counter(line, dir, reason, stats->reason[dir][reason]));
	error = sbuf_finish(sb);
	sbuf_delete(sb);

	free(stats, M_MULTISTACK);
	free(snap.rows, M_MULTISTACK);
	return (error);
}
