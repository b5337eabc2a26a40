/* SPDX-License-Identifier: BSD-2-Clause */
/* Userspace flavour of the core's basic types: the include path picks this file. */
#ifndef MULTISTACK_MS_OS_TYPES_H
#define MULTISTACK_MS_OS_TYPES_H

#include <errno.h> /* the request path returns errno values */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#endif
