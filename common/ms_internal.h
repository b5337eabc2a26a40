/* SPDX-License-Identifier: BSD-2-Clause */
/* Declarations shared by the core's own files; never included by a host. */
#ifndef MULTISTACK_MS_INTERNAL_H
#define MULTISTACK_MS_INTERNAL_H

#include "multistack/ms_core.h"
#include "multistack/ms_os.h"

#define MS_LOAD(p)	       __atomic_load_n((p), __ATOMIC_RELAXED)
#define MS_LOAD_ACQUIRE(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define MS_STORE(p, v)	       __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define MS_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define MS_ALWAYS_INLINE       inline __attribute__((__always_inline__))
#define MS_LIKELY(x)	       __builtin_expect(!!(x), 1)
#define MS_UNLIKELY(x)	       __builtin_expect(!!(x), 0)
#define MS_PREFETCH(p)	       __builtin_prefetch((p))
#define MS_CONTAINER_OF(ptr, type, member) \
	((type *) (void *) ((char *) (ptr) - __builtin_offsetof(type, member)))

/*
 * A table key: the address in w[0..1] (see ms_key_from_addr), and port,
 * protocol, family and kind packed into w[2].  An IPv6 tuple or claim is
 * keyed by its address's number instead (w[0], w[1] 0: struct ms_addr6), so
 * that its key, as an IPv4 one, fits a check word; only an address record
 * (MS_KIND_ADDR) holds a whole IPv6 address.
 */
struct ms_key {
	uint64_t w[3];
};

enum ms_entry_kind {
	MS_KIND_TUPLE = 0,
	/* "owner X has an exact registration on address A": lets ARP and ND
	 * from a stack through without a second table.  port holds the owner. */
	MS_KIND_CLAIM = 1,
	/* An IPv6 address that registrations use, and its number (struct ms_addr6). */
	MS_KIND_ADDR = 2,
};

static inline uint64_t ms_key_meta(uint8_t family, uint8_t proto, uint16_t port, unsigned kind)
{
	return (uint64_t) port | (uint64_t) proto << 16 | (uint64_t) family << 24 |
	       (uint64_t) kind << 32;
}

/*
 * An IPv4 address goes into w[0] through a 32-bit value: one load, no
 * partial store that a later 64-bit read would stall on.  Keys are only
 * compared with keys made the same way, so byte order does not matter;
 * ms_addr_from_key() is the exact inverse.
 */
static inline void ms_key_from_addr(struct ms_key *key, const uint8_t *addr, uint8_t family)
{
	if (family == MS_FAMILY_INET) {
		uint32_t a;

		__builtin_memcpy(&a, addr, 4);
		key->w[0] = a;
		key->w[1] = 0;
	} else {
		__builtin_memcpy(&key->w[0], addr, 8);
		__builtin_memcpy(&key->w[1], addr + 8, 8);
	}
}

static inline void ms_addr_from_key(uint8_t addr[16], const struct ms_key *key, uint8_t family)
{
	__builtin_memset(addr, 0, 16);
	if (family == MS_FAMILY_INET) {
		uint32_t a = (uint32_t) key->w[0];

		__builtin_memcpy(addr, &a, 4);
	} else {
		__builtin_memcpy(addr, &key->w[0], 8);
		__builtin_memcpy(addr + 8, &key->w[1], 8);
	}
}

/* An IPv6 address's record's key. */
static inline void ms_key_addr6(struct ms_key *key, const uint8_t *addr)
{
	__builtin_memcpy(&key->w[0], addr, 8);
	__builtin_memcpy(&key->w[1], addr + 8, 8);
	key->w[2] = ms_key_meta(MS_FAMILY_INET6, 0, 0, MS_KIND_ADDR);
}

static inline bool ms_key_equal(const struct ms_key *a, const struct ms_key *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2])) == 0;
}

/*
 * One registration or claim (or an address record's head).  Readers write
 * only packets and bytes (what the slot's tally, struct ms_bucket, has not
 * yet folded in) and never read it; everything else is the writers', and
 * shares its bytes with the deferred-free head, which is written only once
 * the entry is unpublished.  32 bytes: its slot's check word holds its
 * whole key and owner (ms_table_read.h), and `word` keeps a copy for the
 * writers.
 */
