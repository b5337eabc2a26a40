// SPDX-License-Identifier: BSD-2-Clause
/*
 * Benchmark of the core's decisions against a model of the 2015 design
 * (baseline2015.c), in one binary, on the same frames.
 *
 * For each size N it registers N distinct UDP tuples (IPv4 or IPv6) in the
 * core and in the baseline, and builds a pool of frames in which every
 * registered flow appears (one frame per tuple, each frame aimed at a random
 * tuple; at least 1,024 frames).  Frames are decided in "ring" order (the
 * pool's own order, as a NIC ring presents them) and in "random" order (a
 * shuffle of the pool: the frames themselves are then cold as well).  Each
 * round times the core frame by frame, frame by frame with the kernel's
 * look-ahead (the next frames hinted to the core), in batches of 256, the
 * baseline frame by frame and the floor (only the frame bytes any classifier
 * must read, no table), interleaved, each for the same CPU time budget; each
 * figure is the median of the rounds, in thread CPU time.  baseline / floor
 * is the ratio no classifier that reads the frame can beat on this machine.
 *
 * One JSON object per line on stdout; `nox -s bench` collects them.  With
 * --probe, the machine's state is measured at the start and at the end of
 * the run (machine_probe.h), so that runs on different days can be told apart.
 * usage: ms_bench [--sizes 1,1000,...] [--seconds S] [--rounds R] [--only CASE] [--probe]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline2015.h"
#include "cpu_time.h"
#include "machine_probe.h"
#include "multistack/ms_core.h"
#include "multistack/ms_os.h"
#include "multistack/ms_user.h"
#include "xorshift.h"

#define BATCH	    256u  /* VALE forwards up to 1,024 frames at a time (NM_BDG_BATCH) */
#define CHUNK	    1024u /* frames between two looks at the clock */
#define MIN_POOL    1024u
#define FRAME_BYTES 128u
#define VERIFY_MAX  4096u
#define OWNER	    1u
#define MAX_ROUNDS  15u

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint32_t rnd(void)
{
	return (uint32_t) xorshift64(&rng_state);
}

static void shuffle(uint32_t *v, uint32_t n)
{
	uint32_t i;

	for (i = n; i > 1; i--) {
		uint32_t j = rnd() % i, x = v[i - 1];

		v[i - 1] = v[j];
		v[j] = x;
	}
}

static void *zalloc_or_die(size_t bytes)
{
	void *p = ms_os_zalloc_large(bytes);

	if (!p) {
		fprintf(stderr, "ms_bench: out of memory (%zu bytes)\n", bytes);
		exit(1);
	}
	return p;
}

/*
 * Tuple i: UDP port 1 + i % 65535 on host i / 65535, so that 1,000,000
 * tuples spread over 16 addresses.  IPv4 10.0.h.1, IPv6 2001:db8::h:1; the
 * unregistered twin of each (for misses) ends in 2 instead of 1.
 */
static uint16_t tuple_port(uint32_t i)
{
	return (uint16_t) (1 + i % 65535);
}

