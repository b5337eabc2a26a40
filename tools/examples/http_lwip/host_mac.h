/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef HTTP_LWIP_HOST_MAC_H
#define HTTP_LWIP_HOST_MAC_H

#include <netinet/in.h>
#include <stdint.h>

/*
 * The Ethernet address of the kernel interface that holds addr: the NIC the stack shares
 * with the kernel, whose address every frame of the stack must carry.  0, or -1 + errno.
 */
int host_mac_of_address(struct in_addr addr, uint8_t mac[6]);

/* Parses "02:00:00:00:00:01"; 0, or -1. */
int host_mac_parse(const char *text, uint8_t mac[6]);

#endif /* HTTP_LWIP_HOST_MAC_H */