struct ms_entry {
	uint64_t packets;
	uint64_t bytes;
	union {
		struct {
			union {
				void *cookie;	 /* MS_KIND_TUPLE */
				uint32_t claims; /* MS_KIND_CLAIM: how many exact tuples back it */
				uint32_t users;	 /* MS_KIND_ADDR: keys that use its number */
			};
			/* MS_ENTRY_EXACT set: a tuple or claim, and this is its
			 * check word with the owner (ms_check_exact_of()).  0: an
			 * address record's head (zeroed when allocated). */
			uint64_t word;
		};
		struct ms_deferred deferred;
	};
};

/* Bit 52 of a check word (MS_CHECK_EXACT). */
#define MS_ENTRY_EXACT (1ull << 52)

/*
 * An IPv6 address that keys registrations, and the number that stands for
 * it in their keys.  The general path finds it by the address (a slot of
 * the table whose check word is a hash, confirmed against addr and meta),
 * then reads number, then, after deciding with the number, live: a writer
 * clears live (release) before the number may go to another address, so a
 * reader that found a tuple published since sees live clear and decides
 * again.  The data path reads numbers from the address index instead.  The
 * head's deferred-free bytes lie past what readers read.  64 bytes.
 */
struct ms_addr6 {
	uint64_t addr[2]; /* the key's w[0] and w[1] */
	uint64_t meta;	  /* the key's w[2]: family 6, kind MS_KIND_ADDR */
	struct ms_entry head;
	uint32_t number;
	uint32_t live;
};

/* Number 0 is the unspecified address (wildcards); this one no address gets. */
#define MS_NUMBER_NONE 0xffffffffu

static inline bool ms_entry_exact(const struct ms_entry *e)
{
	return (e->word & MS_ENTRY_EXACT) != 0;
}

static inline struct ms_addr6 *ms_addr6_of(struct ms_entry *e)
{
	return MS_CONTAINER_OF(e, struct ms_addr6, head);
}

static inline const struct ms_addr6 *ms_addr6_of_const(const struct ms_entry *e)
{
	return (const struct ms_addr6 *) (const void *) ((const char *) e -
							 __builtin_offsetof(struct ms_addr6, head));
}

#define MS_BUCKET_SLOTS 3

/*
 * A slot: a check word, enough to decide without the entry for IPv4 (see
 * ms_check_of() in ms_table_read.h), and the entry.  0 in check is empty.
 */
struct ms_slot {
	uint64_t check;
	struct ms_entry *entry;
};

/*
 * A slot's tally: the packets (top 10 bits) and bytes (low 22 bits) its
 * tuple was hit with since they were last folded into the entry's 64-bit
 * counters.  A hit adds to it in the bucket line it was decided from; the
 * data path folds a tally that would overflow, and a writer folds a slot's
 * tally when it moves the entry out of that slot.  A tuple's counters are
 * its entry's plus its slot's tally.
 */
#define MS_TALLY_BYTE_BITS 22
#define MS_TALLY_PACKET	   (1u << MS_TALLY_BYTE_BITS)
#define MS_TALLY_BYTE_MASK (MS_TALLY_PACKET - 1u)
#define MS_TALLY_FULL	   (~0u & ~MS_TALLY_BYTE_MASK) /* the packet field at its maximum */

/* One cache line: three slots and their tallies. */
struct ms_bucket {
	struct ms_slot slot[MS_BUCKET_SLOTS];
	uint32_t tally[MS_BUCKET_SLOTS];
	/* Keys whose first bucket this is that sit in their other one: while 0,
	 * a key not in this bucket is in neither (ms_table_probe()). */
	uint32_t away;
} __attribute__((__aligned__(64)));