static void tuple_addr(uint32_t i, uint8_t family, int registered, uint8_t addr[16])
{
	uint32_t host = i / 65535;

	memset(addr, 0, 16);
	if (family == MS_FAMILY_INET) {
		addr[0] = 10;
		addr[1] = (uint8_t) (host >> 8);
		addr[2] = (uint8_t) host;
		addr[3] = registered ? 1 : 2;
	} else {
		addr[0] = 0x20;
		addr[1] = 0x01;
		addr[2] = 0x0d;
		addr[3] = 0xb8;
		addr[12] = (uint8_t) (host >> 8);
		addr[13] = (uint8_t) host;
		addr[15] = registered ? 1 : 2;
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

/* A 60-byte IPv4 or 80-byte IPv6 UDP frame, with a correct IPv4 header checksum. */
static uint32_t build_frame(uint8_t *f, uint8_t family, const uint8_t *src, const uint8_t *dst,
			    uint16_t sport, uint16_t dport)
{
	uint8_t *ip = f + 14;
	uint32_t sum = 0, hlen = family == MS_FAMILY_INET ? 20 : 40, udp = 26, i;

	memset(f, 0, FRAME_BYTES);
	memset(f, 0x02, 12);
	put16(f + 12, family == MS_FAMILY_INET ? 0x0800 : 0x86dd);
	if (family == MS_FAMILY_INET) {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t) (hlen + udp));
		ip[8] = 64;
		ip[9] = MS_PROTO_UDP;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		for (i = 0; i < hlen; i += 2)
			sum += (uint32_t) (ip[i] << 8 | ip[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(ip + 10, (uint16_t) ~sum);
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t) udp);
		ip[6] = MS_PROTO_UDP;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}
	put16(ip + hlen, sport);
	put16(ip + hlen + 2, dport);
	put16(ip + hlen + 4, (uint16_t) udp);
	return 14 + hlen + udp;
}

enum kind { INGRESS_V4_HIT, INGRESS_V4_MISS, INGRESS_V6_HIT, EGRESS_V4, KINDS };
static const char *const kind_names[KINDS] = { "ingress_ipv4_hit", "ingress_ipv4_miss",
					       "ingress_ipv6_hit", "egress_ipv4" };

static uint8_t kind_family(enum kind k)
{
	return k == INGRESS_V6_HIT ? MS_FAMILY_INET6 : MS_FAMILY_INET;
}

/* Both designs holding the same N tuples of one family. */
struct tables {
	uint32_t tuples;
	uint8_t family;
	struct ms_core *core;
	struct b15_table *b15;
	double core_bytes, b15_bytes;
};

static void tables_fill(struct tables *t, uint32_t tuples, uint8_t family)
{
	size_t core_base;
	uint32_t i;

	t->tuples = tuples;
	t->family = family;
	t->b15 = b15_create();
	if (ms_core_create(&t->core) != MS_OK || !t->b15)
		exit(1);
	/* build_frame() sends from 02:02:02:02:02:02: egress checks it, as a switch does */
	ms_core_set_nic_mac(t->core, (const uint8_t[6]){ 2, 2, 2, 2, 2, 2 });
	core_base = ms_memory_bytes(t->core);
	for (i = 0; i < tuples; i++) {
		struct ms_tuple tu;

		memset(&tu, 0, sizeof(tu));
		tu.family = family;
		tu.proto = MS_PROTO_UDP;
		tu.port = tuple_port(i);
		tuple_addr(i, family, 1, tu.addr);
		if (ms_bind(t->core, &tu, OWNER, NULL) != MS_OK ||
		    b15_bind(t->b15, family, MS_PROTO_UDP, tu.port, tu.addr, OWNER) != 0) {
			fprintf(stderr, "ms_bench: binding tuple %u of %u failed\n", i, tuples);
			exit(1);
		}
	}
	t->core_bytes = (double) (ms_memory_bytes(t->core) - core_base) / tuples;
	t->b15_bytes = (double) b15_memory_bytes(t->b15) / tuples;
}

static void tables_free(struct tables *t)
{
	ms_core_destroy(t->core, NULL, NULL);
	b15_destroy(t->b15);
	ms_user_quiesce();
	t->core = NULL;
	t->b15 = NULL;
}

enum order { RING, RANDOM, ORDERS };
static const char *const order_names[ORDERS] = { "ring", "random" };

/* A pool of frames and the two orders in which they are presented. */
struct workload {
	enum kind kind;
	uint32_t n;
	uint8_t *data;
	const uint8_t **ptr[ORDERS];
	uint32_t *len[ORDERS];
};

