/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST SHIM for the FreeBSD compile check (tests/build/test_freebsd_compile.py).
 *
 * Why: FreeBSD's sys/epoch.h includes <ck_epoch.h> in the kernel (_KERNEL) branch, for the
 * epoch section kept in struct epoch_tracker.  That header belongs to Concurrency Kit, which
 * the kernel build finds in sys/contrib/ck/include; FreeBSD does not install it under
 * /usr/include.  A real sys/ tree (MS_FREEBSD_SYSDIR) brings the real one.
 *
 * What: only the section type epoch_tracker embeds (Concurrency Kit documents it as a
 * structure holding the bucket an epoch section entered).  The module never calls ck itself.
 */
#ifndef MS_SHIM_CK_EPOCH_H
#define MS_SHIM_CK_EPOCH_H

struct ck_epoch_section {
	unsigned int bucket;
};
typedef struct ck_epoch_section ck_epoch_section_t;

#endif /* MS_SHIM_CK_EPOCH_H */