struct ms_table {
	uint32_t buckets; /* any number from MS_TABLE_MIN_BUCKETS up: see ms_first_bucket() */
	uint32_t moves;	  /* bumped in the middle of every move between buckets (readers retry) */
	uint64_t seed;
	/* Non-zero while buckets with keys away are common enough that a
	 * lookup should fetch a key's other bucket with its first (see
	 * MS_TABLE_AWAY_SHARE). */
	uint32_t other_pays;
	uint32_t used;	       /* occupied slots, tuples and claims alike (writers only) */
	uint32_t away_buckets; /* buckets whose away is not 0 (writers only) */
	size_t bytes;
	struct ms_deferred deferred;
	struct ms_bucket bucket[];
};

/*
 * A lookup in a large table fetches a key's other bucket alongside its
 * first only while at least one bucket in this many has keys away.  Each
 * fetch is a cache line more for every frame, and it is needed only by the
 * frames whose first bucket has keys away (a miss then looks in both) or
 * that find their key in its other bucket.  Runs of ports on a few
 * addresses spread evenly: 3% of buckets at 65,536 such tuples, where the
 * fetch cost 2 to 3 ns a frame, 12% to 23% at 1,000,000, where leaving it
 * out cost up to 18 ns in one run.  Random keys leave a quarter or more of
 * buckets with keys away, and keep the fetch (docs/design.md).
 */
#define MS_TABLE_AWAY_SHARE 16u

/* How far a writer searches for a chain of moves that frees a slot (ms_table.c). */
#define MS_TABLE_SEARCH_NODES 512u

struct ms_search_node {
	uint32_t bucket;
	uint16_t parent; /* index of the node whose slot moves here; 0xffff at a root */
	uint8_t slot;	 /* the parent's slot whose entry moves into this bucket */
	uint8_t unused;
};

/* Recently seen first fragments, so later fragments follow them. */
#define MS_FRAG_SLOTS	   1024u
#define MS_FRAG_TIMEOUT_MS 10000u

struct ms_frag_slot {
	uint32_t seq; /* odd while a writer fills the slot */
	uint32_t id;
	uint32_t stamp_ms;
	uint8_t family;
	uint8_t proto;
	uint8_t verdict;
	uint8_t unused;
	uint16_t owner;
	uint16_t unused2;
	uint8_t src[16];
	uint8_t dst[16];
	uint8_t pad[12];
};

/*
 * An Ethernet address as one word: its six bytes in memory order, then a
 * byte 1 (the "known" mark), then 0, so that checking a frame's address
 * against the NIC's is one comparison.  The NIC's word is 0 when no NIC is
 * known, which no frame's word equals.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MS_MAC_KNOWN (1ull << 48)
#else
#define MS_MAC_KNOWN (1ull << 8)
#endif
#define MS_MAC_NONE 0ull

static inline uint64_t ms_mac_word(const uint8_t *mac)
{
	uint64_t w = 0;

	__builtin_memcpy(&w, mac, 6);
	return w | MS_MAC_KNOWN;
}

/*
 * Bytes 6..13 of an untagged frame of this ethertype from this Ethernet
 * address: the address, then the ethertype.  The fast paths, whose frames
 * ms_ipv4_simple() or ms_ipv6_simple() has shown to be untagged IPv4 or
 * IPv6, check the source address with one 8-byte load and one comparison.
 */
static inline uint64_t ms_mac_type_word(const uint8_t *mac, uint16_t type)
{
	uint8_t bytes[8] = {
		mac[0],	       mac[1], mac[2], mac[3], mac[4], mac[5], (uint8_t) (type >> 8),
		(uint8_t) type
	};
	uint64_t w;

	__builtin_memcpy(&w, bytes, 8);
	return w;
}

struct ms_addr6_index;