static void workload_build(struct workload *w, enum kind kind, uint32_t tuples)
{
	static const uint8_t peer4[16] = { 192, 0, 2, 9 };
	static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, [15] = 9 };
	uint8_t family = kind_family(kind);
	const uint8_t *peer = family == MS_FAMILY_INET ? peer4 : peer6;
	uint32_t *aim, *order, i;
	uint32_t *len;

	w->kind = kind;
	w->n = tuples > MIN_POOL ? tuples : MIN_POOL;
	w->data = zalloc_or_die((size_t) w->n * FRAME_BYTES);
	aim = malloc(sizeof(*aim) * w->n);
	order = malloc(sizeof(*order) * w->n);
	len = malloc(sizeof(*len) * w->n);
	if (!aim || !order || !len)
		exit(1);
	/* Every tuple at least once, each frame to a random one. */
	for (i = 0; i < w->n; i++)
		aim[i] = i % tuples;
	shuffle(aim, w->n);
	for (i = 0; i < w->n; i++) {
		uint8_t *f = w->data + (size_t) i * FRAME_BYTES, addr[16];
		uint16_t port = tuple_port(aim[i]);

		tuple_addr(aim[i], family, kind != INGRESS_V4_MISS, addr);
		len[i] = kind == EGRESS_V4 ? build_frame(f, family, addr, peer, port, 5000)
					   : build_frame(f, family, peer, addr, 5000, port);
		order[i] = i;
	}
	shuffle(order, w->n);
	for (int o = 0; o < ORDERS; o++) {
		w->ptr[o] = malloc(sizeof(*w->ptr[o]) * w->n);
		w->len[o] = malloc(sizeof(*w->len[o]) * w->n);
		if (!w->ptr[o] || !w->len[o])
			exit(1);
		for (i = 0; i < w->n; i++) {
			uint32_t k = o == RING ? i : order[i];

			w->ptr[o][i] = w->data + (size_t) k * FRAME_BYTES;
			w->len[o][i] = len[k];
		}
	}
	free(aim);
	free(order);
	free(len);
}

static void workload_free(struct workload *w)
{
	ms_os_free_large(w->data, (size_t) w->n * FRAME_BYTES);
	for (int o = 0; o < ORDERS; o++) {
		free(w->ptr[o]);
		free(w->len[o]);
	}
}

enum variant { CORE_PER_FRAME, CORE_AHEAD, CORE_BATCHED, BASELINE, FLOOR, VARIANTS };
static const char *const variant_names[VARIANTS] = { "core_per_frame", "core_ahead", "core_batched",
						     "baseline", "floor" };

/* The prefetch hint of the case's direction. */
static void hint(struct ms_core *core, enum kind kind, const uint8_t *frame, uint32_t len)
{
	if (kind == EGRESS_V4)
		ms_egress_prefetch(core, frame, len);
	else
		ms_ingress_prefetch(core, frame, len);
}

/*
 * What the kernel's lookup does before deciding frame i of a batch of n
 * (kernel/linux/ms_ahead.c, which reads the frames from the sending ring),
 * on ms_ahead_plan()'s schedule.
 */
static void look_ahead(struct ms_core *core, enum kind kind, const uint8_t *const *ptr,
		       const uint32_t *len, uint32_t i, uint32_t n)
{
	uint32_t from, to, j, touch = ms_ahead_plan(i, n, &from, &to);

	for (j = from; j < to; j++)
		hint(core, kind, ptr[j], len[j]);
	if (touch < n)
		__builtin_prefetch(ptr[touch]);
}

static uint32_t word(const uint8_t *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w;
}

/*
 * The floor: the bytes of a frame that any classifier of this frame must
 * read, folded into one word, and nothing else: the Ethernet type; for IPv4
 * the header's first byte (where the ports are), protocol and addresses; for
 * IPv6 the next header and addresses; then the ports.  No bounds check (the
 * pool's frames are whole), no checksum, no table: whatever decides the
 * frame costs at least this, so baseline / floor bounds every ratio.
 */
