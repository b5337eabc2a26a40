/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sysctl net.multistack.status: the status text of docs/design.md, the same
 * lines /proc/net/multistack prints on Linux.
 *
 * ms_foreach() visits under the core's mutex, while writing to the sysctl
 * request may fault and sleep; so the registrations are first copied into a
 * snapshot, then printed without any lock held.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <netinet/in.h>
#include <sys/malloc.h>
#include <sys/sbuf.h>
#include <sys/socket.h>
#include <sys/sysctl.h>

#include "ms_fbsd.h"
#include "multistack/ms_request.h"

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

static const char *ms_proto_name(unsigned proto)
{
	switch (proto) {
	case MS_PROTO_TCP:
		return ("tcp");
	case MS_PROTO_UDP:
		return ("udp");
	case MS_PROTO_DCCP:
		return ("dccp");
	case MS_PROTO_SCTP:
		return ("sctp");
	case MS_PROTO_UDPLITE:
		return ("udplite");
	}
	return ("?");
}

static void ms_print_addr(struct sbuf *sb, const struct ms_tuple *tuple)
{
	static const uint8_t zero[sizeof(tuple->addr)];
	char text[INET6_ADDRSTRLEN];
	int af = tuple->family == MS_FAMILY_INET ? AF_INET : AF_INET6;

	if (memcmp(tuple->addr, zero, sizeof(zero)) == 0 ||
	    inet_ntop(af, tuple->addr, text, sizeof(text)) == NULL)
		sbuf_cat(sb, "*");
	else
		sbuf_cat(sb, text);
}

static void ms_print_row(struct sbuf *sb, const struct ms_status_row *row)
{
	const struct ms_tuple *t = &row->reg.tuple;

	sbuf_printf(sb, "reg family=%u proto=%s addr=", t->family, ms_proto_name(t->proto));
	ms_print_addr(sb, t);
	sbuf_printf(sb, " port=%u owner=%s index=%u pid=%d uid=%u packets=%ju bytes=%ju\n", t->port,
		    row->has_owner ? row->owner.port : "?", row->reg.owner,
		    row->has_owner ? row->owner.pid : 0, row->has_owner ? row->owner.uid : 0,
		    (uintmax_t) row->reg.packets, (uintmax_t) row->reg.bytes);
}

static void ms_print_counters(struct sbuf *sb, const struct ms_stats *stats)
{
	unsigned dir, reason;

	for (dir = 0; dir < MS_DIR__COUNT; dir++)
		for (reason = 0; reason < MS_REASON__COUNT; reason++)
			sbuf_printf(sb, "counter dir=%s reason=%s verdict=%s packets=%ju\n",
				    dir == MS_DIR_INGRESS ? "ingress" : "egress",
				    ms_reason_name(reason),
				    ms_verdict_name(ms_reason_verdict(reason, dir)),
				    (uintmax_t) stats->reason[dir][reason]);
}

int ms_status_sysctl(SYSCTL_HANDLER_ARGS)
{
	struct ms_snapshot snap = { 0 };
	struct ms_limits limits;
	struct ms_stats *stats;
	struct sbuf *sb;
	uint32_t i;
	int error;

	snap.capacity = ms_count(ms_sw.core) + MS_SNAPSHOT_SLACK;
	snap.rows = malloc(sizeof(*snap.rows) * snap.capacity, M_MULTISTACK, M_WAITOK | M_ZERO);
	stats = malloc(sizeof(*stats), M_MULTISTACK, M_WAITOK | M_ZERO);
	ms_foreach(ms_sw.core, ms_snapshot_visit, &snap);
	ms_stats_read(ms_sw.core, stats);

	sb = sbuf_new_for_sysctl(NULL, NULL, 4096, req);
	sbuf_cat(sb, "multistack-status 1\n");
	sbuf_printf(sb, "switch name=%s registrations=%u\n", ms_sw.name, snap.count);
	limits = ms_requests_limits(ms_sw.requests);
	sbuf_printf(sb, "limits max_registrations=%u max_per_port=%u refused=%ju\n",
		    limits.max_registrations, limits.max_per_port,
		    (uintmax_t) ms_requests_refused_for_limit(ms_sw.requests));
	for (i = 0; i < snap.count; i++)
		ms_print_row(sb, &snap.rows[i]);
	ms_print_counters(sb, stats);
	error = sbuf_finish(sb);
	sbuf_delete(sb);

	free(stats, M_MULTISTACK);
	free(snap.rows, M_MULTISTACK);
	return (error);
}
