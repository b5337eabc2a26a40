// SPDX-License-Identifier: BSD-2-Clause
/* The ingress and egress decisions: parse, look up, count. */
#include "ms_addr6_index.h"
#include "ms_internal.h"
#include "ms_table_read.h"

static inline struct ms_decision decision(uint8_t verdict, uint8_t reason, uint16_t owner)
{
	struct ms_decision d = { verdict, reason, owner };

	return d;
}

/*
 * The number of an IPv6 address in the keys, and its record (*rec, which
 * the caller checks after deciding: ms_addr6_live()), or NULL: 0 for the
 * unspecified address, MS_NUMBER_NONE, which no key holds, for an address
 * no registration uses.
 */
static MS_ALWAYS_INLINE uint32_t addr6_number(struct ms_table *t, const uint8_t *addr,
					      const struct ms_addr6 **rec)
{
	uint64_t hi, lo;

	__builtin_memcpy(&hi, addr, 8);
	__builtin_memcpy(&lo, addr + 8, 8);
	*rec = (const struct ms_addr6 *) 0;
	if (!(hi | lo))
		return 0;
	*rec = ms_addr6_find(t, addr);
	return *rec ? (*rec)->number : MS_NUMBER_NONE;
}

/* A flow's tuple's key as the table holds it, and for IPv6 its address's record (*rec). */
static MS_ALWAYS_INLINE void flow_key(struct ms_table *t, struct ms_key *key, const uint8_t *addr,
				      uint8_t family, uint8_t proto, uint16_t port,
				      const struct ms_addr6 **rec)
{
	*rec = (const struct ms_addr6 *) 0;
	if (family == MS_FAMILY_INET6) {
		key->w[0] = addr6_number(t, addr, rec);
		key->w[1] = 0;
	} else {
		ms_key_from_addr(key, addr, family);
	}
	key->w[2] = ms_key_meta(family, proto, port, MS_KIND_TUPLE);
}

/*
 * Exact then wildcard; *wildcard says which matched, *owner whose it is (from
 * the bucket, without waiting for the entry), and the entry and *tally are
 * what to count the frame on (ms_tally_hit).  hash is the exact key's, rec
 * the record its IPv6 number came from: an exact match found after the
 * number went to another address is no match.
 */
static MS_ALWAYS_INLINE struct ms_entry *
find_tuple_owner(struct ms_core *core, struct ms_table *t, struct ms_key *key, uint64_t hash,
		 const struct ms_addr6 *rec, bool *wildcard, uint16_t *owner, uint32_t **tally)
{
	struct ms_entry *e = ms_table_lookup(t, key, hash, owner, tally);
	uint8_t family = (uint8_t) (key->w[2] >> 24);

	if (e && rec && !ms_addr6_live(rec))
		e = (struct ms_entry *) 0;

	*wildcard = false;
	if (e || !MS_LOAD(&core->wildcards[family == MS_FAMILY_INET6])) {
		return e;
	}
	key->w[0] = 0;
	key->w[1] = 0;
	*wildcard = true;
	return ms_table_lookup(t, key, ms_hash(key, t->seed), owner, tally);
}

/* The slow paths' lookup of a flow's tuple, exact then wildcard, as find_tuple_owner(). */
static struct ms_entry *find_flow(struct ms_core *core, struct ms_table *t, const uint8_t *addr,
				  uint8_t family, uint8_t proto, uint16_t port, uint16_t *owner,
				  uint32_t **tally)
{
	const struct ms_addr6 *rec;
	struct ms_key key;
	bool wildcard;

	flow_key(t, &key, addr, family, proto, port, &rec);
	return find_tuple_owner(core, t, &key, ms_hash(&key, t->seed), rec, &wildcard, owner,
				tally);
}

static bool owner_claims(struct ms_table *t, const uint8_t *addr, uint8_t family, uint16_t owner)
{
	const struct ms_addr6 *rec;
	struct ms_key key;
	uint16_t claimant;

	flow_key(t, &key, addr, family, 0, owner, &rec);
	key.w[2] = ms_key_meta(family, 0, owner, MS_KIND_CLAIM);
	return ms_table_find(t, &key, ms_hash(&key, t->seed), &claimant) != (struct ms_entry *) 0 &&
	       (!rec || ms_addr6_live(rec));
}

