// SPDX-License-Identifier: BSD-2-Clause
/*
 * The core's hooks in userspace, for tests, tools and benchmarks.  Deferred
 * frees wait on a list until ms_user_quiesce(), which a caller runs when no
 * reader can be inside a decision: that keeps "freed only after readers are
 * gone" observable under AddressSanitizer.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "multistack/ms_os.h"
#include "multistack/ms_user.h"

struct pending {
	struct ms_deferred *head;
	ms_deferred_fn fn;
};

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending *pending;
static size_t pending_len, pending_cap;

/*
 * Memory like a kernel's: small objects come from arenas on 2 MiB pages
 * (as kmalloc's come from the huge-page direct map) and large arrays are
 * huge-page mappings, so the benchmark does not measure TLB misses a kernel
 * would not have.  Under AddressSanitizer plain calloc/free are used, so
 * every object keeps its own redzones.
 */
#if defined(__SANITIZE_ADDRESS__)
#define MS_USER_PLAIN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MS_USER_PLAIN_MALLOC 1
#endif
#endif

#ifdef MS_USER_PLAIN_MALLOC

void *ms_os_zalloc(size_t size)
{
	return calloc(1, size);
}

void ms_os_free(void *ptr, size_t size)
{
	(void) size;
	free(ptr);
}

void *ms_os_zalloc_large(size_t size)
{
	return calloc(1, size);
}

void ms_os_free_large(void *ptr, size_t size)
{
	(void) size;
	free(ptr);
}

#else

#define ARENA_BYTES (2u << 20)
#define CLASS_STEP  16u
#define CLASS_MAX   256u

struct free_object {
	struct free_object *next;
};

static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static struct free_object *free_lists[CLASS_MAX / CLASS_STEP + 1];
static uint8_t *arena_next, *arena_end;

static size_t huge_round(size_t size)
{
	return (size + ARENA_BYTES - 1) & ~(size_t) (ARENA_BYTES - 1);
}

void *ms_os_zalloc_large(size_t size)
{
	void *p = mmap(NULL, huge_round(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, huge_round(size), MADV_HUGEPAGE); /* a hint: 4 KiB pages work too */
	return p;
}

void ms_os_free_large(void *ptr, size_t size)
{
	munmap(ptr, huge_round(size));
}

void *ms_os_zalloc(size_t size)
{
	size_t cls = (size + CLASS_STEP - 1) / CLASS_STEP;
	void *p = NULL;

	if (size > CLASS_MAX)
		return calloc(1, size);
	pthread_mutex_lock(&arena_lock);
	if (free_lists[cls]) {
		p = free_lists[cls];
		free_lists[cls] = free_lists[cls]->next;
		memset(p, 0, cls * CLASS_STEP);
	} else {
		if ((size_t) (arena_end - arena_next) < cls * CLASS_STEP) {
			/* Arenas live as long as the process; the tail of the last is left. */
			arena_next = ms_os_zalloc_large(ARENA_BYTES);
			arena_end = arena_next ? arena_next + ARENA_BYTES : NULL;
		}
		if (arena_next) {
			p = arena_next;
			arena_next += cls * CLASS_STEP;
		}
	}
	pthread_mutex_unlock(&arena_lock);
	return p;
}

void ms_os_free(void *ptr, size_t size)
{
	size_t cls = (size + CLASS_STEP - 1) / CLASS_STEP;
	struct free_object *obj = ptr;

	if (size > CLASS_MAX) {
		free(ptr);
		return;
	}
	pthread_mutex_lock(&arena_lock);
	obj->next = free_lists[cls];
	free_lists[cls] = obj;
	pthread_mutex_unlock(&arena_lock);
}

#endif

void ms_os_defer_free(struct ms_deferred *head, ms_deferred_fn fn)
{
	pthread_mutex_lock(&pending_lock);
	if (pending_len == pending_cap) {
		size_t cap = pending_cap ? pending_cap * 2 : 256;
		struct pending *grown = realloc(pending, cap * sizeof(*grown));

		if (!grown) {
			/* No room to wait: the caller promised quiescence on quiesce only,
			 * so the safest fallback is to leak rather than free early. */
			pthread_mutex_unlock(&pending_lock);
			return;
		}
		pending = grown;
		pending_cap = cap;
	}
	pending[pending_len].head = head;
	pending[pending_len].fn = fn;
	pending_len++;
	pthread_mutex_unlock(&pending_lock);
}

size_t ms_user_quiesce(void)
{
	struct pending *batch;
	size_t n, i;

	pthread_mutex_lock(&pending_lock);
	batch = pending;
	n = pending_len;
	pending = NULL;
	pending_len = pending_cap = 0;
	pthread_mutex_unlock(&pending_lock);
	for (i = 0; i < n; i++)
		batch[i].fn(batch[i].head);
	free(batch);
	return n;
}

struct ms_os_lock {
	pthread_mutex_t mutex;
};

struct ms_os_lock *ms_os_lock_create(void)
{
	struct ms_os_lock *lock = calloc(1, sizeof(*lock));

	if (lock)
		pthread_mutex_init(&lock->mutex, NULL);
	return lock;
}

void ms_os_lock_destroy(struct ms_os_lock *lock)
{
	pthread_mutex_destroy(&lock->mutex);
	free(lock);
}

void ms_os_lock(struct ms_os_lock *lock)
{
	pthread_mutex_lock(&lock->mutex);
}

void ms_os_unlock(struct ms_os_lock *lock)
{
	pthread_mutex_unlock(&lock->mutex);
}

/* One counter block: userspace decisions run on the caller's thread, one at a time per core. */
void *ms_os_percpu_zalloc(size_t size)
{
	return calloc(1, size);
}

void ms_os_percpu_free(void *blocks)
{
	free(blocks);
}

void *ms_os_percpu_this(void *blocks)
{
	return blocks;
}

unsigned ms_os_percpu_count(void)
{
	return 1;
}

void *ms_os_percpu_at(void *blocks, unsigned index)
{
	(void) index;
	return blocks;
}

static uint64_t clock_offset_ms;

uint64_t ms_os_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u + clock_offset_ms;
}

void ms_user_advance_clock_ms(uint64_t ms)
{
	clock_offset_ms += ms;
}

uint64_t ms_os_random_u64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t) sizeof(v))
		v = (uint64_t) time(NULL) * 0x9e3779b97f4a7c15ull;
	return v;
}

void ms_os_log(int level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info" };

	fprintf(stderr, "multistack %s: %s\n", level >= 0 && level <= 2 ? names[level] : "log",
		msg);
}
