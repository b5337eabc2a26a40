// SPDX-License-Identifier: BSD-2-Clause
/*
 * Benchmark of the core's decisions.  For each table size it registers
 * that many UDP tuples, builds a set of frames aimed at `flows` of them
 * (chosen at random, cycled in a shuffled order so the access pattern is not
 * sequential), and times ingress hits, misses, IPv6 hits and egress
 * validation, one frame per call and in batches.  One JSON object per line.
 *
 * usage: ms_bench [--flows N] [--sizes 1,1000,...] [--seconds S] [--only CASE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/c/frames.h"
#include "multistack/ms_core.h"
#include "multistack/ms_user.h"

#define BATCH 32u

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t) rng_state;
}

/* Tuple i: 10.(i>>16).x.x / 2001:db8::(i>>16), port i & 0xffff, so sizes past 65536 use more
 * addresses. */
static void addr4(uint32_t i, uint8_t out[4])
{
	out[0] = 10;
	out[1] = (uint8_t) (i >> 16);
	out[2] = 0;
	out[3] = 1;
}

static void addr6(uint32_t i, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0x20;
	out[1] = 0x01;
	out[2] = 0x0d;
	out[3] = 0xb8;
	out[14] = (uint8_t) (i >> 24);
	out[15] = (uint8_t) (i >> 16);
}

struct frames {
	uint32_t n;
	uint8_t (*data)[96];
	uint32_t *len;
	const uint8_t **ptr;
};

static void frames_alloc(struct frames *fr, uint32_t n)
{
	uint32_t i;

	fr->n = n;
	fr->data = calloc(n, sizeof(*fr->data));
	fr->len = calloc(n, sizeof(*fr->len));
	fr->ptr = calloc(n, sizeof(*fr->ptr));
	if (!fr->data || !fr->len || !fr->ptr)
		abort();
	for (i = 0; i < n; i++)
		fr->ptr[i] = fr->data[i];
}

static void frames_free(struct frames *fr)
{
	free(fr->data);
	free(fr->len);
	free(fr->ptr);
}

enum kind { INGRESS_V4_HIT, INGRESS_V4_MISS, INGRESS_V6_HIT, EGRESS_V4, KINDS };
static const char *const kind_names[KINDS] = { "ingress_ipv4_hit", "ingress_ipv4_miss",
					       "ingress_ipv6_hit", "egress_validate" };

static void build_frames(struct frames *fr, enum kind kind, uint32_t tuples)
{
	static const uint8_t peer4[4] = { 192, 0, 2, 1 };
	static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, [15] = 1 };
	uint32_t k;

	for (k = 0; k < fr->n; k++) {
		uint32_t i = rnd() % tuples;
		uint8_t a4[4], a6[16];

		addr4(i, a4);
		addr6(i, a6);
		switch (kind) {
		case INGRESS_V4_HIT:
			fr->len[k] =
			    frame_ipv4(fr->data[k], MS_PROTO_UDP, peer4, a4, 999, (uint16_t) i, 18);
			break;
		case INGRESS_V4_MISS:
			a4[2] = 7; /* an address nobody registered */
			fr->len[k] =
			    frame_ipv4(fr->data[k], MS_PROTO_UDP, peer4, a4, 999, (uint16_t) i, 18);
			break;
		case INGRESS_V6_HIT:
			fr->len[k] =
			    frame_ipv6(fr->data[k], MS_PROTO_UDP, peer6, a6, 999, (uint16_t) i, 18);
			break;
		default:
			fr->len[k] =
			    frame_ipv4(fr->data[k], MS_PROTO_UDP, a4, peer4, (uint16_t) i, 999, 18);
			break;
		}
	}
}

static volatile uint32_t sink;

/* ns per frame: the best of several timed rounds, each at least `seconds` / 5 long. */
static double time_case(struct ms_core *core, const struct frames *fr, enum kind kind, bool batched,
			uint16_t owner_of_egress, double seconds)
{
	struct ms_decision out[BATCH];
	double best = 1e9;
	unsigned round;

	for (round = 0; round < 5; round++) {
		uint64_t frames = 0;
		double start = now_s(), elapsed;
		uint32_t acc = 0;

		do {
			uint32_t k;

			for (k = 0; k + BATCH <= fr->n; k += BATCH) {
				if (batched) {
					if (kind == EGRESS_V4)
						ms_egress_batch(core, fr->ptr + k, fr->len + k,
								BATCH, owner_of_egress, out);
					else
						ms_ingress_batch(core, fr->ptr + k, fr->len + k,
								 BATCH, out);
					acc += out[BATCH - 1].owner;
				} else {
					uint32_t j;

					for (j = k; j < k + BATCH; j++)
						acc +=
						    kind == EGRESS_V4
							? ms_egress(core, fr->ptr[j], fr->len[j],
								    owner_of_egress)
							      .verdict
							: ms_ingress(core, fr->ptr[j], fr->len[j])
							      .owner;
				}
				frames += BATCH;
			}
			elapsed = now_s() - start;
		} while (elapsed < seconds / 5);
		sink = acc;
		if (elapsed * 1e9 / (double) frames < best)
			best = elapsed * 1e9 / (double) frames;
	}
	return best;
}