static bool addr_is_zero(const uint8_t *addr, unsigned n)
{
	unsigned i;
	uint8_t acc = 0;

	for (i = 0; i < n; i++)
		acc |= addr[i];
	return acc == 0;
}

/* Where a frame to this destination tuple goes; key and hash are the exact key's. */
static MS_ALWAYS_INLINE struct ms_decision ingress_to(struct ms_core *core, struct ms_table *t,
						      struct ms_key *key, uint64_t hash,
						      const struct ms_addr6 *rec, uint32_t len)
{
	bool wildcard;
	uint16_t owner;
	uint32_t *tally;
	struct ms_entry *e = find_tuple_owner(core, t, key, hash, rec, &wildcard, &owner, &tally);

	if (!e)
		return decision(MS_VERDICT_HOST, MS_REASON_NO_MATCH, 0);
	ms_tally_hit(tally, e, len);
	return decision(MS_VERDICT_PORT, wildcard ? MS_REASON_WILDCARD_HIT : MS_REASON_TUPLE_HIT,
			owner);
}

static struct ms_decision ingress_ports(struct ms_core *core, struct ms_table *t,
					const struct ms_pkt *pkt, uint32_t len, struct ms_key *key,
					uint64_t hash, const struct ms_addr6 *rec)
{
	struct ms_decision d = ingress_to(core, t, key, hash, rec, len);

	if (pkt->first_fragment)
		ms_frag_remember(core, MS_DIR_INGRESS, pkt, d);
	return d;
}

/*
 * The fast path's key: the destination tuple (ingress) or the source tuple
 * (egress) of an untagged IPv4 or IPv6 TCP/UDP frame, read from its first
 * cache line at fixed offsets; false for every other frame, which the
 * general parser then decides.  What the parser would find for these
 * frames is exactly this key (ms_ipv4_simple(), ms_ipv6_simple()).
 */
static MS_ALWAYS_INLINE bool fast_key(struct ms_table *t, struct ms_key *key, const uint8_t *f,
				      uint32_t len, bool egress, const struct ms_addr6 **rec)
{
	*rec = (const struct ms_addr6 *) 0;
	if (MS_LIKELY(ms_ipv4_simple(f, len))) {
		flow_key(t, key, f + (egress ? 26 : 30), MS_FAMILY_INET, f[23],
			 ms_rd16(f + (egress ? 34 : 36)), rec);
		return true;
	}
	if (ms_ipv6_simple(f, len)) {
		flow_key(t, key, f + (egress ? 22 : 38), MS_FAMILY_INET6, f[20],
			 ms_rd16(f + (egress ? 54 : 56)), rec);
		return true;
	}
	return false;
}

/*
 * Egress's fast path also needs the frame's Ethernet source to be the
 * NIC's: bytes 6..13 (address and ethertype) against one word per family.
 */
static MS_ALWAYS_INLINE bool fast_source_is_nic(struct ms_core *core, const uint8_t *f,
						uint8_t family)
{
	uint64_t source;

	__builtin_memcpy(&source, f + 6, 8);
	return source == MS_LOAD(family == MS_FAMILY_INET ? &core->nic_ipv4 : &core->nic_ipv6);
}

static MS_ALWAYS_INLINE bool fast_egress_key(struct ms_core *core, struct ms_table *t,
					     struct ms_key *key, const uint8_t *f, uint32_t len,
					     const struct ms_addr6 **rec)
{
	if (!fast_key(t, key, f, len, true, rec))
		return false;
	return fast_source_is_nic(core, f, (uint8_t) (key->w[2] >> 24));
}

