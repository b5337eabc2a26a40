/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The status text of docs/design.md ("Status format"), written once for
 * every kernel: Linux's /proc/net/multistack and FreeBSD's sysctl
 * net.multistack.status print the same records through these functions.
 * Each formats one record, newline included, into a caller-supplied buffer
 * of MS_STATUS_LINE_MAX bytes and returns its length; the glue supplies only
 * where the text goes and whether the reader may see who registered.
 */
#ifndef MULTISTACK_MS_STATUS_H
#define MULTISTACK_MS_STATUS_H

#include "ms_os_types.h"
#include "multistack/ms_core.h"
#include "multistack/ms_request.h"

#define MS_STATUS_VERSION  1
#define MS_STATUS_LINE_MAX 256 /* the longest record, NUL included, fits */

/* A registration's owner as this reader may see it. */
struct ms_status_owner {
	const char *port; /* the owner's port without the switch prefix; NULL: unknown ("?") */
	bool shown; /* false: pid=- uid=- (not the reader's, and the reader is not privileged) */
	int32_t pid;
	uint32_t uid; /* as the reader's user namespace names it */
};

size_t ms_status_line_version(char buf[MS_STATUS_LINE_MAX]);
size_t ms_status_line_switch(char buf[MS_STATUS_LINE_MAX], const char *name,
			     uint32_t registrations);
size_t ms_status_line_limits(char buf[MS_STATUS_LINE_MAX], struct ms_limits limits,
			     uint64_t refused_for_limit);
size_t ms_status_line_reg(char buf[MS_STATUS_LINE_MAX], const struct ms_registration *reg,
			  const struct ms_status_owner *owner);
/* One counter line, for dir < MS_DIR__COUNT and reason < MS_REASON__COUNT. */
size_t ms_status_line_counter(char buf[MS_STATUS_LINE_MAX], unsigned dir, unsigned reason,
			      uint64_t packets);

/*
 * An address as the status text shows it: "*" for the wildcard, IPv4 dotted,
 * IPv6 in RFC 5952's form (lower case, the first longest run of two or more
 * zero groups as "::", an IPv4-mapped address ending in dotted IPv4).
 * `text` has room for 46 bytes; returns the length.
 */
#define MS_STATUS_ADDR_MAX 46
size_t ms_status_addr(char text[MS_STATUS_ADDR_MAX], const struct ms_tuple *tuple);

#endif /* MULTISTACK_MS_STATUS_H */
