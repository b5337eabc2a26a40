/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Dropping socket file references.  Removing a registration happens under
 * netmap's switch rwlock (config, dtor), where sleeping is forbidden, but the
 * last fdrop() of a socket closes it, and closing may sleep.  So references
 * are handed to a task on taskqueue_thread, which also waits out the net
 * epoch before freeing a cookie: QUERY reads cookies inside that epoch.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/epoch.h>
#include <sys/file.h>
#include <sys/kernel.h>
#include <sys/lock.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/refcount.h>
#include <sys/taskqueue.h>

#include "ms_fbsd.h"
#include "multistack/ms_os.h"

static STAILQ_HEAD(, ms_fbsd_reg) ms_release_list = STAILQ_HEAD_INITIALIZER(ms_release_list);
static struct mtx ms_release_mtx;
static struct task ms_release_task;
static bool ms_release_ready;

static void ms_release_one(struct ms_fbsd_reg *reg)
{
	if (reg->fp != NULL)
		fdrop(reg->fp, curthread);
	free(reg, M_MULTISTACK);
}

static void ms_release_run(void *arg __unused, int pending __unused)
{
	STAILQ_HEAD(, ms_fbsd_reg) batch = STAILQ_HEAD_INITIALIZER(batch);
	struct ms_fbsd_reg *reg;

	mtx_lock(&ms_release_mtx);
	STAILQ_CONCAT(&batch, &ms_release_list);
	mtx_unlock(&ms_release_mtx);

	NET_EPOCH_WAIT();
	while ((reg = STAILQ_FIRST(&batch)) != NULL) {
		STAILQ_REMOVE_HEAD(&batch, release_link);
		ms_release_one(reg);
	}
}

void ms_release_init(void)
{
	mtx_init(&ms_release_mtx, "multistack release", NULL, MTX_DEF);
	TASK_INIT(&ms_release_task, 0, ms_release_run, NULL);
	ms_release_ready = true;
}

/*
 * After the switch callbacks are gone: nothing can queue any more.  Safe to
 * call again, or without ms_release_init(): the kernel sends MOD_UNLOAD
 * after a failed MOD_LOAD too.
 */
void ms_release_fini(void)
{
	if (!ms_release_ready)
		return;
	taskqueue_drain(taskqueue_thread, &ms_release_task);
	ms_release_run(NULL, 0);
	mtx_destroy(&ms_release_mtx);
	ms_release_ready = false;
}

void ms_release_cookie(void *cookie, void *arg __unused)
{
	struct ms_fbsd_reg *reg = cookie;

	mtx_lock(&ms_release_mtx);
	STAILQ_INSERT_TAIL(&ms_release_list, reg, release_link);
	mtx_unlock(&ms_release_mtx);
	taskqueue_enqueue(taskqueue_thread, &ms_release_task);
}

void ms_release_cookie_now(void *cookie, void *arg __unused)
{
	ms_release_one(cookie);
}

/*
 * A reference taken only to look at a socket.  The descriptor table still
 * holds the file, so this is almost never the last reference; when it is
 * (the process closed the descriptor meanwhile), the close goes to the task.
 */
void ms_file_drop(struct file *fp)
{
	struct ms_fbsd_reg *carrier;

	if (refcount_release_if_not_last(&fp->f_count))
		return;
	carrier = malloc(sizeof(*carrier), M_MULTISTACK, M_NOWAIT | M_ZERO);
	if (carrier == NULL) {
		/*
		 * Closing here could sleep under the switch lock and panic; keeping
		 * one socket open for good is the lesser harm.
		 */
		ms_os_log(1, "out of memory: a socket reference is kept");
		return;
	}
	carrier->fp = fp;
	carrier->pid = MS_PID_NONE;
	ms_release_cookie(carrier, NULL);
}