static struct ms_decision ingress_other(struct ms_core *core, struct ms_table *t,
					const struct ms_pkt *pkt, uint32_t len)
{
	struct ms_decision d;
	struct ms_entry *e;
	uint32_t *tally;
	uint16_t owner;

	switch (pkt->kind) {
	case MS_PKT_ARP:
		return decision(MS_VERDICT_ALL, MS_REASON_ARP, 0);
	case MS_PKT_ND:
		return decision(MS_VERDICT_ALL, MS_REASON_ND, 0);
	case MS_PKT_NOT_IP:
		return decision(MS_VERDICT_HOST, MS_REASON_NOT_IP, 0);
	case MS_PKT_NO_PORTS:
		d = decision(MS_VERDICT_HOST, MS_REASON_NO_PORTS, 0);
		break;
	case MS_PKT_FRAG_LATER:
		if (ms_frag_recall(core, MS_DIR_INGRESS, pkt, &d) && d.verdict == MS_VERDICT_PORT)
			return decision(MS_VERDICT_PORT, MS_REASON_FRAG_HIT, d.owner);
		return decision(MS_VERDICT_HOST, MS_REASON_FRAG_MISS, 0);
	case MS_PKT_ICMP_ERROR:
		/* The quote is a packet the flow sent: its source is the registered side. */
		e = pkt->inner.family
			? find_flow(core, t, pkt->inner.saddr, pkt->inner.family, pkt->inner.proto,
				    pkt->inner.sport, &owner, &tally)
			: (struct ms_entry *) 0;
		if (e) {
			ms_tally_hit(tally, e, len);
			d = decision(MS_VERDICT_PORT, MS_REASON_ICMP_ERROR_HIT, owner);
		} else {
			d = decision(MS_VERDICT_HOST, MS_REASON_ICMP_ERROR_MISS, 0);
		}
		break;
	default:
		return decision(MS_VERDICT_HOST, pkt->reason, 0);
	}
	if (pkt->first_fragment)
		ms_frag_remember(core, MS_DIR_INGRESS, pkt, d);
	return d;
}

static struct ms_decision ingress_one(struct ms_core *core, struct ms_table *t,
				      const uint8_t *frame, uint32_t len)
{
	const struct ms_addr6 *rec;
	struct ms_pkt pkt;
	struct ms_key key;

	ms_parse(frame, len, &pkt);
	if (MS_LIKELY(pkt.kind == MS_PKT_PORTS)) {
		flow_key(t, &key, pkt.flow.daddr, pkt.flow.family, pkt.flow.proto, pkt.flow.dport,
			 &rec);
		return ingress_ports(core, t, &pkt, len, &key, ms_hash(&key, t->seed), rec);
	}
	return ingress_other(core, t, &pkt, len);
}

/* Everything but the common case, kept out of line so the fast path stays small. */
static __attribute__((__noinline__, __cold__)) struct ms_decision
ingress_slow(struct ms_core *core, const uint8_t *frame, uint32_t len)
{
	struct ms_table *t = MS_LOAD_ACQUIRE(&core->table);

	return ms_count_decision(core, MS_DIR_INGRESS, ingress_one(core, t, frame, len));
}

/*
 * The check word of a fast-path IPv4 frame's tuple, which is its key
 * (ms_check4()): its protocol is TCP or UDP (ms_ipv4_simple()), so its class
 * is one of two constants.
 */
static MS_ALWAYS_INLINE uint64_t fast_check4(const uint8_t *f, bool egress)
{
	uint32_t addr;

	__builtin_memcpy(&addr, f + (egress ? 26 : 30), 4);
	return ms_check4(addr, ms_rd16(f + (egress ? 34 : 36)),
			 f[23] == MS_PROTO_TCP ? ms_proto_class(MS_PROTO_TCP)
					       : ms_proto_class(MS_PROTO_UDP),
			 MS_KIND_TUPLE);
}

/* The same for a fast-path IPv6 frame's tuple, its address given as its number. */
static MS_ALWAYS_INLINE uint64_t fast_check6(uint32_t number, const uint8_t *f, bool egress)
{
	return ms_check6(number, ms_rd16(f + (egress ? 54 : 56)),
			 f[20] == MS_PROTO_TCP ? ms_proto_class(MS_PROTO_TCP)
					       : ms_proto_class(MS_PROTO_UDP),
			 MS_KIND_TUPLE);
}

/*
 * A fast-path frame that missed its exact tuple while a wildcard may
 * take it.  It takes the frame, not the key, so that the key stays in the
 * caller's registers.
 */
static __attribute__((__noinline__)) struct ms_decision
ingress_rest(struct ms_core *core, struct ms_table *t, const uint8_t *frame, uint32_t len)
{
	const struct ms_addr6 *rec;
	struct ms_key key;

	if (!fast_key(t, &key, frame, len, false, &rec))
		return ingress_slow(core, frame, len);
	return ms_count_decision(core, MS_DIR_INGRESS,
				 ingress_to(core, t, &key, ms_hash(&key, t->seed), rec, len));
}