static uint32_t floor_read(const uint8_t *f, uint32_t len)
{
	const uint8_t *ip = f + 14;
	uint32_t v = len;
	unsigned i;

	if (f[12] == 0x08 && f[13] == 0x00)
		return v ^ ip[9] ^ word(ip + 12) ^ word(ip + 16) ^ word(ip + (ip[0] & 0x0f) * 4u);
	if (f[12] == 0x86 && f[13] == 0xdd) {
		for (i = 8; i < 40; i += 4)
			v ^= word(ip + i);
		return v ^ ip[6] ^ word(ip + 40);
	}
	return v;
}

/* Decides n frames; returns a value that depends on every decision. */
static uint32_t run(enum variant v, const struct tables *t, enum kind kind,
		    const uint8_t *const *ptr, const uint32_t *len, uint32_t n)
{
	struct ms_decision out[BATCH];
	uint32_t acc = 0, i, j;

	switch (v) {
	case CORE_PER_FRAME:
		if (kind == EGRESS_V4)
			for (i = 0; i < n; i++)
				acc += ms_egress(t->core, ptr[i], len[i], OWNER).verdict;
		else
			for (i = 0; i < n; i++)
				acc += ms_ingress(t->core, ptr[i], len[i]).owner;
		break;
	case CORE_AHEAD:
		for (i = 0; i < n; i++) {
			if (ms_prefetch_pays(t->core))
				look_ahead(t->core, kind, ptr, len, i, n);
			if (kind == EGRESS_V4)
				acc += ms_egress(t->core, ptr[i], len[i], OWNER).verdict;
			else
				acc += ms_ingress(t->core, ptr[i], len[i]).owner;
		}
		break;
	case CORE_BATCHED:
		for (i = 0; i < n; i += BATCH) {
			uint32_t b = n - i < BATCH ? n - i : BATCH;

			if (kind == EGRESS_V4)
				ms_egress_batch(t->core, ptr + i, len + i, b, OWNER, out);
			else
				ms_ingress_batch(t->core, ptr + i, len + i, b, out);
			for (j = 0; j < b; j++)
				acc += out[j].verdict + out[j].owner;
		}
		break;
	case BASELINE:
		if (kind == EGRESS_V4)
			for (i = 0; i < n; i++)
				acc += (uint32_t) b15_egress(t->b15, ptr[i], len[i]);
		else
			for (i = 0; i < n; i++)
				acc += (uint32_t) b15_ingress(t->b15, ptr[i], len[i]);
		break;
	default:
		for (i = 0; i < n; i++)
			acc += floor_read(ptr[i], len[i]);
		break;
	}
	return acc;
}

static volatile uint32_t sink;

/* ns per frame over at least budget_ns of CPU time, continuing from *cursor in the order. */
static double measure(enum variant v, const struct tables *t, const struct workload *w,
		      enum order o, uint32_t *cursor, double budget_ns)
{
	double start = cpu_ns(), elapsed;
	uint64_t frames = 0;
	uint32_t acc = 0;

	do {
		uint32_t n = w->n - *cursor < CHUNK ? w->n - *cursor : CHUNK;

		acc += run(v, t, w->kind, w->ptr[o] + *cursor, w->len[o] + *cursor, n);
		frames += n;
		*cursor = (*cursor + n) % w->n;
		elapsed = cpu_ns() - start;
	} while (elapsed < budget_ns);
	sink = acc;
	return elapsed / (double) frames;
}

