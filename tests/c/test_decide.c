// SPDX-License-Identifier: BSD-2-Clause
/*
 * Decisions on hand-built frames, and every truncation of them: a frame cut
 * at any length must get a verdict without reading past its end (this test
 * copies each prefix into an exactly sized heap block, so ASan catches any
 * over-read).
 */
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "ms_test.h"
#include "multistack/ms_core.h"
#include "multistack/ms_user.h"

static const uint8_t host_a[4] = { 10, 0, 0, 2 }, host_b[4] = { 10, 0, 0, 9 };
static const uint8_t six_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t six_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

static struct ms_core *core_with_tuples(void)
{
	struct ms_core *core;
	struct ms_tuple t;

	if (ms_core_create(&core) != MS_OK)
		abort();
	/* frames.h sends from aa:aa:aa:aa:aa:aa: the NIC's address, as a switch would tell it */
	ms_core_set_nic_mac(core, (const uint8_t[6]){ 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa });
	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET;
	t.proto = MS_PROTO_UDP;
	t.port = 53;
	memcpy(t.addr, host_a, 4);
	if (ms_bind(core, &t, 1, NULL) != MS_OK)
		abort();
	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET6;
	t.proto = MS_PROTO_TCP;
	t.port = 80;
	memcpy(t.addr, six_a, 16);
	if (ms_bind(core, &t, 2, NULL) != MS_OK)
		abort();
	return core;
}

static struct ms_decision ingress_copy(struct ms_core *core, const uint8_t *f, uint32_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct ms_decision d;

	memcpy(copy, f, len);
	d = ms_ingress(core, copy, len);
	free(copy);
	return d;
}

