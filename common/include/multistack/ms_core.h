/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The MultiStack classifier core: the only header an OS glue includes.
 *
 * The core decides where a frame goes (ingress: from the NIC side; egress:
 * from a user-level stack's port) by looking at its headers and at a table
 * of registered <family, address, port, protocol> tuples.  It never sleeps,
 * allocates or locks on the decision path, and every byte it reads is
 * checked against the frame length first.
 *
 * Concurrency contract:
 *   - ms_ingress(), ms_egress(), ms_lookup() and ms_stats_read() are
 *     readers.  The caller must be inside its OS's read-side section (Linux:
 *     rcu_read_lock; FreeBSD: NET_EPOCH_ENTER; userspace: nothing) for the
 *     whole call, because entries removed concurrently are only freed
 *     through ms_os_defer_free().
 *   - ms_core_count() and ms_core_override() add to the same per-CPU
 *     counters as the decisions: call them where the decisions are called,
 *     with whatever keeps the CPU's counters from interleaving (Linux:
 *     nothing, each add is one this_cpu_add; FreeBSD: nothing, each add is
 *     one counter_u64_add).
 *   - ms_core_set_nic_mac() and ms_core_clear_nic_mac() are one atomic
 *     store each: any context, no lock, never sleep.
 *   - Every other function that takes a struct ms_core is a writer.  Writers
 *     serialise themselves on the core's own lock (an ms_os_lock_* hook), so
 *     callers need no lock of their own, but writers may sleep only if the
 *     OS lock allows it.
 */
#ifndef MULTISTACK_MS_CORE_H
#define MULTISTACK_MS_CORE_H

#include "ms_os_types.h" /* fixed-width ints, bool, size_t: picked by include path */

#define MS_MAX_OWNERS	     256 /* owner ids are 0..255; VALE uses fewer (254) */
#define MS_IPV6_MAX_EXT_HDRS 8	 /* a longer chain is treated as malformed */

/* Address families, as carried in tuples and in the uapi request. */
enum ms_family {
	MS_FAMILY_INET = 4,
	MS_FAMILY_INET6 = 6,
};

/* Transport protocols that carry ports (IANA numbers). */
enum ms_proto {
	MS_PROTO_TCP = 6,
	MS_PROTO_UDP = 17,
	MS_PROTO_DCCP = 33,
	MS_PROTO_SCTP = 132,
	MS_PROTO_UDPLITE = 136,
};

/*
 * A registered tuple.  port is in host byte order; addr is in network byte
 * order, an IPv4 address in addr[0..3] with addr[4..15] zero.  An all-zero
 * address is the wildcard (a socket bound to 0.0.0.0 or ::).
 */
struct ms_tuple {
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint8_t addr[16];
};

/* Where a frame goes. */
enum ms_verdict {
	MS_VERDICT_PORT = 0, /* ingress: to the owning stack's port */
	MS_VERDICT_HOST = 1, /* ingress: to the host stack */
	MS_VERDICT_ALL = 2,  /* ingress: to every port but the source */
	MS_VERDICT_NIC = 3,  /* egress: allowed out to the NIC */
	MS_VERDICT_DROP = 4, /* egress: refused */
	MS_VERDICT__COUNT
};

/*
 * Why.  Every reason is counted per direction.  The malformed reasons send a
 * frame to the host stack on ingress (the kernel is the authority for
 * traffic nobody registered, and would have seen it without MultiStack) and
 * drop it on egress.
 */
