/* SPDX-License-Identifier: BSD-2-Clause */
/* Tuples for the C tests. */
#ifndef MS_TEST_TUPLES_H
#define MS_TEST_TUPLES_H

#include <string.h>

#include "multistack/ms_core.h"

/* An IPv4 tuple; addr in host order (0x0a000001 is 10.0.0.1). */
static inline struct ms_tuple tuple_v4(uint8_t proto, uint32_t addr, uint16_t port)
{
	struct ms_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET;
	t.proto = proto;
	t.port = port;
	t.addr[0] = (uint8_t) (addr >> 24);
	t.addr[1] = (uint8_t) (addr >> 16);
	t.addr[2] = (uint8_t) (addr >> 8);
	t.addr[3] = (uint8_t) addr;
	return t;
}

#endif
