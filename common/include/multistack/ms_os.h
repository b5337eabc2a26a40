/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hooks the core needs from its host: each OS glue (kernel/linux,
 * kernel/freebsd) and the userspace library (lib/) implements every one of
 * them once.  The core calls nothing else outside itself.
 */
#ifndef MULTISTACK_MS_OS_H
#define MULTISTACK_MS_OS_H

#include "ms_os_types.h"

/* Small zeroed objects (entries, the core itself). NULL on failure. */
void *ms_os_zalloc(size_t size);
void ms_os_free(void *ptr, size_t size);

/* Large zeroed arrays (hash buckets: up to tens of MB). NULL on failure. */
void *ms_os_zalloc_large(size_t size);
void ms_os_free_large(void *ptr, size_t size);

/*
 * Deferred freeing: fn(head) runs once no reader that could have seen the
 * object is still inside its read-side section (an RCU grace period, a net
 * epoch).  The head is embedded in the object; it is large enough for a
 * Linux rcu_head and a FreeBSD epoch_context, which each glue asserts.
 */
struct ms_deferred {
	void *opaque[2];
};
typedef void (*ms_deferred_fn)(struct ms_deferred *head);
void ms_os_defer_free(struct ms_deferred *head, ms_deferred_fn fn);

/* The writers' lock.  May be a sleeping lock where writers may sleep. */
struct ms_os_lock;
struct ms_os_lock *ms_os_lock_create(void);
void ms_os_lock_destroy(struct ms_os_lock *lock);
void ms_os_lock(struct ms_os_lock *lock);
void ms_os_unlock(struct ms_os_lock *lock);

/*
 * Per-CPU counter blocks for the verdict counters: readers add to their own
 * CPU's block without atomics; ms_stats_read() sums every block.
 */
void *ms_os_percpu_zalloc(size_t size);
void ms_os_percpu_free(void *blocks);
void *ms_os_percpu_this(void *blocks);
unsigned ms_os_percpu_count(void);
void *ms_os_percpu_at(void *blocks, unsigned index);

/* A coarse monotonic clock in milliseconds, for fragment ageing. */
uint64_t ms_os_now_ms(void);

/* A random seed for the tuple hash. */
uint64_t ms_os_random_u64(void);

/* Logging: the glue rate-limits and prefixes. level: 0 error, 1 warning, 2 info. */
void ms_os_log(int level, const char *msg);

#endif /* MULTISTACK_MS_OS_H */
