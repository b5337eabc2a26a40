/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The core's OS hooks (multistack/ms_os.h) on the FreeBSD kernel.
 *
 * Every writer of the core runs inside netmap's config or dtor callbacks,
 * which netmap calls with the switch's rwlock held (BDG_RLOCK/BDG_WLOCK in
 * netmap_bdg.h).  Holding an rwlock forbids sleeping, so allocations here
 * never wait and the writers' lock is a default (adaptive) mutex, not an sx.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/epoch.h>
#include <sys/kernel.h>
#include <sys/lock.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/pcpu.h>
#include <sys/smp.h>
#include <sys/syslog.h>
#include <sys/time.h>

#include <vm/uma.h>

#include "ms_fbsd.h"
#include "multistack/ms_os.h"

MALLOC_DEFINE(M_MULTISTACK, "multistack", "MultiStack tuple tables and registrations");

void *ms_os_zalloc(size_t size)
{
	return (malloc(size, M_MULTISTACK, M_NOWAIT | M_ZERO));
}

void ms_os_free(void *ptr, size_t size __unused)
{
	free(ptr, M_MULTISTACK);
}

/* malloc(9) serves large sizes from kmem itself: no separate allocator is needed. */
void *ms_os_zalloc_large(size_t size)
{
	return (malloc(size, M_MULTISTACK, M_NOWAIT | M_ZERO));
}

void ms_os_free_large(void *ptr, size_t size __unused)
{
	free(ptr, M_MULTISTACK);
}

/*
 * The core's head doubles as the epoch's context: both are two pointers, and
 * the callback takes the context's address, which is the head's.
 */
CTASSERT(sizeof(struct ms_deferred) >= sizeof(struct epoch_context));
CTASSERT(__alignof__(struct ms_deferred) >= __alignof__(struct epoch_context));

void ms_os_defer_free(struct ms_deferred *head, ms_deferred_fn fn)
{
	NET_EPOCH_CALL((epoch_callback_t *) (void *) fn, (epoch_context_t) (void *) head);
}

struct ms_os_lock {
	struct mtx mtx;
};

struct ms_os_lock *ms_os_lock_create(void)
{
	struct ms_os_lock *lock;

	lock = malloc(sizeof(*lock), M_MULTISTACK, M_NOWAIT | M_ZERO);
	if (lock != NULL)
		mtx_init(&lock->mtx, "multistack writers", NULL, MTX_DEF);
	return (lock);
}

void ms_os_lock_destroy(struct ms_os_lock *lock)
{
	if (lock == NULL)
		return;
	mtx_destroy(&lock->mtx);
	free(lock, M_MULTISTACK);
}

void ms_os_lock(struct ms_os_lock *lock)
{
	mtx_lock(&lock->mtx);
}

void ms_os_unlock(struct ms_os_lock *lock)
{
	mtx_unlock(&lock->mtx);
}

/*
 * Per-CPU blocks: items of a UMA per-CPU zone, the memory counter(9) is made
 * of.  Each CPU's copy of an item lies in that CPU's own page, at the same
 * offset; zpcpu_get_cpu() finds it, and the core adds to the running CPU's
 * copy with counter_u64_add() (MS_OS_PERCPU_ADD in ms_os_types.h), which no
 * preemption splits: the data path runs the core without a critical section.
 * The zone is made at load (creating one may sleep) for the one block size
 * the core asks for, its counters.
 */
static uma_zone_t ms_percpu_zone;

#define MS_PERCPU_SIZE sizeof(struct ms_stats)
CTASSERT(MS_PERCPU_SIZE <= UMA_PCPU_ALLOC_SIZE);

void ms_percpu_init(void)
{
	ms_percpu_zone = uma_zcreate("multistack counters", MS_PERCPU_SIZE, NULL, NULL, NULL, NULL,
				     UMA_ALIGN_CACHE, UMA_ZONE_PCPU);
}

/* After the core is gone: its block was the zone's only item. */
void ms_percpu_fini(void)
{
	if (ms_percpu_zone != NULL)
		uma_zdestroy(ms_percpu_zone);
	ms_percpu_zone = NULL;
}

void *ms_os_percpu_zalloc(size_t size)
{
	void *blocks;
	unsigned cpu;

	if (ms_percpu_zone == NULL || size > MS_PERCPU_SIZE)
		return (NULL);
	blocks = uma_zalloc_pcpu(ms_percpu_zone, M_NOWAIT);
	if (blocks == NULL)
		return (NULL);
	/*
	 * Every id up to mp_maxid has its copy, and the core reads them all;
	 * M_ZERO would clear only the CPUs present.
	 */
	for (cpu = 0; cpu <= mp_maxid; cpu++)
		memset(zpcpu_get_cpu((char *) blocks, cpu), 0, MS_PERCPU_SIZE);
	return (blocks);
}

void ms_os_percpu_free(void *blocks)
{
	if (blocks != NULL)
		uma_zfree_pcpu(ms_percpu_zone, blocks);
}

void *ms_os_percpu_at(void *blocks, unsigned index)
{
	return (zpcpu_get_cpu((char *) blocks, index));
}

/* Unused while MS_OS_PERCPU_ADD is defined; valid only while the thread is pinned. */
void *ms_os_percpu_this(void *blocks)
{
	return (zpcpu_get((char *) blocks));
}

unsigned ms_os_percpu_count(void)
{
	return (mp_maxid + 1);
}

uint64_t ms_os_now_ms(void)
{
	return ((uint64_t) sbttoms(getsbinuptime()));
}

uint64_t ms_os_random_u64(void)
{
	uint64_t seed;

	arc4random_buf(&seed, sizeof(seed));
	return (seed);
}

/*
 * One budget of lines per second per level, so a flood of bad requests at
 * one level cannot hide errors at another.  ppsratecheck() is not atomic;
 * a lost update only lets an extra line through.
 */
#define MS_LOG_PER_SECOND 5

void ms_os_log(int level, const char *msg)
{
	static struct timeval last[3];
	static int count[3];
	static const int prio[3] = { LOG_ERR, LOG_WARNING, LOG_INFO };

	if (level < 0 || level > 2)
		level = 0;
	if (ppsratecheck(&last[level], &count[level], MS_LOG_PER_SECOND))
		log(prio[level], "multistack: %s\n", msg);
}