struct ms_core {
	struct ms_core_head head; /* first: ms_prefetch_pays() reads it through the core */
	struct ms_table *table;	  /* published with release, read with acquire */
	struct ms_addr6_index *addr6_index; /* the same; NULL: none (ms_addr6_index.h) */
	uint64_t nic_mac;		    /* ms_mac_word() of the NIC's address, or MS_MAC_NONE */
	uint64_t nic_ipv4;     /* ms_mac_type_word(it, 0x0800), or 0 (which no IPv4 frame has) */
	uint64_t nic_ipv6;     /* ms_mac_type_word(it, 0x86dd), or 0 (which no IPv6 frame has) */
	uint32_t count;	       /* tuples, not claims */
	uint32_t wildcards[2]; /* per family: lets the miss path skip a probe */
	/* Writers' map of IPv6 address numbers to their records, the free numbers,
	 * and those retired since the index was last rebuilt (ms_addr6.c). */
	struct ms_addr6 **addr6;
	uint32_t *addr6_free;
	uint32_t *addr6_retired;
	uint32_t addr6_slots; /* numbers 1 .. addr6_slots - 1 exist */
	uint32_t addr6_nfree;
	uint32_t addr6_nretired;
	size_t bytes; /* everything allocated for this core */
	struct ms_os_lock *lock;
	void *stats;					     /* per-CPU struct ms_stats */
	struct ms_search_node search[MS_TABLE_SEARCH_NODES]; /* writers' scratch */
	struct ms_frag_slot frag[MS_DIR__COUNT][MS_FRAG_SLOTS];
};

/* What the parser found in a frame.  Only the fields its kind names are set. */
enum ms_pkt_kind {
	MS_PKT_MALFORMED = 0, /* reason says why */
	MS_PKT_NOT_IP,
	MS_PKT_ARP,
	MS_PKT_ND,
	MS_PKT_NO_PORTS,
	MS_PKT_PORTS,	   /* flow fields set */
	MS_PKT_FRAG_LATER, /* non-first fragment: flow addresses, proto, frag_id */
	MS_PKT_ICMP_ERROR, /* outer addresses and the quoted flow in inner_* */
};

struct ms_flow {
	const uint8_t *saddr;
	const uint8_t *daddr;
	uint16_t sport;
	uint16_t dport;
	uint8_t family;
	uint8_t proto;
};

struct ms_pkt {
	uint8_t kind;
	uint8_t reason;
	uint8_t first_fragment; /* offset 0 with more fragments to come */
	uint8_t nd_type;
	uint32_t frag_id;
	struct ms_flow flow;
	struct ms_flow inner;
	const uint8_t *arp_sender; /* ARP: sender IPv4 address */
	const uint8_t *arp_sha;	   /* ARP: sender hardware address */
	const uint8_t *nd_target;  /* ND: NS/NA target address */
	const uint8_t *nd_opts;	   /* ND: the options after the fixed part */
	uint32_t nd_opts_len;	   /* ND: their length, to the end of the ICMPv6 message */
};

void ms_parse(const uint8_t *frame, uint32_t len, struct ms_pkt *pkt);

static inline uint16_t ms_rd16(const uint8_t *p)
{
	return (uint16_t) (p[0] << 8 | p[1]);
}

/*
 * The common case on the forwarding path: untagged IPv4 without options or
 * fragmentation, carrying a whole TCP or UDP header.  When this holds, the
 * addresses are at 26 and 30, the protocol at 23 and the ports at 34 and 36,
 * and the general parser would find exactly those: the decisions use it to
 * skip the parser, which then only sees the other frames.
 */
static inline bool ms_ipv4_simple(const uint8_t *f, uint32_t len)
{
	uint32_t total;

	if (len < 14 + 20 + 8 || ms_rd16(f + 12) != 0x0800 || f[14] != 0x45 ||
	    (ms_rd16(f + 20) & 0x3fff))
		return false;
	total = ms_rd16(f + 16);
	if (total > len - 14)
		return false;
	switch (f[23]) {
	case MS_PROTO_UDP:
		return total >= 20 + 8;
	case MS_PROTO_TCP:
		return total >= 20 + 20;
	default:
		return false;
	}
}

/*
 * The same for untagged IPv6 whose next header is TCP or UDP itself (no
 * extension header, so no fragment): addresses at 22 and 38, next header
 * at 20, ports at 54 and 56, all in the frame's first 64 bytes.  The
 * general parser would find exactly those; a payload length of 0 (a
 * jumbogram needs a hop-by-hop header) never passes.
 */
