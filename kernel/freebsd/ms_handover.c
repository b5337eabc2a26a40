/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Handing the proof over (docs/design.md, "Isolation model"): once BIND has
 * registered a tuple, the caller's descriptor of the proving socket is
 * closed and the registration keeps the socket's only reference, so nobody
 * can connect, disconnect, shut down or rebind it, and its port stays taken,
 * until the registration ends.
 *
 * netmap calls config under the switch's rwlock, where closing a descriptor
 * (the table's lock is an sx lock, and a close may sleep) is forbidden.  So
 * the close is left to an AST of the calling thread (ast_register(9),
 * FreeBSD 14 and later): it runs in that thread, without locks, after the
 * ioctl and before the thread returns to user mode, so the caller's program
 * never runs with the descriptor still open after a successful BIND.  Other
 * threads of the process can use the descriptor in that short window; if
 * the socket gained another holder meanwhile (a dup, a fork, a message in
 * flight), the registration is revoked, as Linux undoes such a BIND.
 *
 * Kernels without module ASTs (FreeBSD 13) refuse BIND with EOPNOTSUPP
 * rather than register a tuple whose socket the caller keeps.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/capsicum.h>
#include <sys/file.h>
#include <sys/kernel.h>
#include <sys/lock.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/queue.h>
#include <sys/refcount.h>
#include <sys/syscallsubr.h>

#include "ms_fbsd.h"
#include "multistack/ms_request.h"

#ifdef ASTR_ASTF_REQUIRED

/*
 * The AST slot this module uses.  Slots are shared by every module of the
 * kernel (FreeBSD's Linux emulation takes TDA_MOD1); MOD2 also runs before
 * signals are delivered, so no signal handler sees the descriptor either.
 */
#define MS_HANDOVER_TDA TDA_MOD2

/* One descriptor to close when its thread leaves the kernel. */
struct ms_handover {
	LIST_ENTRY(ms_handover) link;
	struct thread *td;
	lwpid_t tid; /* with td: a thread freed and reused is not mistaken for it */
	int fd;
	struct file *fp; /* our own reference: fp cannot be reused while we compare it */
	struct ms_tuple tuple;
	uint16_t owner;
};

static LIST_HEAD(, ms_handover) ms_pending = LIST_HEAD_INITIALIZER(ms_pending);
static struct mtx ms_pending_mtx;
static u_int ms_running; /* handlers between taking an entry and finishing it */
static bool ms_ready;

static bool ms_cookie_holds(const void *cookie, const void *fp)
{
	return (((const struct ms_fbsd_reg *) cookie)->fp == fp);
}

static void ms_handover_finish(struct thread *td, struct ms_handover *h)
{
	struct file *fp;

	/* Only if the descriptor still names the proof: never close another file. */
	if (fget(td, h->fd, &cap_no_rights, &fp) == 0) {
		bool same = fp == h->fp;

		fdrop(fp, td);
		if (same)
			(void) kern_close(td, h->fd);
	}
	/*
	 * Left: the registration's reference and ours.  More means another
	 * holder appeared since BIND; fewer, that the registration has ended
	 * already (then revoking finds nothing).
	 */
	if (refcount_load(&h->fp->f_count) != 2)
		ms_requests_revoke(ms_sw.requests, NULL, &h->tuple, h->owner, ms_cookie_holds,
				   h->fp);
	fdrop(h->fp, td);
	free(h, M_MULTISTACK);
}

static struct ms_handover *ms_take_pending(struct thread *td)
{
	struct ms_handover *h;

	mtx_lock(&ms_pending_mtx);
	LIST_FOREACH (h, &ms_pending, link)
		if (h->td == td && h->tid == td->td_tid)
			break;
	if (h != NULL) {
		LIST_REMOVE(h, link);
		ms_running++;
	}
	mtx_unlock(&ms_pending_mtx);
	return (h);
}

static void ms_handover_ast(struct thread *td, int tda __unused)
{
	struct ms_handover *h;

	while ((h = ms_take_pending(td)) != NULL) {
		ms_handover_finish(td, h);
		mtx_lock(&ms_pending_mtx);
		ms_running--;
		mtx_unlock(&ms_pending_mtx);
	}
}

void ms_handover_init(void)
{
	mtx_init(&ms_pending_mtx, "multistack handover", NULL, MTX_DEF);
	ast_register(MS_HANDOVER_TDA, ASTR_ASTF_REQUIRED, 0, ms_handover_ast);
	ms_ready = true;
}

/*
 * After the switch hooks are gone no hand-over starts.  Threads that
 * started one finish it on their way out of the kernel, at once; one that
 * died in between never will, so after a second of waiting its entry is
 * dropped (its registration is gone with the core anyway).
 */
void ms_handover_fini(void)
{
	struct ms_handover *h;
	int waited;

	if (!ms_ready)
		return;
	for (waited = 0; waited < hz; waited++) {
		bool idle;

		mtx_lock(&ms_pending_mtx);
		idle = LIST_EMPTY(&ms_pending) && ms_running == 0;
		mtx_unlock(&ms_pending_mtx);
		if (idle)
			break;
		pause("mshover", 1);
	}
	ast_deregister(MS_HANDOVER_TDA);
	while ((h = LIST_FIRST(&ms_pending)) != NULL) {
		LIST_REMOVE(h, link);
		fdrop(h->fp, curthread);
		free(h, M_MULTISTACK);
	}
	mtx_destroy(&ms_pending_mtx);
	ms_ready = false;
}

/* Under the switch's read lock: no sleeping, the file reference is only taken. */
int ms_handover_start(struct file *fp, int fd, const struct ms_tuple *tuple, uint16_t owner)
{
	struct thread *td = curthread;
	struct ms_handover *h;

	h = malloc(sizeof(*h), M_MULTISTACK, M_NOWAIT | M_ZERO);
	if (h == NULL)
		return (ENOMEM);
	/* fhold() fails only when the count would overflow: countless holders. */
	if (!fhold(fp)) {
		free(h, M_MULTISTACK);
		return (EBUSY);
	}
	h->td = td;
	h->tid = td->td_tid;
	h->fd = fd;
	h->fp = fp;
	h->tuple = *tuple;
	h->owner = owner;
	mtx_lock(&ms_pending_mtx);
	LIST_INSERT_HEAD(&ms_pending, h, link);
	mtx_unlock(&ms_pending_mtx);
	ast_sched(td, MS_HANDOVER_TDA);
	return (0);
}

#else /* no module ASTs */

void ms_handover_init(void)
{
}

void ms_handover_fini(void)
{
}

int ms_handover_start(struct file *fp __unused, int fd __unused,
		      const struct ms_tuple *tuple __unused, uint16_t owner __unused)
{
	return (EOPNOTSUPP);
}

#endif
