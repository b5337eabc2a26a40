/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel flavour of the core's basic types: the include path picks this file. */
#ifndef MULTISTACK_MS_OS_TYPES_H
#define MULTISTACK_MS_OS_TYPES_H

#include <linux/errno.h>  /* the request path returns errno values */
#include <linux/stddef.h> /* NULL, true, false */
#include <linux/types.h>  /* uint8_t..uint64_t, bool, size_t */

#endif