static inline bool ms_ipv6_simple(const uint8_t *f, uint32_t len)
{
	uint32_t payload;

	if (len < 14 + 40 + 8 || ms_rd16(f + 12) != 0x86dd || (f[14] >> 4) != 6)
		return false;
	payload = ms_rd16(f + 18);
	if (payload > len - 14 - 40)
		return false;
	switch (f[20]) {
	case MS_PROTO_UDP:
		return payload >= 8;
	case MS_PROTO_TCP:
		return payload >= 20;
	default:
		return false;
	}
}

/* Table writers (ms_table.c); readers are inline in ms_table_read.h. */
struct ms_table *ms_table_alloc(uint32_t buckets, uint64_t seed);
enum ms_status ms_table_init(struct ms_core *core);
void ms_table_free_now(struct ms_table *table);
/* A live entry's key and owner (writers; ms_table.c). */
void ms_entry_key(const struct ms_entry *e, struct ms_key *key);
uint16_t ms_entry_owner(const struct ms_entry *e);
/* Writers: */
enum ms_status ms_table_insert(struct ms_core *core, struct ms_entry *entry);
void ms_table_remove(struct ms_core *core, struct ms_entry *entry);
/*
 * Writers' walk: the entry of the first occupied slot at or after *pos whose
 * owner is `owner` (any, with MS_ANY_OWNER), or NULL; *pos moves past it.
 */
#define MS_ANY_OWNER 0xffffu
struct ms_entry *ms_table_next(const struct ms_table *t, uint32_t *pos, unsigned owner);
/* An entry's counters with its slot's tally added (under the core's lock). */
void ms_table_counters(const struct ms_core *core, const struct ms_entry *entry, uint64_t *packets,
		       uint64_t *bytes);

/*
 * IPv6 address numbers (writers, under the core's lock; ms_addr6.c).  Every
 * entry whose key holds a number other than 0 (the unspecified address)
 * counts as one use of it; a record no key uses is retired.
 */
enum ms_status ms_addr6_number(struct ms_core *core, const uint8_t *addr, bool create,
			       uint32_t *number);
void ms_addr6_use(struct ms_core *core, uint32_t number, int delta);
void ms_addr6_drop_unused(struct ms_core *core, uint32_t number); /* one made but not used */
void ms_addr6_address(const struct ms_core *core, uint32_t number, uint8_t addr[16]);
void ms_addr6_destroy(struct ms_core *core);

/* Fragments (ms_frag.c). */
void ms_frag_remember(struct ms_core *core, enum ms_direction dir, const struct ms_pkt *pkt,
		      struct ms_decision decision);
bool ms_frag_recall(struct ms_core *core, enum ms_direction dir, const struct ms_pkt *pkt,
		    struct ms_decision *decision);

/*
 * Counting: one per-CPU block per core, no atomics.  A host whose
 * ms_os_types.h defines MS_OS_PERCPU_ADD(blocks, offset, delta) adds to the
 * running CPU's block in one step that neither preemption nor an interrupt
 * can split (Linux: this_cpu_add; FreeBSD: counter_u64_add), so its data
 * path masks nothing; the others go through ms_os_percpu_this() and keep the
 * CPU's counters from interleaving themselves (userspace: one thread).
 */
#ifndef MS_OS_PERCPU_ADD
#define MS_OS_PERCPU_ADD(blocks, offset, delta) \
	(*(uint64_t *) (void *) ((char *) ms_os_percpu_this(blocks) + (offset)) += (delta))
#endif

_Static_assert(sizeof(struct ms_stats) ==
		   (size_t) MS_DIR__COUNT * MS_REASON__COUNT * sizeof(uint64_t),
	       "counters are one flat array of 64-bit words");

static inline void ms_count_reason(struct ms_core *core, unsigned dir, unsigned reason,
				   uint64_t delta)
{
	MS_OS_PERCPU_ADD(core->stats, ((size_t) dir * MS_REASON__COUNT + reason) * sizeof(uint64_t),
			 delta);
}

static inline struct ms_decision ms_count_decision(struct ms_core *core, enum ms_direction dir,
						   struct ms_decision d)
{
	ms_count_reason(core, dir, d.reason, 1);
	return d;
}

#endif /* MULTISTACK_MS_INTERNAL_H */