/*
 * The common frame, kept to as few instructions as it can be: the
 * processor overlaps one frame's cache misses with the next frames' work
 * only as far as its reorder window reaches, so in a table larger than the
 * cache every instruction here costs a fraction of a miss.  The frame is
 * decided from its tuple's check word and one bucket line, with no key
 * built and no entry read; whatever is not a plain hit or miss leaves
 * through a call that needs nothing kept for after it.  seen is the
 * address index an IPv6 number came from (NULL for IPv4).
 */
static MS_ALWAYS_INLINE struct ms_decision ingress_decide(struct ms_core *core, struct ms_table *t,
							  uint64_t check,
							  const struct ms_addr6_index *seen,
							  const uint8_t *frame, uint32_t len)
{
	struct ms_probe_at p;

	switch (ms_table_probe(t, check, &p)) {
	case MS_PROBE_HIT:
		if (MS_UNLIKELY(seen && MS_LOAD(&core->addr6_index) != seen))
			break; /* the number may have gone to another address meanwhile */
		ms_tally_hit_slot(p.bucket, p.slot, len);
		return ms_count_decision(
		    core, MS_DIR_INGRESS,
		    decision(MS_VERDICT_PORT, MS_REASON_TUPLE_HIT,
			     (uint16_t) (p.owner_check >> MS_CHECK_OWNER_BIT)));
	case MS_PROBE_MISS:
		if (MS_LIKELY(!MS_LOAD(&core->wildcards[(check & MS_CHECK_V6) != 0])))
			return ms_count_decision(core, MS_DIR_INGRESS,
						 decision(MS_VERDICT_HOST, MS_REASON_NO_MATCH, 0));
		break;
	default:
		break;
	}
	return ingress_rest(core, t, frame, len);
}

/*
 * A fast-path IPv6 frame's check word, its address's number found in the
 * address index (*seen, which the caller checks after deciding); 0, which
 * sends the frame down the general path, while no index is published.
 */
static MS_ALWAYS_INLINE uint64_t fast_check6_of(struct ms_core *core, const uint8_t *frame,
						bool egress, const struct ms_addr6_index **seen)
{
	const struct ms_addr6_index *x = MS_LOAD_ACQUIRE(&core->addr6_index);

	*seen = x;
	if (MS_UNLIKELY(!x))
		return 0;
	return fast_check6(ms_addr6_index_number(x, frame + (egress ? 22 : 38)), frame, egress);
}

/* A check word whose address is in no registration (a number the index did not have). */
static MS_ALWAYS_INLINE bool check_unnumbered(uint64_t check)
{
	return (uint32_t) check == MS_NUMBER_NONE;
}

struct ms_decision ms_ingress(struct ms_core *core, const uint8_t *frame, uint32_t len)
{
	const struct ms_addr6_index *seen;
	struct ms_table *t;
	uint64_t check;

	if (MS_LIKELY(ms_ipv4_simple(frame, len))) {
		t = MS_LOAD_ACQUIRE(&core->table);
		return ingress_decide(core, t, fast_check4(frame, false),
				      (const struct ms_addr6_index *) 0, frame, len);
	}
	if (ms_ipv6_simple(frame, len)) {
		t = MS_LOAD_ACQUIRE(&core->table);
		check = fast_check6_of(core, frame, false, &seen);
		if (MS_UNLIKELY(!check))
			return ingress_slow(core, frame, len);
		/* An address nobody registered (the host's own, mostly): no probe. */
		if (MS_UNLIKELY(check_unnumbered(check)) &&
		    MS_LIKELY(!MS_LOAD(&core->wildcards[1])))
			return ms_count_decision(core, MS_DIR_INGRESS,
						 decision(MS_VERDICT_HOST, MS_REASON_NO_MATCH, 0));
		return ingress_decide(core, t, check, seen, frame, len);
	}
	return ingress_slow(core, frame, len);
}

/* Whether an Ethernet address in a frame (six readable bytes) is the NIC's. */
static inline bool is_nic_mac(uint64_t nic, const uint8_t *mac)
{
	return ms_mac_word(mac) == nic;
}

/*
 * The options of an ND message a stack sends: a peer caches the address of
 * a source or target link-layer address option (types 1 and 2), so each must
 * be one 8-byte option holding the NIC's address.  A zero length or an
 * option past the message's end is malformed (RFC 4861 4.6).
 */
