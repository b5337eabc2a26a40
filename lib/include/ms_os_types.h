/* SPDX-License-Identifier: BSD-2-Clause */
/* Userspace flavour of the core's basic types: the include path picks this file. */
#ifndef MULTISTACK_MS_OS_TYPES_H
#define MULTISTACK_MS_OS_TYPES_H

#include <errno.h> /* the request path returns errno values */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The core's counters: userspace keeps one block per core, used by one
 * thread at a time (lib/ms_os_user.c), so an add is a plain add, inline as
 * the kernel's this_cpu_add is.
 */
#define MS_OS_PERCPU_ADD(blocks, offset, delta) \
	(*(uint64_t *) (void *) ((char *) (blocks) + (offset)) += (delta))

#endif
