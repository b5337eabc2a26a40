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