static enum ms_reason nd_options(const uint8_t *opt, uint32_t len, uint64_t nic)
{
	while (len) {
		uint32_t olen = len >= 2 ? (uint32_t) opt[1] * 8 : 0;

		if (olen == 0 || olen > len)
			return MS_REASON_BAD_ND;
		if ((opt[0] == 1 || opt[0] == 2) && (olen != 8 || !is_nic_mac(nic, opt + 2)))
			return MS_REASON_ND_SPOOF;
		opt += olen;
		len -= olen;
	}
	return MS_REASON_ND;
}

static struct ms_decision egress_nd(struct ms_table *t, const struct ms_pkt *pkt, uint16_t owner,
				    uint64_t nic)
{
	const uint8_t *src = pkt->flow.saddr;
	enum ms_reason reason;
	bool ok;

	switch (pkt->nd_type) {
	case 134: /* router advertisement */
	case 137: /* redirect */
		return decision(MS_VERDICT_DROP, MS_REASON_ND_FORBIDDEN, 0);
	case 136:
		/* An advertisement announces its target; its source is usually the
		 * sender's link-local address, which nobody registers. */
		ok = owner_claims(t, pkt->nd_target, MS_FAMILY_INET6, owner);
		break;
	case 135:
		/* A solicitation tells its target where its source lives; duplicate
		 * address detection (unspecified source) is the kernel's, which
		 * owns every address a stack may register. */
		ok = owner_claims(t, src, MS_FAMILY_INET6, owner);
		break;
	default: /* router solicitation: from an owned address, or unspecified */
		ok = addr_is_zero(src, 16) || owner_claims(t, src, MS_FAMILY_INET6, owner);
		break;
	}
	if (!ok)
		return decision(MS_VERDICT_DROP, MS_REASON_ND_SPOOF, 0);
	reason = nd_options(pkt->nd_opts, pkt->nd_opts_len, nic);
	return decision(reason == MS_REASON_ND ? MS_VERDICT_NIC : MS_VERDICT_DROP, reason, 0);
}

static struct ms_decision egress_icmp_error(struct ms_core *core, struct ms_table *t,
					    const struct ms_pkt *pkt, uint32_t len, uint16_t owner)
{
	unsigned n = pkt->flow.family == MS_FAMILY_INET ? 4 : 16;
	struct ms_entry *e;
	uint32_t *tally;
	uint16_t holder;

	/* The quote is a packet the stack received: its destination is the stack's
	 * tuple, and the error must come from that very address. */
	if (!pkt->inner.family || pkt->inner.family != pkt->flow.family ||
	    __builtin_memcmp(pkt->inner.daddr, pkt->flow.saddr, n) != 0)
		return decision(MS_VERDICT_DROP, MS_REASON_ICMP_ERROR_MISS, 0);
	e = find_flow(core, t, pkt->inner.daddr, pkt->inner.family, pkt->inner.proto,
		      pkt->inner.dport, &holder, &tally);
	if (!e || holder != owner)
		return decision(MS_VERDICT_DROP, MS_REASON_ICMP_ERROR_MISS, 0);
	ms_tally_hit(tally, e, len);
	return decision(MS_VERDICT_NIC, MS_REASON_ICMP_ERROR_HIT, 0);
}

/* Whether this owner may send from this source tuple; hash is the key's. */
static MS_ALWAYS_INLINE struct ms_decision egress_from(struct ms_core *core, struct ms_table *t,
						       struct ms_key *key, uint64_t hash,
						       const struct ms_addr6 *rec, uint32_t len,
						       uint16_t owner)
{
	bool wildcard;
	uint16_t holder;
	uint32_t *tally;
	struct ms_entry *e = find_tuple_owner(core, t, key, hash, rec, &wildcard, &holder, &tally);

	if (!e)
		return decision(MS_VERDICT_DROP, MS_REASON_NO_MATCH, 0);
	if (holder != owner)
		return decision(MS_VERDICT_DROP, MS_REASON_NOT_OWNER, 0);
	ms_tally_hit(tally, e, len);
	return decision(MS_VERDICT_NIC, wildcard ? MS_REASON_WILDCARD_HIT : MS_REASON_TUPLE_HIT, 0);
}

