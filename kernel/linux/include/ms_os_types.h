/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel flavour of the core's basic types: the include path picks this file. */
#ifndef MULTISTACK_MS_OS_TYPES_H
#define MULTISTACK_MS_OS_TYPES_H

#include <linux/errno.h>  /* the request path returns errno values */
#include <linux/percpu.h> /* this_cpu_add */
#include <linux/stddef.h> /* NULL, true, false */
#include <linux/types.h>  /* uint8_t..uint64_t, bool, size_t */

/*
 * The core's counters: one 64-bit add to the running CPU's block, which
 * neither preemption nor an interrupt splits, so the lookup runs with
 * interrupts enabled and preemptible (netmap calls it from process context,
 * softirqs and hard interrupts alike).  A block set crosses the core as the
 * per-CPU offset in a void * (ms_os_linux.c).
 */
#define MS_OS_PERCPU_ADD(blocks, offset, delta) \
	this_cpu_add(*(u64 __percpu __force *) ((unsigned long) (blocks) + (offset)), (delta))

#endif
