// SPDX-License-Identifier: BSD-2-Clause
/*
 * `multistack classify`'s inner loop in C: libpcap reads, the core decides.
 *
 * Reading stays with libpcap (pcap in both byte orders and resolutions,
 * pcapng) rather than a parser of our own; this file only turns each packet
 * into the Ethernet frame a VALE port would carry, asks the core, and keeps
 * the packets the caller selected.  See ms_capture.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ms_internal.h"
#include "multistack/ms_capture.h"

/* Link types, as libpcap numbers them in files (LINKTYPE_*). */
enum {
	LT_NULL = 0,
	LT_ETHERNET = 1,
	LT_RAW_12 = 12,
	LT_RAW_14 = 14,
	LT_RAW = 101,
	LT_LOOP = 108,
	LT_LINUX_SLL = 113,
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276,
};

#define ETH_HLEN       14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define SHORT_L2       13 /* a frame this long is too short for Ethernet: truncated_l2 */
#define BSD_AF_INET    2

struct ms_cap {
	pcap_t *pcap;
	FILE *file;
	int linktype;
	int seekable;
	uint8_t *scratch; /* the synthetic Ethernet frame of a non-Ethernet packet */
	size_t scratch_size;
};

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct ms_cap *ms_cap_open_fd(int fd, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct ms_cap *cap;
	int copy;

	cap = calloc(1, sizeof(*cap));
	if (!cap) {
		say(err, errlen, "out of memory");
		return NULL;
	}
	copy = dup(fd);
	if (copy < 0 || !(cap->file = fdopen(copy, "rb"))) {
		say(err, errlen, "%s", strerror(errno));
		if (copy >= 0)
			close(copy);
		free(cap);
		return NULL;
	}
	cap->seekable = ftell(cap->file) >= 0;
	cap->pcap = pcap_fopen_offline_with_tstamp_precision(cap->file, PCAP_TSTAMP_PRECISION_NANO,
							     pcap_err);
	if (!cap->pcap) {
		say(err, errlen, "%s", pcap_err);
		fclose(cap->file);
		free(cap);
		return NULL;
	}
	cap->linktype = pcap_datalink(cap->pcap);
	return cap;
}

void ms_cap_close(struct ms_cap *cap)
{
	if (!cap)
		return;
	pcap_close(cap->pcap); /* closes cap->file too */
	free(cap->scratch);
	free(cap);
}

static int is_bsd_inet6(uint32_t family)
{
	/* AF_INET6 is 10 on Linux, 24, 28 or 30 on the BSDs, 23 on Windows. */
	return family == 10 || family == 23 || family == 24 || family == 28 || family == 30;
}

/* The ethertype a NULL/LOOP packet's address family stands for. */
static uint16_t null_ethertype(const uint8_t *data, int big_endian)
{
	uint32_t le = data[0] | data[1] << 8 | data[2] << 16 | (uint32_t) data[3] << 24;
	uint32_t be = (uint32_t) data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
	/* NULL keeps the capturing host's order; a family is small, so the small reading wins. */
	uint32_t family = big_endian ? be : (le <= 0xffff ? le : be);

	if (family == BSD_AF_INET)
		return ETHERTYPE_IPV4;
	return is_bsd_inet6(family) ? ETHERTYPE_IPV6 : 0;
}