static struct ms_decision egress_one(struct ms_core *core, struct ms_table *t, const uint8_t *frame,
				     uint32_t len, uint16_t owner)
{
	uint64_t nic = MS_LOAD(&core->nic_mac);
	const struct ms_addr6 *rec;
	struct ms_pkt pkt;
	struct ms_decision d;
	struct ms_key key;

	/* The Ethernet source first: it is what every switch on the way learns. */
	if (len >= 14) {
		if (nic == MS_MAC_NONE)
			return decision(MS_VERDICT_DROP, MS_REASON_NO_NIC, 0);
		if (ms_mac_word(frame + 6) != nic)
			return decision(MS_VERDICT_DROP, MS_REASON_MAC_SPOOF, 0);
	}
	ms_parse(frame, len, &pkt);
	switch (pkt.kind) {
	case MS_PKT_PORTS:
		flow_key(t, &key, pkt.flow.saddr, pkt.flow.family, pkt.flow.proto, pkt.flow.sport,
			 &rec);
		d = egress_from(core, t, &key, ms_hash(&key, t->seed), rec, len, owner);
		break;
	case MS_PKT_FRAG_LATER:
		if (ms_frag_recall(core, MS_DIR_EGRESS, &pkt, &d) && d.verdict == MS_VERDICT_NIC &&
		    d.owner == owner)
			return decision(MS_VERDICT_NIC, MS_REASON_FRAG_HIT, 0);
		return decision(MS_VERDICT_DROP, MS_REASON_FRAG_MISS, 0);
	case MS_PKT_ICMP_ERROR:
		d = egress_icmp_error(core, t, &pkt, len, owner);
		break;
	case MS_PKT_ARP:
		/* Peers cache the sender's pair: both halves must be the port's own. */
		if (is_nic_mac(nic, pkt.arp_sha) &&
		    owner_claims(t, pkt.arp_sender, MS_FAMILY_INET, owner))
			return decision(MS_VERDICT_NIC, MS_REASON_ARP, 0);
		return decision(MS_VERDICT_DROP, MS_REASON_ARP_SPOOF, 0);
	case MS_PKT_ND:
		return egress_nd(t, &pkt, owner, nic);
	case MS_PKT_NO_PORTS:
		d = decision(MS_VERDICT_DROP, MS_REASON_NO_PORTS, 0);
		break;
	case MS_PKT_NOT_IP:
		return decision(MS_VERDICT_DROP, MS_REASON_NOT_IP, 0);
	default:
		return decision(MS_VERDICT_DROP, pkt.reason, 0);
	}
	if (pkt.first_fragment) {
		struct ms_decision remembered = d;

		remembered.owner = owner; /* later fragments must come from the same port */
		ms_frag_remember(core, MS_DIR_EGRESS, &pkt, remembered);
	}
	return d;
}

static __attribute__((__noinline__, __cold__)) struct ms_decision
egress_slow(struct ms_core *core, const uint8_t *frame, uint32_t len, uint16_t src_owner)
{
	struct ms_table *t = MS_LOAD_ACQUIRE(&core->table);

	return ms_count_decision(core, MS_DIR_EGRESS, egress_one(core, t, frame, len, src_owner));
}

/*
 * A fast-path frame from no exact tuple while a wildcard may hold it.  As
 * ingress_rest(), it takes the frame.
 */
static __attribute__((__noinline__)) struct ms_decision
egress_rest(struct ms_core *core, struct ms_table *t, const uint8_t *frame, uint32_t len,
	    uint16_t src_owner)
{
	const struct ms_addr6 *rec;
	struct ms_key key;

	if (!fast_egress_key(core, t, &key, frame, len, &rec))
		return egress_slow(core, frame, len, src_owner);
	return ms_count_decision(
	    core, MS_DIR_EGRESS,
	    egress_from(core, t, &key, ms_hash(&key, t->seed), rec, len, src_owner));
}

/* As ingress_decide(), for a frame from src_owner's port. */
static MS_ALWAYS_INLINE struct ms_decision egress_decide(struct ms_core *core, struct ms_table *t,
							 uint64_t check,
							 const struct ms_addr6_index *seen,
							 const uint8_t *frame, uint32_t len,
							 uint16_t src_owner)
{
	struct ms_probe_at p;

	switch (ms_table_probe(t, check, &p)) {
	case MS_PROBE_HIT:
		if (MS_UNLIKELY(seen && MS_LOAD(&core->addr6_index) != seen))
			break; /* the number may have gone to another address meanwhile */
		if (MS_UNLIKELY((uint16_t) (p.owner_check >> MS_CHECK_OWNER_BIT) != src_owner))
			return ms_count_decision(core, MS_DIR_EGRESS,
						 decision(MS_VERDICT_DROP, MS_REASON_NOT_OWNER, 0));
		ms_tally_hit_slot(p.bucket, p.slot, len);
		return ms_count_decision(core, MS_DIR_EGRESS,
					 decision(MS_VERDICT_NIC, MS_REASON_TUPLE_HIT, 0));
	case MS_PROBE_MISS:
		/* A frame from a tuple nobody holds is what a misbehaving stack
		 * floods with: dropped here, without a second lookup. */
		if (MS_LIKELY(!MS_LOAD(&core->wildcards[(check & MS_CHECK_V6) != 0])))
			return ms_count_decision(core, MS_DIR_EGRESS,
						 decision(MS_VERDICT_DROP, MS_REASON_NO_MATCH, 0));
		break;
	default:
		break;
	}
	return egress_rest(core, t, frame, len, src_owner);
}