enum ms_reason {
	/* decisions on well-formed frames */
	MS_REASON_TUPLE_HIT = 0,   /* exact <addr,port,proto> registered */
	MS_REASON_WILDCARD_HIT,	   /* <any addr,port,proto> registered */
	MS_REASON_NO_MATCH,	   /* has ports, nobody registered them */
	MS_REASON_NO_PORTS,	   /* IP protocol without ports (ICMP echo, ESP, ...) */
	MS_REASON_NOT_IP,	   /* another ethertype (LLDP, ...) */
	MS_REASON_ARP,		   /* ARP for IPv4 over Ethernet */
	MS_REASON_ND,		   /* IPv6 neighbour discovery (ICMPv6 133..137) */
	MS_REASON_ICMP_ERROR_HIT,  /* ICMP error quoting a registered flow */
	MS_REASON_ICMP_ERROR_MISS, /* ICMP error quoting an unregistered flow */
	MS_REASON_FRAG_HIT,	   /* non-first fragment of a known datagram */
	MS_REASON_FRAG_MISS,	   /* non-first fragment, first one not seen */
	/* egress refusals */
	MS_REASON_NOT_OWNER,	/* source tuple registered by another port */
	MS_REASON_ARP_SPOOF,	/* ARP sender: not the NIC's MAC, or not claimed by the port */
	MS_REASON_ND_SPOOF,	/* ND address not claimed, or a link-layer option not the NIC's */
	MS_REASON_ND_FORBIDDEN, /* router advertisement or redirect from a stack */
	MS_REASON_MAC_SPOOF,	/* Ethernet source is not the NIC's address */
	MS_REASON_NO_NIC,	/* no NIC on the switch (its address unknown): nowhere to go */
	/* counted by the glue (ms_core_override): ingress for the host, no host port */
	MS_REASON_NO_HOST_PORT,
	/* malformed frames */
	MS_REASON_TRUNCATED_L2,	  /* shorter than its Ethernet/VLAN headers */
	MS_REASON_VLAN_TOO_DEEP,  /* more than two VLAN tags */
	MS_REASON_BAD_IP_VERSION, /* version field disagrees with the ethertype */
	MS_REASON_TRUNCATED_L3,	  /* shorter than the fixed IP header */
	MS_REASON_BAD_IHL,	  /* IPv4 header length < 20 or past the frame */
	MS_REASON_BAD_LENGTH,	  /* IP length field < header or past the frame */
	MS_REASON_BAD_FRAGMENT,	  /* fragment fields that cannot be right */
	MS_REASON_EXT_CHAIN,	  /* IPv6 extension chain too long, truncated or misordered */
	MS_REASON_TRUNCATED_L4,	  /* ports announced but not present */
	MS_REASON_BAD_ARP,	  /* ARP that is not IPv4 over Ethernet, or short */
	MS_REASON_BAD_ND,	  /* ND with hop limit != 255 or too short */
	MS_REASON_JUMBOGRAM,	  /* IPv6 length 0 and hop-by-hop: a jumbogram */
	MS_REASON__COUNT
};

enum ms_direction { MS_DIR_INGRESS = 0, MS_DIR_EGRESS = 1, MS_DIR__COUNT };

/* The result of one decision: four bytes, returned by value. */
struct ms_decision {
	uint8_t verdict; /* enum ms_verdict */
	uint8_t reason;	 /* enum ms_reason */
	uint16_t owner;	 /* the destination owner when verdict == MS_VERDICT_PORT, else 0 */
};

/* Status codes of writers; each OS glue maps them to its own errno. */
enum ms_status {
	MS_OK = 0,
	MS_ERR_INVAL,  /* malformed tuple or argument */
	MS_ERR_NOMEM,  /* an allocation failed */
	MS_ERR_INUSE,  /* another owner holds the tuple */
	MS_ERR_EXISTS, /* this owner already holds the tuple */
	MS_ERR_NOENT,  /* no such registration */
	MS_ERR_PERM,   /* the registration belongs to another owner */
};

/* Verdict and reason counters, summed over CPUs by ms_stats_read(). */
struct ms_stats {
	uint64_t reason[MS_DIR__COUNT][MS_REASON__COUNT];
};

/* What ms_foreach() shows of one registration. */
struct ms_registration {
	struct ms_tuple tuple;
	uint16_t owner;
	uint64_t packets; /* frames matched, both directions */
	uint64_t bytes;
	void *cookie; /* the glue's own data given to ms_bind() */
};

struct ms_core;

/* Lifecycle. */
enum ms_status ms_core_create(struct ms_core **out);
/* Releases every registration through release() (may be NULL), then frees. */
void ms_core_destroy(struct ms_core *core, void (*release)(void *cookie, void *arg), void *arg);

/* Writers. */
enum ms_status ms_bind(struct ms_core *core, const struct ms_tuple *tuple, uint16_t owner,
		       void *cookie);
enum ms_status ms_unbind(struct ms_core *core, const struct ms_tuple *tuple, uint16_t owner,
			 void **cookie_out);
/* Removes every registration of owner; release() runs on each cookie. Returns the count. */
uint32_t ms_unbind_owner(struct ms_core *core, uint16_t owner,
			 void (*release)(void *cookie, void *arg), void *arg);
/* Visits every registration under the writer lock; stops when visit() returns non-zero. */
void ms_foreach(struct ms_core *core, int (*visit)(const struct ms_registration *reg, void *arg),
		void *arg);
uint32_t ms_count(struct ms_core *core);
size_t ms_memory_bytes(struct ms_core *core);

/*
 * The NIC's Ethernet address.  A frame from a stack leaves only if its
 * Ethernet source, and an ARP sender or ND link-layer address option it
 * carries, is this address.  The glue sets it when a NIC joins the switch
 * (before the NIC's port can be a destination) and clears it when the NIC
 * leaves; while no address is set, every egress frame is dropped with
 * MS_REASON_NO_NIC (it has nowhere to go, and a glue that forgot to set the
 * address fails closed, visibly).  The data path reads the address without
 * a lock; a frame decided while it changes sees the old or the new one.
 * A fresh core has no NIC.
 */
