// SPDX-License-Identifier: BSD-2-Clause
/*
 * The hooks of ms_os.h on Linux: every one of them, in this file only.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "ms_linux.h"
#include "multistack/ms_os.h"

/* Charged to the memory cgroup of whoever registers: a user pays for its own tuples. */
void *ms_os_zalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL_ACCOUNT);
}

void ms_os_free(void *ptr, size_t size)
{
	(void) size;
	kfree(ptr);
}

void *ms_os_zalloc_large(size_t size)
{
	return kvzalloc(size, GFP_KERNEL_ACCOUNT);
}

void ms_os_free_large(void *ptr, size_t size)
{
	(void) size;
	kvfree(ptr);
}

/*
 * Deferred freeing.  The two words of struct ms_deferred must carry both the
 * callback and a list link, and call_rcu() would need both for its own
 * rcu_head while calling fn through a cast function type (which kCFI kernels
 * trap).  So objects are queued here and one worker frees each batch after a
 * single synchronize_rcu(): one grace period per batch, not per object.
 */
struct ms_defer_node {
	struct ms_defer_node *next;
	ms_deferred_fn fn;
};
static_assert(sizeof(struct ms_deferred) >= sizeof(struct ms_defer_node));
static_assert(sizeof(struct ms_deferred) >= sizeof(struct rcu_head));
static_assert(__alignof__(struct ms_deferred) >= __alignof__(struct ms_defer_node));

static DEFINE_SPINLOCK(ms_defer_lock);
static struct ms_defer_node *ms_defer_pending;

static void ms_defer_run(struct work_struct *work)
{
	struct ms_defer_node *node;
	struct ms_defer_node *next;

	(void) work;
	spin_lock_bh(&ms_defer_lock);
	node = ms_defer_pending;
	ms_defer_pending = NULL;
	spin_unlock_bh(&ms_defer_lock);
	if (!node)
		return;
	synchronize_rcu();
	for (; node; node = next) {
		next = node->next;
		node->fn((struct ms_deferred *) node);
	}
}

static DECLARE_WORK(ms_defer_work, ms_defer_run);

void ms_os_defer_free(struct ms_deferred *head, ms_deferred_fn fn)
{
	struct ms_defer_node *node = (struct ms_defer_node *) head;

	node->fn = fn;
	spin_lock_bh(&ms_defer_lock);
	node->next = ms_defer_pending;
	ms_defer_pending = node;
	spin_unlock_bh(&ms_defer_lock);
	schedule_work(&ms_defer_work);
}

void ms_os_linux_drain(void)
{
	bool pending;

	do {
		flush_work(&ms_defer_work);
		spin_lock_bh(&ms_defer_lock);
		pending = ms_defer_pending != NULL;
		spin_unlock_bh(&ms_defer_lock);
		if (pending)
			schedule_work(&ms_defer_work);
	} while (pending);
}

/* Writers may sleep (config and dtor run under netmap's rw_semaphore): a mutex. */
struct ms_os_lock {
	struct mutex mutex;
};

struct ms_os_lock *ms_os_lock_create(void)
{
	struct ms_os_lock *lock = kzalloc(sizeof(*lock), GFP_KERNEL);

	if (lock)
		mutex_init(&lock->mutex);
	return lock;
}

void ms_os_lock_destroy(struct ms_os_lock *lock)
{
	if (!lock)
		return;
	mutex_destroy(&lock->mutex);
	kfree(lock);
}

void ms_os_lock(struct ms_os_lock *lock)
{
	mutex_lock(&lock->mutex);
}

void ms_os_unlock(struct ms_os_lock *lock)
{
	mutex_unlock(&lock->mutex);
}

/*
 * Per-CPU counter blocks.  The core adds to them with this_cpu_add()
 * (MS_OS_PERCPU_ADD in include/ms_os_types.h), which no preemption or
 * interrupt splits; ms_os_percpu_this() serves only hosts without it.
 *
 * The core keeps a block set as an opaque void *.  A per-cpu pointer is not
 * an ordinary pointer: sparse tags it __percpu, and newer kernels on x86 (7.x
 * here) make that tag gcc's %gs named address space, where a pointer cast to
 * or from the generic address space warns.  The value is an
 * offset either way, so it crosses the boundary as an unsigned long, as the
 * kernel's own per-cpu accessors do.
 */
static void *ms_percpu_to_handle(void __percpu *blocks)
{
	return (void *) (__force unsigned long) blocks;
}

static void __percpu *ms_percpu_from_handle(void *handle)
{
	return (void __percpu __force *) (unsigned long) handle;
}

void *ms_os_percpu_zalloc(size_t size)
{
	return ms_percpu_to_handle(__alloc_percpu(size, __alignof__(u64)));
}

void ms_os_percpu_free(void *blocks)
{
	free_percpu(ms_percpu_from_handle(blocks));
}

void *ms_os_percpu_this(void *blocks)
{
	return this_cpu_ptr(ms_percpu_from_handle(blocks));
}

unsigned ms_os_percpu_count(void)
{
	return nr_cpu_ids;
}

/* CPUs that can never exist have no block: they read as zeros. */
void *ms_os_percpu_at(void *blocks, unsigned index)
{
	if (index >= nr_cpu_ids || !cpu_possible(index))
		return page_address(ZERO_PAGE(0));
	return per_cpu_ptr(ms_percpu_from_handle(blocks), index);
}

uint64_t ms_os_now_ms(void)
{
	return div_u64(ktime_get_coarse_ns(), NSEC_PER_MSEC);
}

uint64_t ms_os_random_u64(void)
{
	return ms_compat_random_u64();
}

void ms_os_log(int level, const char *msg)
{
	switch (level) {
	case 0:
		pr_err_ratelimited("multistack: %s\n", msg);
		break;
	case 1:
		pr_warn_ratelimited("multistack: %s\n", msg);
		break;
	default:
		pr_info_ratelimited("multistack: %s\n", msg);
		break;
	}
}
