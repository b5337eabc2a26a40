/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef HTTP_LWIP_HTTP_SERVER_H
#define HTTP_LWIP_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/ip4_addr.h"

struct http_server_stats {
	unsigned long connections; /* accepted */
	unsigned long responses;   /* queued in full, any status */
	unsigned long errors;	   /* connections lwIP reset or aborted */
};

extern struct http_server_stats http_server_stats;

/*
 * Serves body (kept by the caller for as long as the server runs) at "/" of
 * http://addr:port/ on lwIP's raw TCP API: keep-alive, pipelined requests answered in
 * order, a clean close (FIN after the last byte) when the client or an error asks.
 * 0, or -1 if lwIP refused the listening socket.
 */
int http_server_start(const ip4_addr_t *addr, uint16_t port, const unsigned char *body,
		      size_t body_len);

#endif /* HTTP_LWIP_HTTP_SERVER_H */
