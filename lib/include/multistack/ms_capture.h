/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Captures through the core, for `multistack classify`: libpcap reads the
 * file, each packet becomes the Ethernet frame a VALE port would carry, the
 * core decides, and only the packets a selection keeps come back to the
 * caller.  One call handles thousands of packets, so a Python caller pays
 * its per-call cost per batch, not per packet.
 */
#ifndef MULTISTACK_MS_CAPTURE_H
#define MULTISTACK_MS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "multistack/ms_core.h"

struct ms_cap;

/* What a record's address fields describe. */
enum ms_cap_shape {
	MS_CAP_SHAPE_NONE = 0, /* malformed: nothing trustworthy to show */
	MS_CAP_SHAPE_L2,       /* not IP: only the ethertype */
	MS_CAP_SHAPE_ARP,      /* saddr: sender, daddr: target (IPv4) */
	MS_CAP_SHAPE_IP,       /* addresses and protocol, no ports */
	MS_CAP_SHAPE_PORTS,    /* addresses, protocol and ports */
};

/* One kept packet, as the caller prints it. */
struct ms_cap_record {
	uint64_t index; /* 1-based position in the capture, as Wireshark numbers packets */
	int64_t sec;	/* capture time */
	uint32_t nsec;
	uint32_t len; /* bytes of the frame the core saw */
	struct ms_decision decision;
	uint8_t shape; /* enum ms_cap_shape */
	uint8_t family;
	uint8_t proto;
	uint8_t reserved;
	uint16_t sport;
	uint16_t dport;
	uint16_t ethertype;
	uint16_t linktype;
	uint8_t saddr[16];
	uint8_t daddr[16];
};

/* Which packets come back; everything is still classified and counted. */
struct ms_cap_select {
	uint32_t verdicts; /* bit (1 << verdict) keeps that verdict; 0 keeps every verdict */
	uint16_t owner;	   /* with has_owner: only port verdicts to this owner */
	uint8_t has_owner;
	uint8_t reserved;
	/*
	 * Non-NULL: only packets whose looked-up tuple (destination on ingress,
	 * source on egress) this core holds, for tuples_owner.
	 */
	struct ms_core *tuples;
	uint16_t tuples_owner;
};

#define MS_CAP_SKIP_SLOTS 8

/* Running totals of one capture. */
struct ms_cap_totals {
	uint64_t read;	     /* packets read from the capture */
	uint64_t classified; /* of which went through the core */
	uint64_t kept;	     /* of which the selection kept */
	uint64_t offset;     /* bytes of the capture consumed, when the input can tell */
	/* Packets of link types that cannot become Ethernet frames, by link type. */
	uint32_t skip_linktype[MS_CAP_SKIP_SLOTS];
	uint64_t skip_count[MS_CAP_SKIP_SLOTS];
	uint64_t skip_other; /* of more link types than there are slots */
};

enum ms_cap_result {
	MS_CAP_MORE = 1,  /* the budget or the output is full: call again */
	MS_CAP_END = 0,	  /* the capture ended cleanly */
	MS_CAP_ERROR = -1 /* the capture is damaged or unreadable; err says where */
};

/* Opens a capture on a duplicate of fd (the caller keeps fd). NULL with err on failure. */
struct ms_cap *ms_cap_open_fd(int fd, char *err, size_t errlen);
void ms_cap_close(struct ms_cap *cap);

/*
 * Reads at most `budget` packets, classifies each with `core` in direction
 * `dir` (egress from `owner`) as the kernel glue would under `flags`, and stores at most `max` kept
 * packets in `out` (`*n_out` of them).  With `out` NULL, kept packets are only counted and `max`
 * does not apply.  Totals accumulate across calls.
 */
/* ms_cap_run() flags. */
#define MS_CAP_NO_HOST_PORT 1u /* the NIC has no host port: the glue overrides host verdicts */

int ms_cap_run(struct ms_cap *cap, struct ms_core *core, unsigned dir, uint16_t owner,
	       unsigned flags, const struct ms_cap_select *sel, uint64_t budget,
	       struct ms_cap_record *out, uint32_t max, uint32_t *n_out,
	       struct ms_cap_totals *totals, char *err, size_t errlen);

/*
 * The text line of each record, as `multistack classify` prints it (see
 * tools/multistack/classify_output.py): number, local time of day, protocol,
 * source > destination, verdict, the port name for a port verdict, reason.
 * `port_names[owner]` names owners (NULL: "owner<n>").  Writes at most `size`
 * bytes to `buf` and returns how many; stops before a line that does not fit,
 * and stores in *n_done how many records were written.
 */
size_t ms_cap_format(const struct ms_cap_record *recs, uint32_t n,
		     const char *const port_names[MS_MAX_OWNERS], char *buf, size_t size,
		     uint32_t *n_done);

#endif
