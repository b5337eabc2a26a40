/* SPDX-License-Identifier: BSD-2-Clause */
/* Extra controls of the userspace host of the core, for tests and benchmarks. */
#ifndef MULTISTACK_MS_USER_H
#define MULTISTACK_MS_USER_H

#include <stddef.h>
#include <stdint.h>

/* Runs every deferred free; call only when no thread is inside a decision. Returns how many. */
size_t ms_user_quiesce(void);
/* Moves the core's clock forward, to age fragment memory in tests. */
void ms_user_advance_clock_ms(uint64_t ms);

#endif
