// SPDX-License-Identifier: BSD-2-Clause
/* MS_HAVE_GET_RANDOM_U64: get_random_u64() appeared in 4.11. */
#include <linux/random.h>

u64 ms_probe(void);
u64 ms_probe(void)
{
	return get_random_u64();
}
