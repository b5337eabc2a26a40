/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What state the machine was in during a run.  The development machines
 * are virtual and shared: from one day to the next the same binary has run
 * two to three times slower, and not uniformly (a classifier that retires
 * several instructions a cycle slows down when a neighbour shares its core;
 * the 2015 design's chain walk when memory is slower).  Ratios measured in
 * one run therefore move between runs.  These three figures, taken at the
 * start and at the end of a run, say which part of the machine had changed.
 */
#ifndef MS_BENCH_MACHINE_PROBE_H
#define MS_BENCH_MACHINE_PROBE_H

struct machine_probe {
	double chain_step_ns; /* one step of a dependent multiply-add chain: the clock */
	double adds_per_ns;  /* independent additions retired per ns: the core's width left to us */
	double dram_load_ns; /* one load of a pointer chase through 256 MiB: memory latency */
};

/* About half a second of CPU time; 0 when memory for the chase could not be had. */
int machine_probe_run(struct machine_probe *p);

#endif /* MS_BENCH_MACHINE_PROBE_H */