void ms_core_set_nic_mac(struct ms_core *core, const uint8_t mac[6]);
void ms_core_clear_nic_mac(struct ms_core *core);
/* Whether an address is set; if so and mac is not NULL, copies it. */
bool ms_core_nic_mac(struct ms_core *core, uint8_t mac[6]);

/*
 * Counting what the glue decides itself.  ms_core_count() counts one frame
 * that the glue disposed of without a decision of the core.
 * ms_core_override() replaces a decision the core took (and counted) for
 * one frame: the count moves from decided.reason to reason, so each frame
 * stays counted once, and it returns reason's own verdict in that direction.
 * The glue overrides an ingress MS_VERDICT_HOST with MS_REASON_NO_HOST_PORT
 * when the switch has no host port (the NIC attached with `vale-ctl -a`),
 * then drops the frame.  An out-of-range reason counts nothing.
 */
void ms_core_count(struct ms_core *core, enum ms_direction dir, enum ms_reason reason);
struct ms_decision ms_core_override(struct ms_core *core, enum ms_direction dir,
				    struct ms_decision decided, enum ms_reason reason);

/* Readers: the decisions. */
struct ms_decision ms_ingress(struct ms_core *core, const uint8_t *frame, uint32_t len);
struct ms_decision ms_egress(struct ms_core *core, const uint8_t *frame, uint32_t len,
			     uint16_t src_owner);
/* Batched variants: same results, with lookups overlapped to hide cache misses. */
void ms_ingress_batch(struct ms_core *core, const uint8_t *const *frames, const uint32_t *lens,
		      uint32_t n, struct ms_decision *out);
void ms_egress_batch(struct ms_core *core, const uint8_t *const *frames, const uint32_t *lens,
		     uint32_t n, uint16_t src_owner, struct ms_decision *out);
/*
 * A hint that a frame will be decided soon (in that direction): its table
 * lines start on their way to the cache.  Decides and counts nothing, reads
 * the frame within len only; any frame may be passed, even one that will not
 * be decided.  A reader like the decisions.
 *
 * A caller that decides frames one at a time but sees those after the
 * current one (the kernel's lookup, in netmap's batch) hints each frame
 * MS_PREFETCH_AHEAD frames before deciding it, and prefetches its first line
 * twice as far ahead: a frame's buckets are then in the cache when its turn
 * comes, yet not evicted before (bench/README.md).
 */
#define MS_PREFETCH_AHEAD 16u

/*
 * That schedule, for frame `at` of the `n` a caller can see (0 the first):
 * the frames [*from, *to) to hint before deciding it (the first frame hints
 * MS_PREFETCH_AHEAD of them, every other frame one), and the one whose first
 * line to prefetch, or n for none.
 */
static inline uint32_t ms_ahead_plan(uint32_t at, uint32_t n, uint32_t *from, uint32_t *to)
{
	uint32_t end = at + MS_PREFETCH_AHEAD + 1;

	*to = end < n ? end : n;
	*from = at ? at + MS_PREFETCH_AHEAD : 1;
	if (*from > *to)
		*from = *to;
	return at + 2 * MS_PREFETCH_AHEAD < n ? at + 2 * MS_PREFETCH_AHEAD : n;
}

/*
 * Whether the hints can pay at all: only while the table is larger than the
 * caches, which the core tracks in the first member of every core, so that a
 * caller may skip reading ahead without a call.  A stale answer costs only
 * time.
 */
struct ms_core_head {
	uint32_t hints; /* non-zero: the hints prefetch */
};

static inline bool ms_prefetch_pays(const struct ms_core *core)
{
	return ((const volatile struct ms_core_head *) (const void *) core)->hints != 0;
}
void ms_ingress_prefetch(struct ms_core *core, const uint8_t *frame, uint32_t len);
void ms_egress_prefetch(struct ms_core *core, const uint8_t *frame, uint32_t len);
/* Exact-then-wildcard owner of a tuple, or -1. Does not count. */
int ms_lookup(struct ms_core *core, const struct ms_tuple *tuple);
/* Query one registration (exact match only); MS_ERR_NOENT when absent. */
enum ms_status ms_query(struct ms_core *core, const struct ms_tuple *tuple,
			struct ms_registration *out);
void ms_stats_read(struct ms_core *core, struct ms_stats *out);

/* Names for logs, /proc and tools; never NULL ("?" for out-of-range values). */
const char *ms_verdict_name(unsigned verdict);
const char *ms_reason_name(unsigned reason);
/* The verdict that a reason leads to in a direction. */
enum ms_verdict ms_reason_verdict(unsigned reason, enum ms_direction dir);
/* Checks a tuple as a writer would (family, protocol, IPv4 padding). */
bool ms_tuple_valid(const struct ms_tuple *tuple);

#endif /* MULTISTACK_MS_CORE_H */