static void bind_range(struct ms_core *core, uint32_t tuples)
{
	uint32_t i;

	for (i = 0; i < tuples; i++) {
		struct ms_tuple t;

		memset(&t, 0, sizeof(t));
		t.proto = MS_PROTO_UDP;
		t.port = (uint16_t) i;
		t.family = MS_FAMILY_INET;
		addr4(i, t.addr);
		if (ms_bind(core, &t, 1, NULL) != MS_OK)
			abort();
		t.family = MS_FAMILY_INET6;
		addr6(i, t.addr);
		if (ms_bind(core, &t, 1, NULL) != MS_OK)
			abort();
	}
}

/* BIND then UNBIND of fresh tuples on a table of `tuples`: operations per second. */
static double bind_unbind_rate(struct ms_core *core, uint32_t tuples)
{
	const uint32_t ops = 100000;
	double start = now_s();
	uint32_t i;

	for (i = 0; i < ops; i++) {
		struct ms_tuple t;

		memset(&t, 0, sizeof(t));
		t.family = MS_FAMILY_INET;
		t.proto = MS_PROTO_TCP;
		t.port = (uint16_t) i;
		t.addr[0] = 172;
		t.addr[1] = (uint8_t) (i >> 16);
		t.addr[3] = (uint8_t) (tuples & 0xff);
		if (ms_bind(core, &t, 2, NULL) != MS_OK || ms_unbind(core, &t, 2, NULL) != MS_OK)
			abort();
		if ((i & 4095) == 4095)
			ms_user_quiesce();
	}
	return 2.0 * ops / (now_s() - start);
}

static uint32_t parse_sizes(const char *arg, uint32_t *sizes, uint32_t max)
{
	uint32_t n = 0;
	char *end;

	while (*arg && n < max) {
		sizes[n++] = (uint32_t) strtoul(arg, &end, 10);
		if (*end != ',')
			break;
		arg = end + 1;
	}
	return n;
}

int main(int argc, char **argv)
{
	uint32_t sizes[16] = { 1, 1000, 65536, 1000000 }, nsizes = 4, flows = 1024, s;
	double seconds = 1.0;
	const char *only = NULL;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--flows"))
			flows = (uint32_t) strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--sizes"))
			nsizes = parse_sizes(argv[i + 1], sizes, 16);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--only"))
			only = argv[i + 1];
		else {
			fprintf(stderr, "usage: ms_bench [--flows N] [--sizes A,B,...] [--seconds "
					"S] [--only CASE]\n");
			return 2;
		}
	}
	if (flows < BATCH)
		flows = BATCH;
	flows -= flows % BATCH;
	for (s = 0; s < nsizes; s++) {
		uint32_t tuples = sizes[s];
		struct ms_core *core;
		size_t base;
		int k, b;

		if (ms_core_create(&core) != MS_OK)
			return 1;
		base = ms_memory_bytes(core);
		bind_range(core, tuples);
		printf("{\"case\": \"memory\", \"tuples\": %u, \"bytes_per_tuple\": %.1f}\n",
		       tuples, (double) (ms_memory_bytes(core) - base) / (2.0 * tuples));
		for (k = 0; k < KINDS; k++) {
			struct frames fr;

			if (only && strcmp(only, kind_names[k]))
				continue;
			frames_alloc(&fr, flows);
			build_frames(&fr, (enum kind) k, tuples);
			for (b = 0; b < 2; b++) {
				double ns = time_case(core, &fr, (enum kind) k, b, 1, seconds);

				printf("{\"case\": \"%s\", \"mode\": \"%s\", \"tuples\": %u, "
				       "\"flows\": "
				       "%u, \"ns_per_pkt\": %.2f, \"mpps\": %.1f}\n",
				       kind_names[k], b ? "batched" : "per_frame", tuples, flows,
				       ns, 1e3 / ns);
				fflush(stdout);
			}
			frames_free(&fr);
		}
		printf("{\"case\": \"bind_unbind\", \"tuples\": %u, \"ops_per_sec\": %.0f}\n",
		       tuples, bind_unbind_rate(core, tuples));
		ms_core_destroy(core, NULL, NULL);
		ms_user_quiesce();
	}
	return 0;
}
