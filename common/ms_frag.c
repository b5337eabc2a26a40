// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fragment memory: later fragments carry no ports, so they follow the
 * decision made for the first fragment of the same datagram (same
 * direction, addresses, protocol and identification).  A small direct-mapped
 * array per direction, overwritten on collision and aged out after
 * MS_FRAG_TIMEOUT_MS.  It is written from the forwarding path on many CPUs
 * at once, so each slot is a sequence lock whose writer only ever tries:
 * a busy slot is skipped rather than waited for, and a reader that sees a
 * slot change under it treats it as a miss.
 */
#include "ms_internal.h"

static uint32_t frag_slot_index(const struct ms_pkt *pkt)
{
	struct ms_key k;
	uint64_t h;
	unsigned i, n = pkt->flow.family == MS_FAMILY_INET ? 4 : 16;

	ms_key_from_addr(&k, pkt->flow.saddr, pkt->flow.family);
	h = k.w[0] ^ k.w[1] ^ (uint64_t) pkt->frag_id << 32 ^ pkt->flow.proto;
	for (i = 0; i < n; i++)
		h = (h ^ pkt->flow.daddr[i]) * 0x100000001b3ull;
	h ^= h >> 31;
	return (uint32_t) h & (MS_FRAG_SLOTS - 1);
}

static bool frag_slot_matches(const struct ms_frag_slot *s, const struct ms_pkt *pkt)
{
	unsigned n = pkt->flow.family == MS_FAMILY_INET ? 4 : 16;

	return s->family == pkt->flow.family && s->proto == pkt->flow.proto &&
	       s->id == pkt->frag_id && __builtin_memcmp(s->src, pkt->flow.saddr, n) == 0 &&
	       __builtin_memcmp(s->dst, pkt->flow.daddr, n) == 0;
}

void ms_frag_remember(struct ms_core *core, enum ms_direction dir, const struct ms_pkt *pkt,
		      struct ms_decision decision)
{
	struct ms_frag_slot *s = &core->frag[dir][frag_slot_index(pkt)];
	unsigned n = pkt->flow.family == MS_FAMILY_INET ? 4 : 16;
	uint32_t seq = MS_LOAD(&s->seq);

	if ((seq & 1) || !__atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false,
						      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return; /* another CPU is writing this slot: losing one memory is harmless */
	s->family = pkt->flow.family;
	s->proto = pkt->flow.proto;
	s->id = pkt->frag_id;
	__builtin_memcpy(s->src, pkt->flow.saddr, n);
	__builtin_memcpy(s->dst, pkt->flow.daddr, n);
	s->verdict = decision.verdict;
	s->owner = decision.owner;
	s->stamp_ms = (uint32_t) ms_os_now_ms();
	MS_STORE_RELEASE(&s->seq, seq + 2);
}

bool ms_frag_recall(struct ms_core *core, enum ms_direction dir, const struct ms_pkt *pkt,
		    struct ms_decision *decision)
{
	const struct ms_frag_slot *s = &core->frag[dir][frag_slot_index(pkt)];
	uint32_t seq = MS_LOAD_ACQUIRE(&s->seq);
	bool hit;
	uint8_t verdict;
	uint16_t owner;
	uint32_t age;

	if (seq & 1)
		return false;
	hit = frag_slot_matches(s, pkt);
	verdict = s->verdict;
	owner = s->owner;
	age = (uint32_t) ms_os_now_ms() - s->stamp_ms;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (MS_LOAD(&s->seq) != seq || !hit || age > MS_FRAG_TIMEOUT_MS)
		return false;
	decision->verdict = verdict;
	decision->owner = owner;
	return true;
}