struct ms_decision ms_egress(struct ms_core *core, const uint8_t *frame, uint32_t len,
			     uint16_t src_owner)
{
	const struct ms_addr6_index *seen;
	struct ms_table *t;
	uint64_t check;

	if (MS_LIKELY(ms_ipv4_simple(frame, len))) {
		if (MS_LIKELY(fast_source_is_nic(core, frame, MS_FAMILY_INET))) {
			t = MS_LOAD_ACQUIRE(&core->table);
			return egress_decide(core, t, fast_check4(frame, true),
					     (const struct ms_addr6_index *) 0, frame, len,
					     src_owner);
		}
	} else if (ms_ipv6_simple(frame, len)) {
		if (MS_LIKELY(fast_source_is_nic(core, frame, MS_FAMILY_INET6))) {
			t = MS_LOAD_ACQUIRE(&core->table);
			check = fast_check6_of(core, frame, true, &seen);
			if (MS_UNLIKELY(!check))
				return egress_slow(core, frame, len, src_owner);
			if (MS_UNLIKELY(check_unnumbered(check)) &&
			    MS_LIKELY(!MS_LOAD(&core->wildcards[1])))
				return ms_count_decision(
				    core, MS_DIR_EGRESS,
				    decision(MS_VERDICT_DROP, MS_REASON_NO_MATCH, 0));
			return egress_decide(core, t, check, seen, frame, len, src_owner);
		}
	}
	return egress_slow(core, frame, len, src_owner);
}

/*
 * A fast-path frame's check word (and an IPv6 frame's address index), or 0
 * for any other frame.
 */
static MS_ALWAYS_INLINE uint64_t fast_check(struct ms_core *core, const uint8_t *f, uint32_t len,
					    bool egress, const struct ms_addr6_index **seen)
{
	*seen = (const struct ms_addr6_index *) 0;
	if (MS_LIKELY(ms_ipv4_simple(f, len)))
		return !egress || fast_source_is_nic(core, f, MS_FAMILY_INET)
			   ? fast_check4(f, egress)
			   : 0u;
	if (ms_ipv6_simple(f, len))
		return !egress || fast_source_is_nic(core, f, MS_FAMILY_INET6)
			   ? fast_check6_of(core, f, egress, seen)
			   : 0u;
	return 0u;
}

/*
 * Batches: frame i is decided while frame i + 2 * MS_AHEAD has its bucket
 * lines prefetched (ms_table_prefetch()) and frame i + 3 * MS_AHEAD its
 * header.  The cache misses of a few dozen frames overlap instead of
 * following one another.  Frames off the fast path are decided one by one,
 * in order, when their turn comes.  The whole batch is one read-side
 * section: the table and the address indexes read ahead stay valid memory
 * until it ends.
 */
#define MS_AHEAD 8u
#define MS_RING	 32u /* > 2 * MS_AHEAD, a power of two */

