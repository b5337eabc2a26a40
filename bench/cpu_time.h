/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The benchmark's one clock: this thread's CPU time, in ns.  Time the thread
 * spends off its CPU (another process, another guest) is not counted.
 */
#ifndef MS_BENCH_CPU_TIME_H
#define MS_BENCH_CPU_TIME_H

#include <time.h>

static inline double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

#endif /* MS_BENCH_CPU_TIME_H */
