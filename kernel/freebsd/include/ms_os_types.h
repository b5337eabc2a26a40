/* SPDX-License-Identifier: BSD-2-Clause */
/* FreeBSD kernel flavour of the core's basic types: the include path picks this file. */
#ifndef MULTISTACK_MS_OS_TYPES_H
#define MULTISTACK_MS_OS_TYPES_H

#include <sys/errno.h> /* the request path returns errno values */
#include <sys/param.h>
#include <sys/systm.h> /* memcpy, memset, memcmp, CTASSERT */

/*
 * sys/types.h already gives the kernel bool, size_t and the fixed-width
 * integers the core uses, so nothing else is needed here.
 */

#endif /* MULTISTACK_MS_OS_TYPES_H */
