// SPDX-License-Identifier: BSD-2-Clause
/*
 * The status records, formatted without the C library (the core calls
 * nothing but the ms_os_* hooks): a small append-only writer that never
 * passes the end of the record buffer, whatever it is given.
 */
#include "multistack/ms_status.h"

struct ms_writer {
	char *buf;
	size_t len;
	size_t cap; /* room for text, the NUL excluded */
};

static struct ms_writer ms_writer_on(char *buf, size_t size)
{
	struct ms_writer w = { buf, 0, size - 1 };

	buf[0] = '\0';
	return w;
}

static void ms_put_char(struct ms_writer *w, char c)
{
	if (w->len < w->cap) {
		w->buf[w->len++] = c;
		w->buf[w->len] = '\0';
	}
}

static void ms_put(struct ms_writer *w, const char *text)
{
	while (*text)
		ms_put_char(w, *text++);
}

/* At most `max` bytes of text that need not be terminated. */
static void ms_put_bounded(struct ms_writer *w, const char *text, size_t max)
{
	size_t i;

	for (i = 0; i < max && text[i]; i++)
		ms_put_char(w, text[i]);
}

static void ms_put_u64(struct ms_writer *w, uint64_t value)
{
	char digits[20];
	unsigned n = 0;

	do {
		digits[n++] = (char) ('0' + value % 10);
		value /= 10;
	} while (value);
	while (n)
		ms_put_char(w, digits[--n]);
}

static void ms_put_i64(struct ms_writer *w, int64_t value)
{
	if (value < 0) {
		ms_put_char(w, '-');
		ms_put_u64(w, (uint64_t) 0 - (uint64_t) value);
	} else {
		ms_put_u64(w, (uint64_t) value);
	}
}

static void ms_put_hex16(struct ms_writer *w, unsigned value)
{
	static const char hex[] = "0123456789abcdef";
	int shift;
	bool started = false;

	for (shift = 12; shift >= 0; shift -= 4) {
		unsigned nibble = (value >> shift) & 0xf;

		if (nibble || started || shift == 0) {
			ms_put_char(w, hex[nibble]);
			started = true;
		}
	}
}

static void ms_put_ipv4(struct ms_writer *w, const uint8_t *addr)
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (i)
			ms_put_char(w, '.');
		ms_put_u64(w, addr[i]);
	}
}

static bool ms_is_v4_mapped(const uint8_t *addr)
{
	unsigned i;

	for (i = 0; i < 10; i++)
		if (addr[i])
			return false;
	return addr[10] == 0xff && addr[11] == 0xff;
}

static void ms_put_ipv6(struct ms_writer *w, const uint8_t *addr)
{
	unsigned groups = ms_is_v4_mapped(addr) ? 6 : 8;
	unsigned word[8];
	unsigned i, run_start = 0, run_len = 0, best_start = 0, best_len = 0;

	for (i = 0; i < 8; i++)
		word[i] = (unsigned) addr[2 * i] << 8 | addr[2 * i + 1];
	/* The first longest run of zero groups, if two or more long. */
	for (i = 0; i < groups; i++) {
		if (word[i]) {
			run_len = 0;
			continue;
		}
		if (run_len++ == 0)
			run_start = i;
		if (run_len > best_len) {
			best_start = run_start;
			best_len = run_len;
		}
	}
	if (best_len < 2)
		best_len = 0;
	for (i = 0; i < groups; i++) {
		if (best_len && i == best_start) {
			ms_put(w, "::");
			i += best_len - 1;
			continue;
		}
		if (i && !(best_len && i == best_start + best_len))
			ms_put_char(w, ':');
		ms_put_hex16(w, word[i]);
	}
	if (groups == 6) {
		if (!(best_len && best_start + best_len == 6))
			ms_put_char(w, ':');
		ms_put_ipv4(w, addr + 12);
	}
}

size_t ms_status_addr(char text[MS_STATUS_ADDR_MAX], const struct ms_tuple *tuple)
{
	struct ms_writer w = ms_writer_on(text, MS_STATUS_ADDR_MAX);
	unsigned i;
	bool wildcard = true;

	for (i = 0; i < sizeof(tuple->addr); i++)
		if (tuple->addr[i])
			wildcard = false;
	if (wildcard)
		ms_put(&w, "*");
	else if (tuple->family == MS_FAMILY_INET)
		ms_put_ipv4(&w, tuple->addr);
	else
		ms_put_ipv6(&w, tuple->addr);
	return w.len;
}

