/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef HTTP_LWIP_HTTP_BODY_H
#define HTTP_LWIP_HTTP_BODY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Byte i of every body the servers send: a position-dependent pattern (a multiplicative
 * hash of i, period 2^32), so a client checks each byte without a copy of the body and
 * a lost, repeated or reordered stretch shows.
 */
static inline unsigned char http_body_byte(size_t i)
{
	return (unsigned char) (((uint32_t) i * 2654435761u) >> 24);
}

static inline void http_body_fill(unsigned char *body, size_t len)
{
	for (size_t i = 0; i < len; i++)
		body[i] = http_body_byte(i);
}

#endif /* HTTP_LWIP_HTTP_BODY_H */
