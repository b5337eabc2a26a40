/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef HTTP_LWIP_TUPLE_CLAIM_H
#define HTTP_LWIP_TUPLE_CLAIM_H

#include <netinet/in.h>
#include <stdint.h>

#include "multistack/ms_uapi.h"

/*
 * Claims tcp addr:tcp_port for the multistack port port_name (whose netmap fd is
 * netmap_fd), as every application must: an ordinary kernel TCP socket is bound to the
 * tuple (the proof of ownership, and the kernel gives the port to no one else), then
 * BIND hands that socket to the kernel.  tuple receives the registration for
 * ms_app_unbind().  0, or -1 after a message on stderr.
 */
int tuple_claim(int netmap_fd, const char *port_name, struct in_addr addr, uint16_t tcp_port,
		struct ms_req *tuple);

#endif /* HTTP_LWIP_TUPLE_CLAIM_H */
