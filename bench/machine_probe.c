// SPDX-License-Identifier: BSD-2-Clause
/* The three machine figures of machine_probe.h, each timed in thread CPU time. */
#include "machine_probe.h"

#include <stddef.h>
#include <stdint.h>

#include "cpu_time.h"
#include "multistack/ms_os.h"
#include "xorshift.h"

#define CHAIN_STEPS 20000000L
#define ADD_ROUNDS  20000000L /* eight additions each */
#define CHASE_BYTES (256u << 20)
#define CHASE_LOADS 500000L
#define LINE_WORDS  8u /* uint64_t words in a 64-byte cache line */

/*
 * Each step needs the previous one's result, so the loop runs at the
 * latency of a multiply and an add, whatever else the core is doing: a
 * figure that moves says the clock moved.  The empty asm keeps the
 * compiler from folding the chain.
 */
static double chain_step_ns(void)
{
	uint64_t x = 1;
	double start = cpu_ns();
	long i;

	for (i = 0; i < CHAIN_STEPS; i++) {
		x = x * 0x9e3779b97f4a7c15ull + 1;
		__asm__ volatile("" : "+r"(x));
	}
	return (cpu_ns() - start) / (double) CHAIN_STEPS;
}

/*
 * Eight chains that do not wait for one another: the loop runs as wide as
 * the core lets this thread issue, which a busy sibling thread on the same
 * core halves while the chain above does not move.
 */
static double adds_per_ns(void)
{
	uint64_t a = 0, b = 1, c = 2, d = 3, e = 4, f = 5, g = 6, h = 7;
	double start = cpu_ns();
	long i;

	for (i = 0; i < ADD_ROUNDS; i++) {
		a += 1;
		b += 3;
		c += 5;
		d += 7;
		e += 9;
		f += 11;
		g += 13;
		h += 15;
		__asm__ volatile(""
				 : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f), "+r"(g),
				   "+r"(h));
	}
	return 8.0 * (double) ADD_ROUNDS / (cpu_ns() - start);
}

/*
 * One word per cache line holds the index of the next line to read, the
 * lines forming one random cycle (Sattolo's shuffle), so that each load
 * waits for the one before and no prefetcher can guess the next.  256 MiB
 * is eight times the last-level cache here: most loads come from DRAM.
 */
static double dram_load_ns(void)
{
	uint64_t *lines = ms_os_zalloc_large(CHASE_BYTES), rng = 0x9e3779b97f4a7c15ull, at = 0;
	const uint64_t n = CHASE_BYTES / (LINE_WORDS * sizeof(uint64_t));
	double start, ns;
	uint64_t i;
	long k;

	if (!lines)
		return 0;
	for (i = 0; i < n; i++)
		lines[i * LINE_WORDS] = i;
	for (i = n - 1; i > 0; i--) {
		uint64_t j, swap;

		j = xorshift64(&rng) % i;
		swap = lines[i * LINE_WORDS];
		lines[i * LINE_WORDS] = lines[j * LINE_WORDS];
		lines[j * LINE_WORDS] = swap;
	}
	start = cpu_ns();
	for (k = 0; k < CHASE_LOADS; k++)
		at = lines[at * LINE_WORDS];
	ns = (cpu_ns() - start) / (double) CHASE_LOADS;
	__asm__ volatile("" : : "r"(at));
	ms_os_free_large(lines, CHASE_BYTES);
	return ns;
}

int machine_probe_run(struct machine_probe *p)
{
	p->chain_step_ns = chain_step_ns();
	p->adds_per_ns = adds_per_ns();
	p->dram_load_ns = dram_load_ns();
	return p->dram_load_ns > 0;
}
