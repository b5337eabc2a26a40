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
 * Per-CPU blocks: one cache-line-aligned slot per possible CPU id.  Readers
 * run in a critical section (see ms_switch.c), so curcpu stays valid and no
 * other lookup on that CPU interleaves with the update.
 */
struct ms_percpu_hdr {
	size_t stride;
	unsigned count;
};

#define MS_PERCPU_HDR roundup2(sizeof(struct ms_percpu_hdr), CACHE_LINE_SIZE)

static struct ms_percpu_hdr *ms_percpu_hdr(void *blocks)
{
	return ((struct ms_percpu_hdr *) (void *) ((char *) blocks - MS_PERCPU_HDR));
}

void *ms_os_percpu_zalloc(size_t size)
{
	struct ms_percpu_hdr *hdr;
	size_t stride = roundup2(size, CACHE_LINE_SIZE);
	unsigned count = mp_maxid + 1;
	char *base;

	base = malloc(MS_PERCPU_HDR + stride * count, M_MULTISTACK, M_NOWAIT | M_ZERO);
	if (base == NULL)
		return (NULL);
	hdr = (struct ms_percpu_hdr *) (void *) base;
	hdr->stride = stride;
	hdr->count = count;
	return (base + MS_PERCPU_HDR);
}

void ms_os_percpu_free(void *blocks)
{
	if (blocks != NULL)
		free(ms_percpu_hdr(blocks), M_MULTISTACK);
}

void *ms_os_percpu_at(void *blocks, unsigned index)
{
	return ((char *) blocks + (size_t) index * ms_percpu_hdr(blocks)->stride);
}

void *ms_os_percpu_this(void *blocks)
{
	return (ms_os_percpu_at(blocks, curcpu));
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
