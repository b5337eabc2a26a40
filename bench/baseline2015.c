// SPDX-License-Identifier: BSD-2-Clause
/*
 * The 2015 design as NOTES.md describes it, written for the benchmark (see
 * baseline2015.h).  The entry has what a Linux RCU hash list entry needs (a
 * list node, a deferred-free head) and the tuple; readers walk the chain
 * without a lock, as the Linux version's did under RCU.  Bounds are checked
 * (the original did not) so the benchmark can never read past a frame; the
 * checks cost a few compares next to the chain walk.
 */
#include "baseline2015.h"

#include <string.h>

#include "multistack/ms_os.h"

#define B15_BUCKETS 16384u

struct b15_entry {
	struct b15_entry *next; /* the chain, newest first */
	struct b15_entry **pprev;
	void *deferred[2]; /* room for an rcu_head, as a kernel entry needs */
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint16_t owner;
	uint8_t addr[16];
};

struct b15_table {
	size_t entries;
	struct b15_entry *bucket[B15_BUCKETS];
};

/* The userspace host's small-object allocator rounds to 16 bytes; count what it hands out. */
static size_t alloc_size(size_t size)
{
	return (size + 15u) & ~(size_t) 15u;
}

/* A mix of the three, spread over every bucket (checked for the benchmark's tuples). */
static unsigned b15_hash(const uint8_t *addr_low4, uint16_t port, uint8_t proto)
{
	uint32_t a, h;

	memcpy(&a, addr_low4, 4);
	h = a ^ (uint32_t) port * 0x9e3779b1u ^ (uint32_t) proto * 0x85ebca6bu;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h & (B15_BUCKETS - 1);
}

/* The low 4 bytes: the whole IPv4 address, the last 4 of an IPv6 one. */
static const uint8_t *low4(const uint8_t *addr, uint8_t family)
{
	return family == 4 ? addr : addr + 12;
}

struct b15_table *b15_create(void)
{
	return ms_os_zalloc_large(sizeof(struct b15_table));
}

void b15_destroy(struct b15_table *t)
{
	unsigned b;

	for (b = 0; b < B15_BUCKETS; b++)
		while (t->bucket[b]) {
			struct b15_entry *e = t->bucket[b];

			t->bucket[b] = e->next;
			ms_os_free(e, sizeof(*e));
		}
	ms_os_free_large(t, sizeof(*t));
}

static const struct b15_entry *b15_find(const struct b15_table *t, uint8_t family, uint8_t proto,
					uint16_t port, const uint8_t *addr)
{
	const struct b15_entry *e;
	unsigned n = family == 4 ? 4 : 16;

	for (e = t->bucket[b15_hash(low4(addr, family), port, proto)]; e; e = e->next)
		if (e->port == port && e->proto == proto && e->family == family &&
		    memcmp(e->addr, addr, n) == 0)
			return e;
	return NULL;
}

int b15_bind(struct b15_table *t, uint8_t family, uint8_t proto, uint16_t port, const uint8_t *addr,
	     uint16_t owner)
{
	struct b15_entry *e;
	unsigned b;

	if (b15_find(t, family, proto, port, addr))
		return -1;
	e = ms_os_zalloc(sizeof(*e));
	if (!e)
		return -1;
	e->family = family;
	e->proto = proto;
	e->port = port;
	e->owner = owner;
	memcpy(e->addr, addr, family == 4 ? 4 : 16);
	b = b15_hash(low4(addr, family), port, proto);
	e->next = t->bucket[b];
	e->pprev = &t->bucket[b];
	if (e->next)
		e->next->pprev = &e->next;
	t->bucket[b] = e;
	t->entries++;
	return 0;
}

size_t b15_memory_bytes(const struct b15_table *t)
{
	return sizeof(*t) + t->entries * alloc_size(sizeof(struct b15_entry));
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t) (p[0] << 8 | p[1]);
}

/* The one's-complement sum of the header, recomputed for every frame as the 2015 code did. */
static int ipv4_checksum_ok(const uint8_t *ip, unsigned ihl)
{
	uint32_t sum = 0;
	unsigned i;

	for (i = 0; i < ihl; i += 2)
		sum += rd16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* The tuple on one side (dst: ingress, src: egress), or 0 when there is none. */
static int frame_tuple(const uint8_t *f, uint32_t len, int dst, uint8_t *family, uint8_t *proto,
		       uint16_t *port, const uint8_t **addr)
{
	const uint8_t *ip = f + 14;
	unsigned ihl;

	if (len < 14 + 20)
		return 0;
	switch (rd16(f + 12)) {
	case 0x0800:
		ihl = (ip[0] & 0x0f) * 4u;
		if (ihl < 20 || len < 14 + ihl + 4 || !ipv4_checksum_ok(ip, ihl))
			return 0;
		*family = 4;
		*proto = ip[9];
		*addr = ip + (dst ? 16 : 12);
		*port = rd16(ip + ihl + (dst ? 2 : 0));
		return 1;
	case 0x86dd:
		if (len < 14 + 40 + 4)
			return 0;
		*family = 6;
		*proto = ip[6]; /* no extension headers: the 2015 code did not walk them */
		*addr = ip + (dst ? 24 : 8);
		*port = rd16(ip + 40 + (dst ? 2 : 0));
		return 1;
	default:
		return 0; /* ARP and anything else: the host stack */
	}
}

int b15_ingress(const struct b15_table *t, const uint8_t *frame, uint32_t len)
{
	const struct b15_entry *e;
	const uint8_t *addr;
	uint8_t family, proto;
	uint16_t port;

	if (!frame_tuple(frame, len, 1, &family, &proto, &port, &addr))
		return -1;
	e = b15_find(t, family, proto, port, addr);
	return e ? e->owner : -1;
}

int b15_egress(const struct b15_table *t, const uint8_t *frame, uint32_t len)
{
	const uint8_t *addr;
	uint8_t family, proto;
	uint16_t port;

	if (!frame_tuple(frame, len, 0, &family, &proto, &port, &addr))
		return 0;
	return b15_find(t, family, proto, port, addr) != NULL;
}
