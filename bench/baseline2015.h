/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A model of the 2015 MultiStack classifier, written for this benchmark from
 * the published description of its behaviour (../shared/NOTES.md), so that
 * the core is measured against it in the same binary on the same frames.
 * It is a yardstick, not a product: it keeps the old design's costs (a
 * chained hash of 16,384 buckets keyed by the low 4 address bytes, port and
 * protocol; the IPv4 header checksum summed for every frame; ports read at
 * the IHL offset) and its looseness (egress accepts a tuple whoever holds it).
 */
#ifndef MS_BENCH_BASELINE2015_H
#define MS_BENCH_BASELINE2015_H

#include <stddef.h>
#include <stdint.h>

struct b15_table;

struct b15_table *b15_create(void);
void b15_destroy(struct b15_table *t);
/* 0 on success, -1 if present already or out of memory.  addr: 4 or 16 bytes by family (4/6). */
int b15_bind(struct b15_table *t, uint8_t family, uint8_t proto, uint16_t port, const uint8_t *addr,
	     uint16_t owner);
/* Bytes the table holds: its bucket heads and its entries as the allocator rounds them. */
size_t b15_memory_bytes(const struct b15_table *t);

/* Ingress: the owner of the frame's destination tuple, or -1 (to the host stack). */
int b15_ingress(const struct b15_table *t, const uint8_t *frame, uint32_t len);
/* Egress: 1 if some port registered the frame's source tuple (to the NIC), else 0 (drop). */
int b15_egress(const struct b15_table *t, const uint8_t *frame, uint32_t len);

#endif