/* Synthesises ethertype + payload behind placeholder MACs; NULL when out of memory. */
static const uint8_t *wrap(struct ms_cap *cap, uint16_t ethertype, const uint8_t *payload,
			   uint32_t len, uint32_t *out_len)
{
	/* Locally administered placeholder addresses, never mistaken for real ones. */
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	size_t need = (size_t) len + ETH_HLEN;

	if (need > cap->scratch_size) {
		uint8_t *bigger = realloc(cap->scratch, need);

		if (!bigger)
			return NULL;
		cap->scratch = bigger;
		cap->scratch_size = need;
	}
	memcpy(cap->scratch, macs, sizeof(macs));
	cap->scratch[12] = (uint8_t) (ethertype >> 8);
	cap->scratch[13] = (uint8_t) ethertype;
	memcpy(cap->scratch + ETH_HLEN, payload, len);
	*out_len = (uint32_t) need;
	return cap->scratch;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * The Ethernet frame of one packet: the packet itself for Ethernet, a
 * synthetic header in front of the layer-3 packet for raw IP, cooked and
 * loopback captures.  A packet too short for its own link header becomes a
 * frame too short for Ethernet, so the core counts it as truncated.  Sets
 * *unsupported for link types that would need real translation.
 */
static const uint8_t *to_frame(struct ms_cap *cap, const uint8_t *data, uint32_t len,
			       uint32_t *out_len, int *unsupported)
{
	*unsupported = 0;
	*out_len = len;
	switch (cap->linktype) {
	case LT_ETHERNET:
		return data;
	case LT_RAW_12:
	case LT_RAW_14:
	case LT_RAW:
		/* Not 4 nor 6 still goes out as IPv4, for the core to call a bad version. */
		return wrap(cap, len && data[0] >> 4 == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, data,
			    len, out_len);
	case LT_IPV4:
		return wrap(cap, ETHERTYPE_IPV4, data, len, out_len);
	case LT_IPV6:
		return wrap(cap, ETHERTYPE_IPV6, data, len, out_len);
	case LT_LINUX_SLL:
		if (len < 16) {
			*out_len = min_u32(len, SHORT_L2);
			return data;
		}
		return wrap(cap, ms_rd16(data + 14), data + 16, len - 16, out_len);
	case LT_LINUX_SLL2:
		if (len < 20) {
			*out_len = min_u32(len, SHORT_L2);
			return data;
		}
		return wrap(cap, ms_rd16(data), data + 20, len - 20, out_len);
	case LT_NULL:
	case LT_LOOP:
		if (len < 4) {
			*out_len = len;
			return data;
		}
		return wrap(cap, null_ethertype(data, cap->linktype == LT_LOOP), data + 4, len - 4,
			    out_len);
	default:
		*unsupported = 1;
		return NULL;
	}
}

static void count_skip(struct ms_cap_totals *totals, int linktype)
{
	for (int i = 0; i < MS_CAP_SKIP_SLOTS; i++) {
		if (totals->skip_count[i] && totals->skip_linktype[i] == (uint32_t) linktype) {
			totals->skip_count[i]++;
			return;
		}
		if (!totals->skip_count[i]) {
			totals->skip_linktype[i] = (uint32_t) linktype;
			totals->skip_count[i] = 1;
			return;
		}
	}
	totals->skip_other++;
}

static int tuple_hit(struct ms_decision d)
{
	return d.reason == MS_REASON_TUPLE_HIT || d.reason == MS_REASON_WILDCARD_HIT ||
	       d.reason == MS_REASON_FRAG_HIT || d.reason == MS_REASON_ICMP_ERROR_HIT;
}

static int selected(const struct ms_cap_select *sel, unsigned dir, const uint8_t *frame,
		    uint32_t len, struct ms_decision d)
{
	struct ms_decision hit;

	if (!sel)
		return 1;
	if (sel->verdicts && !(sel->verdicts & (1u << d.verdict)))
		return 0;
	if (sel->has_owner && (d.verdict != MS_VERDICT_PORT || d.owner != sel->owner))
		return 0;
	if (sel->tuples) {
		hit = dir == MS_DIR_INGRESS ? ms_ingress(sel->tuples, frame, len)
					    : ms_egress(sel->tuples, frame, len, sel->tuples_owner);
		if (!tuple_hit(hit))
			return 0;
	}
	return 1;
}

static void copy_addr(uint8_t *dst, const uint8_t *src, uint8_t family)
{
	memcpy(dst, src, family == MS_FAMILY_INET6 ? 16 : 4);
}

/* What the printed line shows of a frame: the parser's own reading of it. */
static void describe(const uint8_t *frame, uint32_t len, struct ms_cap_record *rec)
{
	struct ms_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	ms_parse(frame, len, &pkt);
	if (len >= ETH_HLEN)
		rec->ethertype = ms_rd16(frame + 12);
	switch (pkt.kind) {
	case MS_PKT_NOT_IP:
		rec->shape = MS_CAP_SHAPE_L2;
		return;
	case MS_PKT_ARP:
		if (!pkt.arp_sender)
			return;
		rec->shape = MS_CAP_SHAPE_ARP;
		rec->family = MS_FAMILY_INET;
		copy_addr(rec->saddr, pkt.arp_sender, MS_FAMILY_INET);
		/* The target protocol address follows the sender's and the target MAC. */
		copy_addr(rec->daddr, pkt.arp_sender + 10, MS_FAMILY_INET);
		return;
	case MS_PKT_PORTS:
		rec->sport = pkt.flow.sport;
		rec->dport = pkt.flow.dport;
		rec->shape = MS_CAP_SHAPE_PORTS;
		break;
	case MS_PKT_ND:
	case MS_PKT_NO_PORTS:
	case MS_PKT_FRAG_LATER:
	case MS_PKT_ICMP_ERROR:
		rec->shape = MS_CAP_SHAPE_IP;
		break;
	default:
		return;
	}
	if (!pkt.flow.saddr || !pkt.flow.daddr) {
		rec->shape = MS_CAP_SHAPE_NONE;
		return;
	}
	rec->family = pkt.flow.family;
	rec->proto = pkt.flow.proto;
	copy_addr(rec->saddr, pkt.flow.saddr, pkt.flow.family);
	copy_addr(rec->daddr, pkt.flow.daddr, pkt.flow.family);
}

static void where(long start, const struct ms_cap_totals *totals, const char *what, char *err,
		  size_t errlen)
{
	if (start >= 0)
		say(err, errlen, "stopped after packet %llu, at byte offset %ld: %s",
		    (unsigned long long) totals->read, start, what);
	else
		say(err, errlen, "stopped after packet %llu: %s", (unsigned long long) totals->read,
		    what);
}

int ms_cap_run(struct ms_cap *cap, struct ms_core *core, unsigned dir, uint16_t owner,
	       unsigned flags, const struct ms_cap_select *sel, uint64_t budget,
	       struct ms_cap_record *out, uint32_t max, uint32_t *n_out,
	       struct ms_cap_totals *totals, char *err, size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint32_t kept = 0;
	int result = MS_CAP_MORE;

	while ((!out || kept < max) && budget-- > 0) {
		const uint8_t *frame;
		struct ms_decision d;
		uint32_t len;
		int unsupported;
		long start = cap->seekable ? ftell(cap->file) : -1;
		int got = pcap_next_ex(cap->pcap, &hdr, &data);

		if (got == PCAP_ERROR_BREAK) {
			result = MS_CAP_END;
			break;
		}
		if (got != 1) {
			where(start, totals, pcap_geterr(cap->pcap), err, errlen);
			result = MS_CAP_ERROR;
			break;
		}
		totals->read++;
		frame = to_frame(cap, data, hdr->caplen, &len, &unsupported);
		if (unsupported) {
			count_skip(totals, cap->linktype);
			continue;
		}
		if (!frame) {
			where(start, totals, "out of memory", err, errlen);
			result = MS_CAP_ERROR;
			break;
		}
		d = dir == MS_DIR_INGRESS ? ms_ingress(core, frame, len)
					  : ms_egress(core, frame, len, owner);
		/* What the kernel glue does when the NIC came without its host port. */
		if ((flags & MS_CAP_NO_HOST_PORT) && dir == MS_DIR_INGRESS &&
		    d.verdict == MS_VERDICT_HOST)
			d = ms_core_override(core, MS_DIR_INGRESS, d, MS_REASON_NO_HOST_PORT);
		totals->classified++;
		if (!selected(sel, dir, frame, len, d))
			continue;
		totals->kept++;
		if (!out)
			continue;
		memset(&out[kept], 0, sizeof(out[kept]));
		out[kept].index = totals->read;
		out[kept].sec = hdr->ts.tv_sec;
		out[kept].nsec = (uint32_t) hdr->ts.tv_usec; /* nanoseconds: opened so */
		out[kept].len = len;
		out[kept].decision = d;
		out[kept].linktype = (uint16_t) cap->linktype;
		describe(frame, len, &out[kept]);
		kept++;
	}
	if (cap->seekable) {
		long now = ftell(cap->file);

		if (now >= 0)
			totals->offset = (uint64_t) now;
	}
	*n_out = kept;
	return result;
}

/* Protocol names for printing only (the same table as classify_output.py's). */
static const char *proto_text(uint8_t proto, char *spare, size_t size)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 2:
		return "igmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 33:
		return "dccp";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 58:
		return "icmp6";
	case 132:
		return "sctp";
	case 136:
		return "udplite";
	default:
		snprintf(spare, size, "ip-proto-%u", proto);
		return spare;
	}
}

