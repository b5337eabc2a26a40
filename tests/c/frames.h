/* SPDX-License-Identifier: BSD-2-Clause */
/* Builders of well-formed test frames, written field by field. */
#ifndef MS_TEST_FRAMES_H
#define MS_TEST_FRAMES_H

#include <stdint.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

static inline uint32_t eth_header(uint8_t *f, uint16_t type)
{
	memset(f, 0xaa, 12);
	put16(f + 12, type);
	return 14;
}

/* Ethernet + IPv4 + the first 8 bytes of a transport header with these ports. */
static inline uint32_t frame_ipv4(uint8_t *f, uint8_t proto, const uint8_t src[4],
				  const uint8_t dst[4], uint16_t sport, uint16_t dport,
				  uint16_t l4_len)
{
	uint32_t off = eth_header(f, 0x0800);
	uint8_t *ip = f + off;

	memset(ip, 0, 20u + l4_len);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t) (20 + l4_len));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 20, sport);
	put16(ip + 22, dport);
	return off + 20 + l4_len;
}

static inline uint32_t frame_ipv6(uint8_t *f, uint8_t proto, const uint8_t src[16],
				  const uint8_t dst[16], uint16_t sport, uint16_t dport,
				  uint16_t l4_len)
{
	uint32_t off = eth_header(f, 0x86dd);
	uint8_t *ip = f + off;

	memset(ip, 0, 40u + l4_len);
	ip[0] = 0x60;
	put16(ip + 4, l4_len);
	ip[6] = proto;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	put16(ip + 40, sport);
	put16(ip + 42, dport);
	return off + 40 + l4_len;
}

#endif