static void test_hits_and_misses(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t f[256];
	uint32_t len;
	struct ms_decision d;
	struct ms_stats st;

	len = frame_ipv4(f, MS_PROTO_UDP, host_b, host_a, 4000, 53, 8);
	d = ms_ingress(core, f, len);
	CHECK_EQ(d.verdict, MS_VERDICT_PORT);
	CHECK_EQ(d.reason, MS_REASON_TUPLE_HIT);
	CHECK_EQ(d.owner, 1);
	len = frame_ipv4(f, MS_PROTO_UDP, host_b, host_a, 4000, 54, 8);
	d = ms_ingress(core, f, len);
	CHECK_EQ(d.verdict, MS_VERDICT_HOST);
	CHECK_EQ(d.reason, MS_REASON_NO_MATCH);
	len = frame_ipv6(f, MS_PROTO_TCP, six_b, six_a, 5000, 80, 20);
	d = ms_ingress(core, f, len);
	CHECK_EQ(d.verdict, MS_VERDICT_PORT);
	CHECK_EQ(d.owner, 2);
	/* egress: owner 1 may send from its tuple, owner 2 may not */
	len = frame_ipv4(f, MS_PROTO_UDP, host_a, host_b, 53, 4000, 8);
	CHECK_EQ(ms_egress(core, f, len, 1).verdict, MS_VERDICT_NIC);
	d = ms_egress(core, f, len, 2);
	CHECK_EQ(d.verdict, MS_VERDICT_DROP);
	CHECK_EQ(d.reason, MS_REASON_NOT_OWNER);
	ms_stats_read(core, &st);
	CHECK_EQ(st.reason[MS_DIR_INGRESS][MS_REASON_TUPLE_HIT], 2);
	CHECK_EQ(st.reason[MS_DIR_INGRESS][MS_REASON_NO_MATCH], 1);
	CHECK_EQ(st.reason[MS_DIR_EGRESS][MS_REASON_NOT_OWNER], 1);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static void test_vlan(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t plain[256], f[256];
	uint32_t len = frame_ipv4(plain, MS_PROTO_UDP, host_b, host_a, 1, 53, 8);
	unsigned tags;

	for (tags = 0; tags <= 3; tags++) {
		unsigned i;
		struct ms_decision d;

		memcpy(f, plain, 12);
		for (i = 0; i < tags; i++) {
			put16(f + 12 + 4 * i, i ? 0x8100 : 0x88a8);
			put16(f + 14 + 4 * i, 100);
		}
		memcpy(f + 12 + 4 * tags, plain + 12, len - 12);
		d = ms_ingress(core, f, len + 4 * tags);
		if (tags <= 2) {
			CHECK_EQ(d.reason, MS_REASON_TUPLE_HIT);
		} else {
			CHECK_EQ(d.reason, MS_REASON_VLAN_TOO_DEEP);
		}
	}
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static void test_fragments(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t first[256], later[256];
	uint32_t len = frame_ipv4(first, MS_PROTO_UDP, host_b, host_a, 9, 53, 16);
	struct ms_decision d;

	first[14 + 4] = 0x12; /* id */
	first[14 + 6] = 0x20; /* more fragments, offset 0 */
	memcpy(later, first, len);
	later[14 + 6] = 0x00;
	later[14 + 7] = 2; /* offset 16 bytes, last */
	d = ms_ingress(core, later, len);
	CHECK_EQ(d.reason, MS_REASON_FRAG_MISS);
	CHECK_EQ(ms_ingress(core, first, len).owner, 1);
	d = ms_ingress(core, later, len);
	CHECK_EQ(d.verdict, MS_VERDICT_PORT);
	CHECK_EQ(d.reason, MS_REASON_FRAG_HIT);
	CHECK_EQ(d.owner, 1);
	ms_user_advance_clock_ms(60000);
	CHECK_EQ(ms_ingress(core, later, len).reason, MS_REASON_FRAG_MISS);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/* Every prefix of every frame: a verdict, no over-read, and only malformed reasons when cut. */
static void test_every_truncation(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t f[5][256];
	uint32_t lens[5], i, cut;

	lens[0] = frame_ipv4(f[0], MS_PROTO_UDP, host_b, host_a, 1, 53, 8);
	lens[1] = frame_ipv6(f[1], MS_PROTO_TCP, six_b, six_a, 1, 80, 20);
	lens[2] = frame_ipv4(f[2], 1, host_b, host_a, 0, 0, 36); /* ICMP, quote filled below */
	f[2][34] = 3;
	f[2][42] = 0x45;
	lens[3] = frame_ipv6(f[3], 0, six_b, six_a, 0, 0, 16); /* hop-by-hop, then UDP */
	f[3][54] = MS_PROTO_UDP;
	lens[4] = eth_header(f[4], 0x0806) + 28;
	memset(f[4] + 14, 0, 28);
	put16(f[4] + 14, 1);
	put16(f[4] + 16, 0x0800);
	f[4][18] = 6;
	f[4][19] = 4;
	for (i = 0; i < 5; i++)
		for (cut = 0; cut <= lens[i]; cut++) {
			struct ms_decision d = ingress_copy(core, f[i], cut);

			CHECK(d.verdict < MS_VERDICT__COUNT && d.reason < MS_REASON__COUNT);
			CHECK_EQ(ms_reason_verdict(d.reason, MS_DIR_INGRESS), d.verdict);
		}
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/* The NIC's address as core_with_tuples() tells it, and another one. */
static const uint8_t nic_mac[6] = { 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa };
static const uint8_t other_mac[6] = { 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xab };

static struct ms_decision egress_copy(struct ms_core *core, const uint8_t *f, uint32_t len,
				      uint16_t owner)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct ms_decision d;

	memcpy(copy, f, len);
	d = ms_egress(core, copy, len, owner);
	free(copy);
	return d;
}

static uint32_t frame_arp(uint8_t *f, const uint8_t sha[6], const uint8_t spa[4])
{
	uint32_t off = eth_header(f, 0x0806);

	memset(f + off, 0, 28);
	put16(f + off, 1);
	put16(f + off + 2, 0x0800);
	f[off + 4] = 6;
	f[off + 5] = 4;
	put16(f + off + 6, 2);
	memcpy(f + off + 8, sha, 6);
	memcpy(f + off + 14, spa, 4);
	return off + 28;
}

/* A neighbour solicitation from src with one source link-layer address option. */
static uint32_t frame_ns(uint8_t *f, const uint8_t src[16], const uint8_t lladdr[6])
{
	static const uint8_t solicited[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 };
	uint32_t len = frame_ipv6(f, 58, src, solicited, 0, 0, 32);
	uint8_t *icmp = f + 54;

	f[14 + 7] = 255;
	memset(icmp, 0, 32);
	icmp[0] = 135;
	memcpy(icmp + 8, six_b, 16);
	icmp[24] = 1;
	icmp[25] = 1;
	memcpy(icmp + 26, lladdr, 6);
	return len;
}

static void expect(struct ms_decision d, enum ms_verdict verdict, enum ms_reason reason)
{
	CHECK_EQ(d.verdict, verdict);
	CHECK_EQ(d.reason, reason);
}

static void test_ethernet_source(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t f[256], mac[6];
	uint32_t len = frame_ipv4(f, MS_PROTO_UDP, host_a, host_b, 53, 4000, 8);
	uint32_t len6 = frame_ipv6(f + 128, MS_PROTO_TCP, six_a, six_b, 80, 4000, 20);

	ms_core_set_nic_mac(core, nic_mac);
	CHECK(ms_core_nic_mac(core, mac) && memcmp(mac, nic_mac, 6) == 0);
	expect(ms_egress(core, f, len, 1), MS_VERDICT_NIC, MS_REASON_TUPLE_HIT);
	expect(ms_egress(core, f + 128, len6, 2), MS_VERDICT_NIC, MS_REASON_TUPLE_HIT);
	f[11] ^= 1;
	f[128 + 6] ^= 0x80;
	expect(ms_egress(core, f, len, 1), MS_VERDICT_DROP, MS_REASON_MAC_SPOOF);
	expect(ms_egress(core, f + 128, len6, 2), MS_VERDICT_DROP, MS_REASON_MAC_SPOOF);
	ms_core_set_nic_mac(core, other_mac);
	expect(ms_egress(core, f, len, 1), MS_VERDICT_NIC, MS_REASON_TUPLE_HIT);
	ms_core_clear_nic_mac(core);
	CHECK(!ms_core_nic_mac(core, mac));
	expect(ms_egress(core, f, len, 1), MS_VERDICT_DROP, MS_REASON_NO_NIC);
	expect(ms_egress(core, f + 128, len6, 2), MS_VERDICT_DROP, MS_REASON_NO_NIC);
	/* ingress does not look at the NIC's address */
	len = frame_ipv4(f, MS_PROTO_UDP, host_b, host_a, 4000, 53, 8);
	expect(ms_ingress(core, f, len), MS_VERDICT_PORT, MS_REASON_TUPLE_HIT);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static void test_arp_and_nd_addresses(void)
{
	struct ms_core *core = core_with_tuples();
	static const uint8_t zero4[4];
	uint8_t f[256];
	uint32_t len;

	ms_core_set_nic_mac(core, nic_mac);
	len = frame_arp(f, nic_mac, host_a);
	expect(ms_egress(core, f, len, 1), MS_VERDICT_NIC, MS_REASON_ARP);
	expect(ms_egress(core, f, len, 2), MS_VERDICT_DROP, MS_REASON_ARP_SPOOF);
	len = frame_arp(f, other_mac, host_a);
	expect(ms_egress(core, f, len, 1), MS_VERDICT_DROP, MS_REASON_ARP_SPOOF);
	len = frame_arp(f, nic_mac, zero4);
	expect(ms_egress(core, f, len, 1), MS_VERDICT_DROP, MS_REASON_ARP_SPOOF);
	len = frame_ns(f, six_a, nic_mac);
	expect(ms_egress(core, f, len, 2), MS_VERDICT_NIC, MS_REASON_ND);
	expect(ms_egress(core, f, len, 1), MS_VERDICT_DROP, MS_REASON_ND_SPOOF);
	len = frame_ns(f, six_a, other_mac);
	expect(ms_egress(core, f, len, 2), MS_VERDICT_DROP, MS_REASON_ND_SPOOF);
	len = frame_ns(f, six_a, nic_mac);
	f[54 + 25] = 0; /* an option of length zero */
	expect(ms_egress(core, f, len, 2), MS_VERDICT_DROP, MS_REASON_BAD_ND);
	f[54 + 25] = 2; /* an option past the message's end */
	expect(ms_egress(core, f, len, 2), MS_VERDICT_DROP, MS_REASON_BAD_ND);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

static void test_glue_counters(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t f[256];
	uint32_t len = frame_ipv4(f, MS_PROTO_UDP, host_b, host_a, 4000, 54, 8);
	struct ms_decision d = ms_ingress(core, f, len);
	struct ms_stats st;

	expect(d, MS_VERDICT_HOST, MS_REASON_NO_MATCH);
	d = ms_core_override(core, MS_DIR_INGRESS, d, MS_REASON_NO_HOST_PORT);
	expect(d, MS_VERDICT_DROP, MS_REASON_NO_HOST_PORT);
	ms_core_count(core, MS_DIR_EGRESS, MS_REASON_NO_NIC);
	ms_core_count(core, MS_DIR_EGRESS, MS_REASON__COUNT);
	d = ms_core_override(core, MS_DIR_INGRESS, d, MS_REASON__COUNT);
	expect(d, MS_VERDICT_DROP, MS_REASON_NO_HOST_PORT);
	ms_stats_read(core, &st);
	CHECK_EQ(st.reason[MS_DIR_INGRESS][MS_REASON_NO_MATCH], 0);
	CHECK_EQ(st.reason[MS_DIR_INGRESS][MS_REASON_NO_HOST_PORT], 1);
	CHECK_EQ(st.reason[MS_DIR_EGRESS][MS_REASON_NO_NIC], 1);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/* Egress over every prefix, with the NIC's address known and not: no over-read, a sane verdict. */
static void test_every_egress_truncation(void)
{
	struct ms_core *core = core_with_tuples();
	uint8_t f[4][256];
	uint32_t lens[4], i, cut;
	unsigned known;

	lens[0] = frame_ipv4(f[0], MS_PROTO_UDP, host_a, host_b, 53, 1, 8);
	lens[1] = frame_arp(f[1], nic_mac, host_a);
	lens[2] = frame_ns(f[2], six_a, nic_mac);
	lens[3] = frame_ipv6(f[3], MS_PROTO_TCP, six_a, six_b, 80, 1, 20);
	for (known = 0; known < 2; known++) {
		if (known)
			ms_core_set_nic_mac(core, nic_mac);
		else
			ms_core_clear_nic_mac(core);
		for (i = 0; i < 4; i++)
			for (cut = 0; cut <= lens[i]; cut++) {
				uint16_t owner = i < 2 ? 1 : 2;
				struct ms_decision d = egress_copy(core, f[i], cut, owner);

				CHECK(d.verdict < MS_VERDICT__COUNT && d.reason < MS_REASON__COUNT);
				CHECK_EQ(ms_reason_verdict(d.reason, MS_DIR_EGRESS), d.verdict);
				if (!known)
					CHECK_EQ(d.verdict, MS_VERDICT_DROP);
				else if (cut == lens[i])
					CHECK_EQ(d.verdict, MS_VERDICT_NIC);
			}
	}
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/*
 * The look-ahead's schedule: every frame of a batch is hinted exactly once,
 * MS_PREFETCH_AHEAD frames before its turn (the first ones by the batch's
 * first frame), and its first line fetched twice as far ahead; nothing past
 * the batch.
 */
static void test_ahead_plan(void)
{
	for (uint32_t n = 1; n <= 3 * MS_PREFETCH_AHEAD + 3; n++) {
		uint32_t hinted[3 * MS_PREFETCH_AHEAD + 3] = { 0 }, touched = 0;

		for (uint32_t at = 0; at < n; at++) {
			uint32_t from, to, touch = ms_ahead_plan(at, n, &from, &to);

			CHECK(from <= to && to <= n && (from > at || from == to));
			for (uint32_t i = from; i < to; i++) {
				hinted[i]++;
				CHECK(at == 0 || i == at + MS_PREFETCH_AHEAD);
			}
			CHECK(touch == n || (touch == at + 2 * MS_PREFETCH_AHEAD && touch < n));
			touched += touch < n;
		}
		for (uint32_t i = 1; i < n; i++)
			CHECK_EQ(hinted[i], 1u);
		CHECK_EQ(hinted[0], 0u);
		CHECK_EQ(touched, n > 2 * MS_PREFETCH_AHEAD ? n - 2 * MS_PREFETCH_AHEAD : 0u);
	}
}

/*
 * A prefetch hint, in either direction, for every frame cut at every length
 * (each cut in a buffer of exactly that size, so that a read past it is the
 * sanitizer's to catch): no counter moves and every frame is then decided
 * as before.
 */
static void prefetch_changes_nothing(struct ms_core *core, const uint8_t *const *frames,
				     const uint32_t *lens, uint32_t n)
{
	struct ms_decision before[600];
	struct ms_stats stats_before, stats_after;
	uint32_t i, cut;

	CHECK(n <= 600);
	CHECK(ms_prefetch_pays(core)); /* the table is past the caches: the hints do work */
	for (i = 0; i < n; i++)
		before[i] = ms_ingress(core, frames[i], lens[i]);
	ms_stats_read(core, &stats_before);
	for (i = 0; i < n; i++)
		for (cut = 0; cut <= lens[i]; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);

			memcpy(copy, frames[i], cut);
			ms_ingress_prefetch(core, copy, cut);
			ms_egress_prefetch(core, copy, cut);
			free(copy);
		}
	ms_stats_read(core, &stats_after);
	CHECK(memcmp(&stats_before, &stats_after, sizeof(stats_before)) == 0);
	for (i = 0; i < n; i++) {
		struct ms_decision d = ms_ingress(core, frames[i], lens[i]);

		CHECK(d.verdict == before[i].verdict && d.reason == before[i].reason &&
		      d.owner == before[i].owner);
	}
}

/*
 * With a table large enough for the batch pipeline (it prefetches only past
 * 4,096 buckets), batches decide every frame as single calls do: IPv4 and
 * IPv6 fast-path hits and misses, wildcard hits, another owner's tuple, a
 * spoofed source, and frames only the general parser handles (tagged, ICMP).
 */
static void test_batches_at_scale(void)
{
	enum { TUPLES = 20000, FRAMES = 600 };
	static uint8_t pool[FRAMES][128];
	const uint8_t *frames[FRAMES];
	uint32_t lens[FRAMES], i;
	struct ms_decision batch[FRAMES];
	struct ms_core *core;
	struct ms_tuple t;

	if (ms_core_create(&core) != MS_OK)
		abort();
	CHECK(!ms_prefetch_pays(core)); /* a fresh table fits the caches */
	ms_core_set_nic_mac(core, (const uint8_t[6]){ 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa });
	for (i = 0; i < TUPLES; i++) {
		memset(&t, 0, sizeof(t));
		t.family = i & 1 ? MS_FAMILY_INET6 : MS_FAMILY_INET;
		t.proto = i & 2 ? MS_PROTO_TCP : MS_PROTO_UDP;
		t.port = (uint16_t) (1000 + i / 4);
		t.addr[0] = t.family == MS_FAMILY_INET ? 10 : 0x20;
		t.addr[t.family == MS_FAMILY_INET ? 3 : 15] = (uint8_t) (1 + i % 4);
		CHECK_EQ(ms_bind(core, &t, (uint16_t) (1 + i % 3), NULL), MS_OK);
	}
	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET6;
	t.proto = MS_PROTO_UDP;
	t.port = 7;
	CHECK_EQ(ms_bind(core, &t, 2, NULL), MS_OK); /* a wildcard */
	for (i = 0; i < FRAMES; i++) {
		uint32_t k = (i * 7919u) % (TUPLES + 400); /* past TUPLES: misses */
		uint8_t a4[4] = { 10, 0, 0, (uint8_t) (1 + k % 4) }, a6[16] = { 0x20, [15] = 0 };
		uint16_t port = (uint16_t) (1000 + k / 4), other = 4000;
		uint8_t proto = k & 2 ? MS_PROTO_TCP : MS_PROTO_UDP;
		uint8_t *f = pool[i];

		a6[15] = (uint8_t) (1 + k % 4);
		if (i % 29 == 0) {
			port = 7; /* the wildcard */
			proto = MS_PROTO_UDP;
			k |= 1;
		}
		if (i % 2 == 0) /* ingress: the tuple is the destination */
			lens[i] = k & 1 ? frame_ipv6(f, proto, six_b, a6, other, port, 20)
					: frame_ipv4(f, proto, host_b, a4, other, port, 20);
		else
			lens[i] = k & 1 ? frame_ipv6(f, proto, a6, six_b, port, other, 20)
					: frame_ipv4(f, proto, a4, host_b, port, other, 20);
		if (i % 31 == 0)
			f[7] ^= 1; /* not the NIC's address */
		if (i % 37 == 0) { /* an 802.1Q tag: the general parser's */
			memmove(f + 16, f + 12, lens[i] - 12);
			put16(f + 12, 0x8100);
			put16(f + 14, 5);
			lens[i] += 4;
		}
		frames[i] = f;
	}
	ms_ingress_batch(core, frames, lens, FRAMES, batch);
	for (i = 0; i < FRAMES; i++) {
		struct ms_decision one = ms_ingress(core, frames[i], lens[i]);

		CHECK(one.verdict == batch[i].verdict && one.reason == batch[i].reason &&
		      one.owner == batch[i].owner);
	}
	CHECK(batch[2].verdict == MS_VERDICT_PORT || batch[4].verdict == MS_VERDICT_PORT);
	for (uint16_t owner = 1; owner <= 3; owner++) {
		unsigned sent = 0;

		ms_egress_batch(core, frames, lens, FRAMES, owner, batch);
		for (i = 0; i < FRAMES; i++) {
			struct ms_decision one = ms_egress(core, frames[i], lens[i], owner);

			CHECK(one.verdict == batch[i].verdict && one.reason == batch[i].reason);
			sent += one.verdict == MS_VERDICT_NIC;
		}
		CHECK(sent > 0);
	}
	prefetch_changes_nothing(core, frames, lens, FRAMES);
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
}

/*
 * Every registered tuple found frame by frame, in both directions, and
 * every removed one missed, after rounds of registrations and removals that
 * fill a table to its growth point and move keys between their buckets: in
 * a table that fits the cache (1,000 tuples) and one that does not (20,000),
 * IPv4 (decided from the bucket line) and IPv6 (confirmed against entries).
 */
static uint32_t churn_frame(uint8_t *f, const struct ms_tuple *t, bool to_tuple)
{
	static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x99 };

	if (t->family == MS_FAMILY_INET)
		return to_tuple ? frame_ipv4(f, t->proto, host_b, t->addr, 4000, t->port, 20)
				: frame_ipv4(f, t->proto, t->addr, host_b, t->port, 4000, 20);
	return to_tuple ? frame_ipv6(f, t->proto, peer6, t->addr, 4000, t->port, 20)
			: frame_ipv6(f, t->proto, t->addr, peer6, t->port, 4000, 20);
}

static void churn_round(uint32_t tuples, uint8_t family)
{
	struct ms_tuple *held = calloc(tuples, sizeof(*held));
	uint8_t *gone = calloc(tuples, 1), f[128];
	uint32_t i, round, seed = 12345;
	struct ms_core *core;

	if (!held || !gone || ms_core_create(&core) != MS_OK)
		abort();
	ms_core_set_nic_mac(core, (const uint8_t[6]){ 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa });
	for (round = 0; round < 4; round++) {
		for (i = 0; i < tuples; i++) {
			if (round && (seed = seed * 1103515245u + 12345u) >> 31) /* half stay */
				continue;
			if (round && !gone[i])
				CHECK_EQ(ms_unbind(core, &held[i], (uint16_t) (1 + i % 5), NULL),
					 MS_OK);
			seed = seed * 1103515245u + 12345u;
			memset(&held[i], 0, sizeof(held[i]));
			held[i].family = family;
			held[i].proto = seed & 1 ? MS_PROTO_TCP : MS_PROTO_UDP;
			held[i].port = (uint16_t) (seed >> 8);
			held[i].addr[0] = family == MS_FAMILY_INET ? 10 : 0x20;
			held[i].addr[family == MS_FAMILY_INET ? 2 : 14] = (uint8_t) (i >> 8);
			held[i].addr[family == MS_FAMILY_INET ? 3 : 15] = (uint8_t) i;
			gone[i] =
			    (seed >> 30) == 3; /* a quarter are registered and removed again */
			CHECK_EQ(ms_bind(core, &held[i], (uint16_t) (1 + i % 5), NULL), MS_OK);
			if (gone[i])
				CHECK_EQ(ms_unbind(core, &held[i], (uint16_t) (1 + i % 5), NULL),
					 MS_OK);
		}
		for (i = 0; i < tuples; i++) {
			struct ms_tuple *t = &held[i];
			uint32_t len = churn_frame(f, t, true);
			struct ms_decision in = ms_ingress(core, f, len), out;

			len = churn_frame(f, t, false);
			out = ms_egress(core, f, len, (uint16_t) (1 + i % 5));
			if (gone[i]) {
				CHECK_EQ(in.reason, MS_REASON_NO_MATCH);
				CHECK_EQ(out.reason, MS_REASON_NO_MATCH);
			} else {
				CHECK_EQ(in.reason, MS_REASON_TUPLE_HIT);
				CHECK_EQ(in.owner, 1 + i % 5);
				CHECK_EQ(out.verdict, MS_VERDICT_NIC);
			}
		}
	}
	ms_core_destroy(core, NULL, NULL);
	ms_user_quiesce();
	free(held);
	free(gone);
}

static void test_churn_frame_by_frame(void)
{
	churn_round(1000, MS_FAMILY_INET);
	churn_round(20000, MS_FAMILY_INET);
	churn_round(1000, MS_FAMILY_INET6);
	churn_round(20000, MS_FAMILY_INET6);
}

int main(void)
{
	RUN(test_hits_and_misses);
	RUN(test_vlan);
	RUN(test_fragments);
	RUN(test_every_truncation);
	RUN(test_ethernet_source);
	RUN(test_arp_and_nd_addresses);
	RUN(test_glue_counters);
	RUN(test_every_egress_truncation);
	RUN(test_ahead_plan);
	RUN(test_batches_at_scale);
	RUN(test_churn_frame_by_frame);
	return ms_test_failures ? 1 : 0;
}
