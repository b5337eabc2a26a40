/* SPDX-License-Identifier: BSD-2-Clause */
/* FreeBSD kernel flavour of the core's basic types: the include path picks this file. */
#ifndef MULTISTACK_MS_OS_TYPES_H
#define MULTISTACK_MS_OS_TYPES_H

#include <sys/errno.h> /* the request path returns errno values */
#include <sys/param.h>
#include <sys/systm.h> /* memcpy, memset, memcmp, CTASSERT */

#include <sys/counter.h> /* counter_u64_add */

/*
 * The core's counters: one item of a UMA per-CPU zone (ms_os_freebsd.c),
 * each 64-bit word of which is a counter(9) counter.  counter_u64_add()
 * reaches the running CPU's copy by adding that CPU's per-CPU offset to the
 * address it is given, so it serves any word of the item, and it cannot be
 * split by preemption or an interrupt (amd64: one %gs-relative add; other
 * architectures: an atomic add or a critical section of its own).  The data
 * path needs no critical section around the core.
 */
#define MS_OS_PERCPU_ADD(blocks, offset, delta) \
	counter_u64_add((counter_u64_t) (void *) ((char *) (blocks) + (offset)), (int64_t) (delta))

/*
 * sys/types.h already gives the kernel bool, size_t and the fixed-width
 * integers the core uses, so nothing else is needed here.
 */

#endif /* MULTISTACK_MS_OS_TYPES_H */