/* Both designs must decide every frame as expected before they are timed. */
static void verify(const struct tables *t, const struct workload *w, enum order o)
{
	uint32_t n = w->n < VERIFY_MAX ? w->n : VERIFY_MAX, i;
	struct ms_decision out[BATCH];

	for (i = 0; i < n; i++) {
		const uint8_t *f = w->ptr[o][i];
		uint32_t len = w->len[o][i];
		int hit = w->kind != INGRESS_V4_MISS, ok;
		struct ms_decision d;

		if (w->kind == EGRESS_V4) {
			d = ms_egress(t->core, f, len, OWNER);
			ok = d.verdict == MS_VERDICT_NIC && b15_egress(t->b15, f, len) == 1;
		} else {
			d = ms_ingress(t->core, f, len);
			ok = (hit ? d.verdict == MS_VERDICT_PORT && d.owner == OWNER
				  : d.verdict == MS_VERDICT_HOST) &&
			     b15_ingress(t->b15, f, len) == (hit ? (int) OWNER : -1);
		}
		if (i % BATCH == 0 && i + BATCH <= n) {
			uint32_t j;

			if (w->kind == EGRESS_V4)
				ms_egress_batch(t->core, w->ptr[o] + i, w->len[o] + i, BATCH, OWNER,
						out);
			else
				ms_ingress_batch(t->core, w->ptr[o] + i, w->len[o] + i, BATCH, out);
			for (j = 0; j < BATCH; j++) {
				struct ms_decision one =
				    w->kind == EGRESS_V4
					? ms_egress(t->core, w->ptr[o][i + j], w->len[o][i + j],
						    OWNER)
					: ms_ingress(t->core, w->ptr[o][i + j], w->len[o][i + j]);

				ok = ok && one.verdict == out[j].verdict &&
				     one.owner == out[j].owner;
			}
		}
		if (!ok) {
			fprintf(stderr, "ms_bench: %s frame %u decided wrongly\n",
				kind_names[w->kind], i);
			exit(1);
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

static double median(const double *v, unsigned n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void print_rounds(const char *name, const double *v, unsigned n)
{
	unsigned r;

	printf("\"%s\": [", name);
	for (r = 0; r < n; r++)
		printf("%s%.2f", r ? ", " : "", v[r]);
	printf("]");
}

/* Rounds of the variants interleaved (the first of each round rotates), then medians. */
static void bench_case(const struct tables *t, const struct workload *w, enum order o,
		       unsigned rounds, double seconds)
{
	double ns[VARIANTS][MAX_ROUNDS], med[VARIANTS],
	    budget = seconds * 1e9 / (rounds * VARIANTS);
	uint32_t cursor[VARIANTS] = { 0 };
	unsigned r, k;

	verify(t, w, o);
	for (k = 0; k < VARIANTS; k++) /* warm up; not counted */
		measure((enum variant) k, t, w, o, &cursor[k], budget / 4);
	for (r = 0; r < rounds; r++)
		for (k = 0; k < VARIANTS; k++) {
			unsigned v = (r + k) % VARIANTS;

			ns[v][r] = measure((enum variant) v, t, w, o, &cursor[v], budget);
		}
	for (k = 0; k < VARIANTS; k++)
		med[k] = median(ns[k], rounds);
	printf("{\"case\": \"%s\", \"order\": \"%s\", \"tuples\": %u, \"flows\": %u, "
	       "\"frames\": %u, \"rounds\": %u",
	       kind_names[w->kind], order_names[o], t->tuples, t->tuples, w->n, rounds);
	for (k = 0; k < VARIANTS; k++)
		printf(", \"%s_ns\": %.2f", variant_names[k], med[k]);
	printf(", \"ratio_per_frame\": %.2f, \"ratio_ahead\": %.2f, \"ratio_batched\": %.2f, "
	       "\"ratio_ceiling\": %.2f, "
	       "\"rounds_ns\": {",
	       med[BASELINE] / med[CORE_PER_FRAME], med[BASELINE] / med[CORE_AHEAD],
	       med[BASELINE] / med[CORE_BATCHED], med[BASELINE] / med[FLOOR]);
	for (k = 0; k < VARIANTS; k++) {
		printf("%s", k ? ", " : "");
		print_rounds(variant_names[k], ns[k], rounds);
	}
	printf("}}\n");
	fflush(stdout);
}

/* BIND then UNBIND of fresh tuples on a table of `tuples`: operations per second. */
static double bind_unbind_rate(struct ms_core *core, uint32_t tuples)
{
	const uint32_t ops = 100000;
	double start = cpu_ns();
	uint32_t i;

	for (i = 0; i < ops; i++) {
		struct ms_tuple tu;

		memset(&tu, 0, sizeof(tu));
		tu.family = MS_FAMILY_INET;
		tu.proto = MS_PROTO_TCP;
		tu.port = (uint16_t) (1 + i % 65535);
		tu.addr[0] = 172;
		tu.addr[1] = (uint8_t) (i >> 16);
		tu.addr[3] = (uint8_t) (tuples & 0xff);
		if (ms_bind(core, &tu, 2, NULL) != MS_OK || ms_unbind(core, &tu, 2, NULL) != MS_OK)
			exit(1);
		if ((i & 4095) == 4095)
			ms_user_quiesce();
	}
	return 2.0 * ops / ((cpu_ns() - start) * 1e-9);
}

static uint32_t parse_sizes(const char *arg, uint32_t *sizes, uint32_t max)
{
	uint32_t n = 0;
	char *end;

	while (*arg && n < max) {
		sizes[n] = (uint32_t) strtoul(arg, &end, 10);
		if (sizes[n])
			n++;
		if (*end != ',')
			break;
		arg = end + 1;
	}
	return n;
}

static int usage(void)
{
	fprintf(stderr, "usage: ms_bench [--sizes A,B,...] [--seconds S] [--rounds R] "
			"[--only CASE] [--probe]\n");
	return 2;
}

static void print_probe(const char *when)
{
	struct machine_probe p;

	if (!machine_probe_run(&p)) {
		fprintf(stderr, "ms_bench: no memory for the machine probe's 256 MiB\n");
		exit(1);
	}
	printf("{\"case\": \"machine\", \"when\": \"%s\", \"chain_step_ns\": %.3f, "
	       "\"adds_per_ns\": %.2f, \"dram_load_ns\": %.1f}\n",
	       when, p.chain_step_ns, p.adds_per_ns, p.dram_load_ns);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	uint32_t sizes[16] = { 1, 1000, 65536, 1000000 }, nsizes = 4, s;
	unsigned rounds = 5;
	double seconds = 1.0;
	const char *only = NULL;
	int i, probe = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--probe")) {
			probe = 1;
			continue;
		}
		if (i + 1 == argc)
			return usage();
		if (!strcmp(argv[i], "--sizes"))
			nsizes = parse_sizes(argv[i + 1], sizes, 16);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = (unsigned) strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--only"))
			only = argv[i + 1];
		else
			return usage();
		i++;
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || !(seconds > 0) || !nsizes)
		return usage();
	if (probe)
		print_probe("start");
	for (s = 0; s < nsizes; s++) {
		struct tables t[2] = { { 0 }, { 0 } }; /* IPv4, IPv6 */
		int k, o, f;

		for (k = 0; k < KINDS; k++) {
			struct tables *tk = &t[kind_family((enum kind) k) == MS_FAMILY_INET6];
			struct workload w;

			if (only && strcmp(only, kind_names[k]))
				continue;
			if (!tk->core)
				tables_fill(tk, sizes[s], kind_family((enum kind) k));
			workload_build(&w, (enum kind) k, sizes[s]);
			for (o = 0; o < ORDERS; o++)
				bench_case(tk, &w, (enum order) o, rounds, seconds);
			workload_free(&w);
		}
		for (f = 0; f < 2; f++) {
			if (!t[f].core)
				continue;
			printf("{\"case\": \"memory\", \"family\": %u, \"tuples\": %u, "
			       "\"core_bytes_per_tuple\": %.1f, \"baseline_bytes_per_tuple\": "
			       "%.1f}\n",
			       t[f].family, sizes[s], t[f].core_bytes, t[f].b15_bytes);
			if (t[f].family == MS_FAMILY_INET)
				printf("{\"case\": \"bind_unbind\", \"tuples\": %u, "
				       "\"ops_per_sec\": %.0f}\n",
				       sizes[s], bind_unbind_rate(t[f].core, sizes[s]));
			fflush(stdout);
			tables_free(&t[f]);
		}
	}
	if (probe)
		print_probe("end");
	return 0;
}
