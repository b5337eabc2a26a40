/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The benchmark's pseudo-random numbers: one xorshift64 step.  Fast, and
 * the same sequence on every run, so runs shuffle their frames and probes
 * alike.  Not for anything an attacker could see.
 */
#ifndef MS_BENCH_XORSHIFT_H
#define MS_BENCH_XORSHIFT_H

#include <stdint.h>

/* *state must not be 0. */
static inline uint64_t xorshift64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif /* MS_BENCH_XORSHIFT_H */
