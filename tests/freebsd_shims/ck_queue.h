/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST SHIM for the FreeBSD compile check (tests/build/test_freebsd_compile.py).
 *
 * Why: FreeBSD's sys/ck.h includes <ck_queue.h> in the kernel (_KERNEL) branch; that header
 * belongs to Concurrency Kit (sys/contrib/ck/include in the kernel sources) and FreeBSD does
 * not install it.  The network headers (in_pcb.h, if_var.h, sctp_pcb.h...) declare lists
 * with it.  A real sys/ tree (MS_FREEBSD_SYSDIR) brings the real one.
 *
 * What: the list types and the few accessors those headers use, mapped onto <sys/queue.h>
 * as FreeBSD's sys/ck.h itself maps them outside the kernel (Concurrency Kit's lists have
 * the same shape; its accessors add the memory ordering readers need, irrelevant to a
 * compile check).  The module never uses these lists itself.
 */
#ifndef MS_SHIM_CK_QUEUE_H
#define MS_SHIM_CK_QUEUE_H

#include <sys/queue.h>

#define CK_LIST_HEAD	LIST_HEAD
#define CK_LIST_ENTRY	LIST_ENTRY
#define CK_LIST_EMPTY	LIST_EMPTY
#define CK_LIST_FOREACH LIST_FOREACH
#define CK_SLIST_HEAD	SLIST_HEAD
#define CK_SLIST_ENTRY	SLIST_ENTRY
#define CK_STAILQ_HEAD	STAILQ_HEAD
#define CK_STAILQ_ENTRY STAILQ_ENTRY
#define CK_STAILQ_FIRST STAILQ_FIRST
#define CK_STAILQ_NEXT	STAILQ_NEXT

#endif /* MS_SHIM_CK_QUEUE_H */