static void addr_text(const struct ms_cap_record *rec, const uint8_t *raw, char *out, size_t size)
{
	int af = rec->family == MS_FAMILY_INET6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(af, raw, out, (socklen_t) size))
		snprintf(out, size, "?");
}

/* The line of one record into buf; its length, or -1 when it does not fit. */
static int format_one(const struct ms_cap_record *rec, const char *const *port_names, char *clock,
		      int64_t *clock_sec, char *buf, size_t size)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], what[160], decision[96];
	char spare[24];
	const char *proto = proto_text(rec->proto, spare, sizeof(spare));
	const char *verdict = ms_verdict_name(rec->decision.verdict);
	int len;

	if (rec->sec != *clock_sec) {
		time_t sec = (time_t) rec->sec;
		struct tm tm;

		*clock_sec = rec->sec;
		if (!localtime_r(&sec, &tm) || !strftime(clock, 16, "%H:%M:%S", &tm))
			snprintf(clock, 16, "??:??:??");
	}
	if (rec->shape == MS_CAP_SHAPE_ARP) {
		/* ARP addresses are IPv4 whatever the family field says. */
		if (!inet_ntop(AF_INET, rec->saddr, src, sizeof(src)))
			snprintf(src, sizeof(src), "?");
		if (!inet_ntop(AF_INET, rec->daddr, dst, sizeof(dst)))
			snprintf(dst, sizeof(dst), "?");
	} else {
		addr_text(rec, rec->saddr, src, sizeof(src));
		addr_text(rec, rec->daddr, dst, sizeof(dst));
	}
	switch (rec->shape) {
	case MS_CAP_SHAPE_PORTS:
		snprintf(what, sizeof(what), "%s %s.%u > %s.%u", proto, src, rec->sport, dst,
			 rec->dport);
		break;
	case MS_CAP_SHAPE_IP:
		snprintf(what, sizeof(what), "%s %s > %s", proto, src, dst);
		break;
	case MS_CAP_SHAPE_ARP:
		snprintf(what, sizeof(what), "arp %s > %s", src, dst);
		break;
	case MS_CAP_SHAPE_L2:
		snprintf(what, sizeof(what), "ethertype 0x%04x", rec->ethertype);
		break;
	default:
		snprintf(what, sizeof(what), "malformed, %u bytes", rec->len);
		break;
	}
	if (rec->decision.verdict == MS_VERDICT_PORT) {
		const char *name = port_names ? port_names[rec->decision.owner & 0xff] : NULL;

		if (name)
			snprintf(decision, sizeof(decision), "%s %s", verdict, name);
		else
			snprintf(decision, sizeof(decision), "%s owner%u", verdict,
				 rec->decision.owner);
	} else {
		snprintf(decision, sizeof(decision), "%s", verdict);
	}
	len =
	    snprintf(buf, size, "%llu %s.%06u %s: %s %s\n", (unsigned long long) rec->index, clock,
		     rec->nsec / 1000, what, decision, ms_reason_name(rec->decision.reason));
	return len < 0 || (size_t) len >= size ? -1 : len;
}

size_t ms_cap_format(const struct ms_cap_record *recs, uint32_t n,
		     const char *const port_names[MS_MAX_OWNERS], char *buf, size_t size,
		     uint32_t *n_done)
{
	char clock[16] = "";
	int64_t clock_sec = INT64_MIN;
	size_t used = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		int len =
		    format_one(&recs[i], port_names, clock, &clock_sec, buf + used, size - used);

		if (len < 0)
			break;
		used += (size_t) len;
	}
	*n_done = i;
	return used;
}
