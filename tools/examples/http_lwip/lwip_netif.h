/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef HTTP_LWIP_LWIP_NETIF_H
#define HTTP_LWIP_LWIP_NETIF_H

#include <stdint.h>

#include "frame_port.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

/* An lwIP Ethernet interface whose wire is a multistack port. */
struct port_netif {
	struct netif netif;
	struct frame_port *port;
	unsigned long rx_frames;  /* frames handed to lwIP */
	unsigned long tx_frames;  /* frames lwIP sent */
	unsigned long tx_dropped; /* frames lost for want of room in the port */
};

/*
 * Adds the interface (link up, default route) with the NIC's Ethernet address mac (the
 * switch lets a stack send only from it) and addr/netmask.  Call after lwip_init().
 */
int port_netif_add(struct port_netif *pn, struct frame_port *port, const uint8_t mac[6],
		   const ip4_addr_t *addr, const ip4_addr_t *netmask);

/* Hands lwIP every frame waiting on the port, at most budget of them; returns how many. */
unsigned port_netif_input(struct port_netif *pn, unsigned budget);

void port_netif_remove(struct port_netif *pn);

#endif /* HTTP_LWIP_LWIP_NETIF_H */