static MS_ALWAYS_INLINE void decide_batch(struct ms_core *core, const uint8_t *const *frames,
					  const uint32_t *lens, uint32_t n, bool egress,
					  uint16_t src_owner, struct ms_decision *out)
{
	struct ms_table *t = MS_LOAD_ACQUIRE(&core->table);
	uint64_t check[MS_RING]; /* 0: not on the fast path */
	const struct ms_addr6_index *seen[MS_RING];
	uint32_t i, f, j;

	if (t->buckets < MS_TABLE_LARGE_BUCKETS) {
		for (i = 0; i < n; i++)
			out[i] = egress ? ms_egress(core, frames[i], lens[i], src_owner)
					: ms_ingress(core, frames[i], lens[i]);
		return;
	}
	for (i = 0; i < n && i < 3 * MS_AHEAD; i++)
		MS_PREFETCH(frames[i]);
	for (i = 0; i < n + 2 * MS_AHEAD; i++) {
		if (i < n) {
			j = i % MS_RING;
			if (i + 3 * MS_AHEAD < n)
				MS_PREFETCH(frames[i + 3 * MS_AHEAD]);
			check[j] = fast_check(core, frames[i], lens[i], egress, &seen[j]);
			if (check[j] && !check_unnumbered(check[j]))
				ms_table_prefetch(t, ms_hash4(check[j], t->seed), check[j]);
		}
		if (i < 2 * MS_AHEAD)
			continue;
		f = i - 2 * MS_AHEAD;
		j = f % MS_RING;
		if (!check[j])
			out[f] = egress ? egress_slow(core, frames[f], lens[f], src_owner)
					: ingress_slow(core, frames[f], lens[f]);
		else if (egress)
			out[f] = egress_decide(core, t, check[j], seen[j], frames[f], lens[f],
					       src_owner);
		else
			out[f] = ingress_decide(core, t, check[j], seen[j], frames[f], lens[f]);
	}
}

void ms_ingress_batch(struct ms_core *core, const uint8_t *const *frames, const uint32_t *lens,
		      uint32_t n, struct ms_decision *out)
{
	decide_batch(core, frames, lens, n, false, 0, out);
}

void ms_egress_batch(struct ms_core *core, const uint8_t *const *frames, const uint32_t *lens,
		     uint32_t n, uint16_t src_owner, struct ms_decision *out)
{
	decide_batch(core, frames, lens, n, true, src_owner, out);
}

/*
 * A frame's buckets on their way to the cache before its turn: all the
 * kernel can do across netmap's batch, which reaches its lookup one frame
 * at a time.  Frames off the fast path, and tables that fit in the cache,
 * take nothing.  The frame need not be one that will be decided.
 */
static MS_ALWAYS_INLINE void prefetch_frame(struct ms_core *core, const uint8_t *frame,
					    uint32_t len, bool egress)
{
	struct ms_table *t = MS_LOAD_ACQUIRE(&core->table);
	const struct ms_addr6_index *seen;
	uint64_t check;

	if (t->buckets < MS_TABLE_LARGE_BUCKETS)
		return;
	check = fast_check(core, frame, len, egress, &seen);
	if (check && !check_unnumbered(check))
		ms_table_prefetch(t, ms_hash4(check, t->seed), check);
}

void ms_ingress_prefetch(struct ms_core *core, const uint8_t *frame, uint32_t len)
{
	prefetch_frame(core, frame, len, false);
}

void ms_egress_prefetch(struct ms_core *core, const uint8_t *frame, uint32_t len)
{
	prefetch_frame(core, frame, len, true);
}

int ms_lookup(struct ms_core *core, const struct ms_tuple *tuple)
{
	struct ms_table *t = MS_LOAD_ACQUIRE(&core->table);
	uint32_t *tally;
	uint16_t owner;

	if (!ms_tuple_valid(tuple))
		return -1;
	return find_flow(core, t, tuple->addr, tuple->family, tuple->proto, tuple->port, &owner,
			 &tally)
		   ? owner
		   : -1;
}

/* Counting for the glue: the same per-CPU blocks, the same exactness, as the decisions. */
void ms_core_count(struct ms_core *core, enum ms_direction dir, enum ms_reason reason)
{
	if ((unsigned) dir >= MS_DIR__COUNT || (unsigned) reason >= MS_REASON__COUNT)
		return;
	ms_count_reason(core, dir, reason, 1);
}

struct ms_decision ms_core_override(struct ms_core *core, enum ms_direction dir,
				    struct ms_decision decided, enum ms_reason reason)
{
	if ((unsigned) dir >= MS_DIR__COUNT || (unsigned) reason >= MS_REASON__COUNT ||
	    decided.reason >= MS_REASON__COUNT)
		return decided;
	/* Counters are unsigned: should this CPU's block not hold the count being
	 * moved, it wraps, and the sum over CPUs is still exact. */
	ms_count_reason(core, dir, decided.reason, (uint64_t) -1);
	ms_count_reason(core, dir, reason, 1);
	return decision((uint8_t) ms_reason_verdict(reason, dir), (uint8_t) reason, 0);
}