static const char *ms_proto_name(unsigned proto)
{
	switch (proto) {
	case MS_PROTO_TCP:
		return "tcp";
	case MS_PROTO_UDP:
		return "udp";
	case MS_PROTO_DCCP:
		return "dccp";
	case MS_PROTO_SCTP:
		return "sctp";
	case MS_PROTO_UDPLITE:
		return "udplite";
	}
	return "?";
}

size_t ms_status_line_version(char buf[MS_STATUS_LINE_MAX])
{
	struct ms_writer w = ms_writer_on(buf, MS_STATUS_LINE_MAX);

	ms_put(&w, "multistack-status ");
	ms_put_u64(&w, MS_STATUS_VERSION);
	ms_put_char(&w, '\n');
	return w.len;
}

size_t ms_status_line_switch(char buf[MS_STATUS_LINE_MAX], const char *name, uint32_t registrations)
{
	struct ms_writer w = ms_writer_on(buf, MS_STATUS_LINE_MAX);

	ms_put(&w, "switch name=");
	ms_put_bounded(&w, name, MS_REQ_PORT_NAME_LEN);
	ms_put(&w, " registrations=");
	ms_put_u64(&w, registrations);
	ms_put_char(&w, '\n');
	return w.len;
}

size_t ms_status_line_limits(char buf[MS_STATUS_LINE_MAX], struct ms_limits limits,
			     uint64_t refused_for_limit)
{
	struct ms_writer w = ms_writer_on(buf, MS_STATUS_LINE_MAX);

	ms_put(&w, "limits max_registrations=");
	ms_put_u64(&w, limits.max_registrations);
	ms_put(&w, " max_per_port=");
	ms_put_u64(&w, limits.max_per_port);
	ms_put(&w, " refused=");
	ms_put_u64(&w, refused_for_limit);
	ms_put_char(&w, '\n');
	return w.len;
}

size_t ms_status_line_reg(char buf[MS_STATUS_LINE_MAX], const struct ms_registration *reg,
			  const struct ms_status_owner *owner)
{
	struct ms_writer w = ms_writer_on(buf, MS_STATUS_LINE_MAX);
	char addr[MS_STATUS_ADDR_MAX];

	ms_status_addr(addr, &reg->tuple);
	ms_put(&w, "reg family=");
	ms_put_u64(&w, reg->tuple.family);
	ms_put(&w, " proto=");
	ms_put(&w, ms_proto_name(reg->tuple.proto));
	ms_put(&w, " addr=");
	ms_put(&w, addr);
	ms_put(&w, " port=");
	ms_put_u64(&w, reg->tuple.port);
	ms_put(&w, " owner=");
	if (owner->port)
		ms_put_bounded(&w, owner->port, MS_REQ_PORT_NAME_LEN);
	else
		ms_put(&w, "?");
	ms_put(&w, " index=");
	ms_put_u64(&w, reg->owner);
	if (owner->shown) {
		ms_put(&w, " pid=");
		ms_put_i64(&w, owner->pid);
		ms_put(&w, " uid=");
		ms_put_u64(&w, owner->uid);
	} else {
		ms_put(&w, " pid=- uid=-");
	}
	ms_put(&w, " packets=");
	ms_put_u64(&w, reg->packets);
	ms_put(&w, " bytes=");
	ms_put_u64(&w, reg->bytes);
	ms_put_char(&w, '\n');
	return w.len;
}

size_t ms_status_line_counter(char buf[MS_STATUS_LINE_MAX], unsigned dir, unsigned reason,
			      uint64_t packets)
{
	struct ms_writer w = ms_writer_on(buf, MS_STATUS_LINE_MAX);

	ms_put(&w, "counter dir=");
	ms_put(&w, dir == MS_DIR_INGRESS ? "ingress" : "egress");
	ms_put(&w, " reason=");
	ms_put(&w, ms_reason_name(reason));
	ms_put(&w, " verdict=");
	ms_put(&w, ms_verdict_name(ms_reason_verdict(reason, (enum ms_direction) dir)));
	ms_put(&w, " packets=");
	ms_put_u64(&w, packets);
	ms_put_char(&w, '\n');
	return w.len;
}
